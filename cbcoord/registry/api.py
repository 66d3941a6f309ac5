"""JSON API for regions, members and organisations."""

import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cbcoord.accounts.api_auth import READ_AUTH, WRITE_AUTH, api_user
from cbcoord.core.api_errors import ErrorOut
from cbcoord.core.pagination import Pagination
from cbcoord.registry import selectors, services
from cbcoord.registry.filters import MemberFilters, OrganisationFilters
from cbcoord.registry.models import Member, Organisation, Person, Region

router = Router(tags=["registry"])


class RegionOut(Schema):
    code: str
    name: str
    name_en: str
    name_es: str
    name_fr: str
    name_pt: str
    member_count: int = 0


class MemberOut(Schema):
    id: int
    name: str
    country_name: str
    iso_code: str
    region: str = Field(..., alias="region.code")
    member_type: str
    membership_date: str
    verification: str
    is_verified: bool
    administration: str = Field(..., alias="organisation.key")


class OrganisationOut(Schema):
    key: str
    name: str
    acronym: str
    kind: str
    iati_org_id: str
    iati_org_type: str
    website: str
    is_verified: bool
    is_demo: bool


class PersonOut(Schema):
    id: int
    name: str
    title: str
    email: str | None = Field(
        None, description="Only for signed-in callers (selectors.person_contact_visible)."
    )


class OrganisationDetailOut(OrganisationOut):
    description: str
    people: list[PersonOut] = Field(..., alias="visible_people")


class RoleOut(Schema):
    role: str
    organisation: str = Field(..., alias="organisation.key")
    start_date: datetime.date
    end_date: datetime.date | None
    note: str


class RegionDetailOut(RegionOut):
    roles: list[RoleOut]

    @staticmethod
    def resolve_roles(region: Region) -> list[object]:
        return list(selectors.roles_of_region(region=region))

    @staticmethod
    def resolve_member_count(region: Region) -> int:
        return region.members.count()


class OrganisationPatch(Schema):
    name: str | None = None
    acronym: str | None = None
    website: str | None = None
    description: str | None = None
    kind: str | None = None
    iati_org_id: str | None = None
    iati_org_type: str | None = None
    is_verified: bool | None = None
    is_published: bool | None = None


class PersonIn(Schema):
    name: str
    title: str = ""
    email: str = ""
    is_published: bool = False


@router.get("/regions", response=list[RegionOut], auth=READ_AUTH)
def list_regions(request: HttpRequest) -> list[Region]:
    return list(selectors.region_list())


@router.get("/regions/{code}", response=RegionDetailOut, auth=READ_AUTH)
def get_region(request: HttpRequest, code: str) -> Region:
    return selectors.region_get(code=code)


@router.get("/members", response={200: list[MemberOut], 400: ErrorOut}, auth=READ_AUTH)
@paginate(Pagination)
def list_members(request: HttpRequest, filters: Query[MemberFilters]) -> object:
    filters.require_known(api_user(request))
    return selectors.member_list(filters=filters)


@router.get("/members/{int:member_id}", response=MemberOut, auth=READ_AUTH)
def get_member(request: HttpRequest, member_id: int) -> Member:
    return selectors.member_get(pk=member_id)


@router.get("/organisations", response={200: list[OrganisationOut], 400: ErrorOut}, auth=READ_AUTH)
@paginate(Pagination)
def list_organisations(request: HttpRequest, filters: Query[OrganisationFilters]) -> object:
    """The WCO and the partners the caller may see (members: `/api/members`)."""
    user = api_user(request)
    filters.require_known(user)
    return selectors.organisation_list(user=user, filters=filters)


@router.get("/organisations/{key}", response=OrganisationDetailOut, auth=READ_AUTH)
def get_organisation(request: HttpRequest, key: str) -> object:
    user = api_user(request)
    organisation, people = selectors.organisation_with_people(user=user, key=key)
    contacts = selectors.person_contact_visible(user)
    organisation.visible_people = [  # type: ignore[attr-defined]
        PersonOut(
            id=person.pk,
            name=person.name,
            title=person.title,
            email=person.email if contacts else None,
        )
        for person in people
    ]
    return organisation


@router.patch(
    "/organisations/{key}",
    response={200: OrganisationOut, 400: ErrorOut, 403: ErrorOut},
    auth=WRITE_AUTH,
)
def patch_organisation(request: HttpRequest, key: str, payload: OrganisationPatch) -> object:
    user = api_user(request)
    organisation = selectors.organisation_get_for_edit(user=user, key=key)
    services.organisation_update(
        user=user, organisation=organisation, data=payload.dict(exclude_unset=True)
    )
    return Status(200, Organisation.objects.get(pk=organisation.pk))


@router.post(
    "/organisations/{key}/people",
    response={201: PersonOut, 400: ErrorOut, 403: ErrorOut},
    auth=WRITE_AUTH,
)
def create_person(request: HttpRequest, key: str, payload: PersonIn) -> object:
    user = api_user(request)
    organisation = selectors.organisation_get_for_edit(user=user, key=key)
    person: Person = services.person_create(
        user=user, organisation=organisation, data=payload.dict()
    )
    return Status(201, person)
