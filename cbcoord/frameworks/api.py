"""JSON API for the instrument catalogue."""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from cbcoord.accounts.api_auth import READ_AUTH, api_user
from cbcoord.core.api_errors import ErrorOut
from cbcoord.core.pagination import Pagination
from cbcoord.frameworks import selectors
from cbcoord.frameworks.filters import ProvisionFilters
from cbcoord.frameworks.models import Instrument, Provision

router = Router(tags=["instruments"])


class InstrumentOut(Schema):
    code: str
    kind: str
    title: str
    title_en: str
    title_es: str
    title_fr: str
    title_pt: str
    unofficial_titles: list[str] = Field(
        ..., description="Languages whose title is cbcoord's translation, not an official text."
    )
    version: str
    publisher: str
    verification: str
    is_verified: bool
    source: str
    provision_count: int = 0


class ProvisionOut(Schema):
    code: str
    instrument: str = Field(..., alias="instrument.code")
    parent: str | None = Field(None, alias="parent.code")
    kind: str
    number: str
    title: str
    title_en: str
    title_es: str
    title_fr: str
    title_pt: str
    unofficial_titles: list[str] = Field(
        ..., description="Languages whose title is cbcoord's translation, not an official text."
    )
    verification: str
    is_verified: bool


class RelatedOut(Schema):
    code: str
    title: str
    note: str


class ProvisionDetailOut(ProvisionOut):
    source: str
    children: list[str]
    related: list[RelatedOut]

    @staticmethod
    def resolve_children(provision: Provision) -> list[str]:
        return list(provision.children.order_by("sort_order").values_list("code", flat=True))

    @staticmethod
    def resolve_related(provision: Provision) -> list[dict[str, str]]:
        return [
            {"code": item.provision.code, "title": item.provision.title, "note": item.note}
            for item in selectors.provision_related(provision=provision)
        ]


@router.get("/instruments", response=list[InstrumentOut], auth=READ_AUTH)
def list_instruments(request: HttpRequest) -> list[Instrument]:
    return list(selectors.instrument_list())


@router.get("/instruments/{code}", response=InstrumentOut, auth=READ_AUTH)
def get_instrument(request: HttpRequest, code: str) -> Instrument:
    instrument = selectors.instrument_get(code=code)
    instrument.provision_count = instrument.provisions.count()  # type: ignore[attr-defined]
    return instrument


@router.get("/provisions", response={200: list[ProvisionOut], 400: ErrorOut}, auth=READ_AUTH)
@paginate(Pagination)
def list_provisions(request: HttpRequest, filters: Query[ProvisionFilters]) -> object:
    filters.require_known(api_user(request))
    return selectors.provision_list(filters=filters)


@router.get("/provisions/{code}", response=ProvisionDetailOut, auth=READ_AUTH)
def get_provision(request: HttpRequest, code: str) -> Provision:
    return selectors.provision_get(code=code)
