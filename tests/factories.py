"""Factories (factory-boy) for the tests: records are built the way the application builds them,
through its services where one exists (activities entered by hand, needs, people, API tokens),
through the ORM otherwise (users; activities as the importer stores them).

A test names only what matters to it; everything else gets a value that passes every check::

    UserFactory(role=Role.PARTNER_EDITOR, organisation=idb)
    ActivityFactory(user=partner_editor, iati_identifier="XM-DAC-909-7")
    ImportedActivityFactory(iati_identifier="XM-DAC-909-A", reporting_org=idb, start="2021-01-01")
    NeedFactory(member="JM", provisions=("TFA-7.4",), user=member_editor)
    client.get("/api/activities", headers=bearer(partner_editor))

Reference data must be loaded (the ``reference`` fixture): the factories look organisations,
members and provisions up by their keys and codes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import factory

from cbcoord.accounts import services as accounts_services
from cbcoord.accounts.actors import SYSTEM
from cbcoord.accounts.models import ApiToken, Role, User
from cbcoord.activities import derive
from cbcoord.activities import services as activity_services
from cbcoord.activities.edits import ActivityNew
from cbcoord.activities.indexing import content_hash, write_index_rows
from cbcoord.activities.models import (
    Activity,
    ActivityProvision,
    ActivityRegion,
    Origin,
    Visibility,
)
from cbcoord.frameworks.models import Provision
from cbcoord.needs import services as need_services
from cbcoord.needs.models import Need
from cbcoord.registry import services as registry_services
from cbcoord.registry.models import Member, Organisation, Person


def organisation(key: str | Organisation) -> Organisation:
    """The organisation of registry key ``key`` (or ``key`` itself, already one)."""
    if isinstance(key, Organisation):
        return key
    return Organisation.objects.get(key=key)


def member(iso_code: str | Member) -> Member:
    """The member of ISO code ``iso_code``, with its organisation and region."""
    if isinstance(iso_code, Member):
        return iso_code
    return Member.objects.select_related("organisation", "region").get(iso_code=iso_code)


def provisions(*codes: str) -> list[Provision]:
    """The provisions of ``codes``, in that order."""
    found = {p.code: p for p in Provision.objects.filter(code__in=codes)}
    return [found[code] for code in codes]


# --- accounts ------------------------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    """A user of one organisation and one role; the password is ``pw-`` and the username."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user-{n}")
    password = factory.LazyAttribute(lambda user: f"pw-{user.username}")
    role = Role.VIEWER
    organisation = factory.LazyFunction(lambda: organisation("idb"))

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        return model_class.objects.create_user(*args, **kwargs)


class ApiTokenFactory(factory.Factory):
    """A bearer token of ``owner``, made by the accounts service; its raw value is in ``raw``
    (the service shows it once)."""

    class Meta:
        model = ApiToken

    owner = factory.SubFactory(UserFactory)
    name = "test"
    valid_days = None

    @classmethod
    def _create(cls, model_class: type[ApiToken], *args: Any, **kwargs: Any) -> ApiToken:
        owner = kwargs["owner"]
        token, raw = accounts_services.api_token_create(
            user=kwargs.get("user", owner),
            owner=owner,
            name=kwargs["name"],
            valid_days=kwargs["valid_days"],
        )
        token.raw = raw  # type: ignore[attr-defined]
        return token


def bearer(user: User) -> dict[str, str]:
    """The request headers of an API call made with a new token of ``user``."""
    token = ApiTokenFactory(owner=user)
    return {"Authorization": f"Bearer {token.raw}"}


# --- registry ------------------------------------------------------------------------------


class PersonFactory(factory.Factory):
    """A person of an organisation (the IDB unless told), added by the registry service."""

    class Meta:
        model = Person

    organisation = factory.LazyFunction(lambda: organisation("idb"))
    name = factory.Sequence(lambda n: f"Person {n}")
    title = ""
    email = ""
    is_published = False

    @classmethod
    def _create(cls, model_class: type[Person], *args: Any, **kwargs: Any) -> Person:
        user = kwargs.pop("user", SYSTEM)
        where = organisation(kwargs.pop("organisation"))
        return registry_services.person_create(user=user, organisation=where, data=kwargs)


# --- activities ----------------------------------------------------------------------------


class ActivityDataFactory(factory.DictFactory):
    """What a partner enters for a new activity: the body of ``POST /api/activities`` and of
    ``edits.ActivityNew`` (an IDB activity in the Dominican Republic and Jamaica)."""

    iati_identifier = "XM-DAC-909-CB-001"
    reporting_org = "idb"
    title = factory.LazyFunction(
        lambda: {"en": "Risk management support", "es": "Apoyo a la gestión de riesgos"}
    )
    description = factory.LazyFunction(lambda: {"en": "Training of risk analysts."})
    activity_status = "2"
    default_currency = "USD"
    planned_start = "2025-01-01"
    planned_end = "2026-06-30"
    recipient_countries = factory.LazyFunction(
        lambda: [{"code": "DO", "percentage": "60"}, {"code": "JM", "percentage": "40"}]
    )
    sectors = factory.LazyFunction(
        lambda: [{"code": "33120", "vocabulary": "1", "percentage": "100"}]
    )
    budgets = factory.LazyFunction(
        lambda: [{"period_start": "2025-01-01", "period_end": "2025-12-31", "value": "50000"}]
    )
    transactions = factory.LazyFunction(
        lambda: [{"type": "2", "date": "2025-01-10", "value": "50000", "currency": "USD"}]
    )


class ActivityNewFactory(factory.Factory):
    """The typed entry of a new activity (``edits.ActivityNew``), from ``ActivityDataFactory``."""

    class Meta:
        model = ActivityNew

    @classmethod
    def _build(cls, model_class: type[ActivityNew], *args: Any, **kwargs: Any) -> ActivityNew:
        return model_class.model_validate(ActivityDataFactory(**kwargs))

    _create = _build


class ActivityFactory(factory.Factory):
    """An activity entered by hand, through ``services.activity_create`` (as ``user``; the
    system unless told): origin manual, coordination group unless told."""

    class Meta:
        model = Activity

    @classmethod
    def _create(cls, model_class: type[Activity], *args: Any, **kwargs: Any) -> Activity:
        user = kwargs.pop("user", SYSTEM)
        return activity_services.activity_create(user=user, new=ActivityNewFactory(**kwargs))


class ActivityContentFactory(factory.DictFactory):
    """The IATI content of an activity as the reader stores it (``Activity.data``): an activity
    of ``organisation`` (the IDB unless told) in the Dominican Republic, 2024–2025."""

    class Params:
        organisation = factory.LazyFunction(lambda: organisation("idb"))
        start = "2024-01-15"
        end = "2025-12-31"

    iati_identifier = factory.Sequence(lambda n: f"XM-DAC-909-CONTENT-{n}")
    reporting_org = factory.LazyAttribute(
        lambda o: {
            "ref": o.organisation.iati_org_id or None,
            "type": o.organisation.iati_org_type or "40",
            "name": {"en": o.organisation.name},
            "secondary_reporter": None,
        }
    )
    default_currency = "USD"
    last_updated_datetime = "2024-06-01T10:00:00+00:00"
    title = factory.LazyAttribute(lambda o: {"en": f"Title of {o.iati_identifier}"})
    descriptions = factory.LazyFunction(
        lambda: [{"type": "1", "narratives": {"en": "A customs modernisation activity."}}]
    )
    participating_orgs = factory.LazyAttribute(
        lambda o: [
            {
                "ref": o.organisation.iati_org_id or None,
                "type": "40",
                "role": "1",
                "activity_id": None,
                "crs_channel_code": None,
                "name": {"en": o.organisation.name},
            }
        ]
    )
    activity_status = "2"
    activity_dates = factory.LazyAttribute(
        lambda o: [
            {"type": "1", "iso_date": o.start, "narrative": {}},
            {"type": "3", "iso_date": o.end, "narrative": {}},
        ]
    )
    recipient_countries = factory.LazyFunction(
        lambda: [{"code": "DO", "percentage": "100", "narrative": {}}]
    )
    sectors = factory.LazyFunction(
        lambda: [
            {
                "code": "33120",
                "vocabulary": "1",
                "vocabulary_uri": None,
                "percentage": "100",
                "narrative": {},
            }
        ]
    )
    budgets = factory.LazyFunction(
        lambda: [
            {
                "type": "1",
                "status": "1",
                "period_start": "2024-01-01",
                "period_end": "2024-12-31",
                "value": "100000",
                "currency": None,
                "value_date": "2024-01-01",
            }
        ]
    )


class ImportedActivityFactory(factory.django.DjangoModelFactory):
    """An activity as the importer stores it: public, its IATI content in ``data`` (from
    ``ActivityContentFactory``), its columns and index rows derived from that content.

    The content's parts a test may set: ``title``, ``countries`` (the recipient-country rows),
    ``status``, ``start``, ``end``. Also ``visible_to`` (organisations, for the named level),
    ``provisions`` (codes the activity supports) and ``dac_regions`` (DAC region codes).
    """

    class Meta:
        model = Activity

    class Params:
        title = None
        countries = None
        status = "2"
        start = "2024-01-15"
        end = "2025-12-31"

    iati_identifier = factory.Sequence(lambda n: f"XM-DAC-909-IMPORTED-{n}")
    reporting_org = factory.LazyFunction(lambda: organisation("idb"))
    visibility = Visibility.PUBLIC
    origin = Origin.IMPORT
    data = factory.LazyAttribute(
        lambda o: ActivityContentFactory(
            organisation=o.reporting_org,
            iati_identifier=o.iati_identifier,
            activity_status=o.status,
            start=o.start,
            end=o.end,
            **({"title": o.title} if o.title is not None else {}),
            **({"recipient_countries": o.countries} if o.countries is not None else {}),
        )
    )

    @classmethod
    def _create(cls, model_class: type[Activity], *args: Any, **kwargs: Any) -> Activity:
        visible_to = kwargs.pop("visible_to", None)
        codes = kwargs.pop("provisions", ())
        dac_regions = kwargs.pop("dac_regions", ())
        columns = derive.columns(kwargs["data"])
        columns["last_updated_datetime"] = None
        activity = model_class.objects.create(
            content_hash=content_hash(kwargs["data"]), **columns, **kwargs
        )
        if visible_to:
            activity.visible_to.set(visible_to)
        write_index_rows([activity])
        for code in dac_regions:
            ActivityRegion.objects.create(activity=activity, code=code, vocabulary="1")
        for provision in provisions(*codes):
            ActivityProvision.objects.create(activity=activity, provision=provision)
        return model_class.objects.get(pk=activity.pk)


VISIBILITY_LEVELS = [Visibility.PUBLIC, Visibility.COORDINATION, Visibility.NAMED, Visibility.WCO]

# Who sees an activity of ``one_activity_per_visibility(idb, named_for=imf)`` (IDB activities
# in the Dominican Republic, in the Americas) at each level, by persona (tests/conftest.py).
SEES = {
    "secretariat": set(VISIBILITY_LEVELS),
    "partner_editor": set(VISIBILITY_LEVELS),  # the reporting organisation
    "viewer": set(VISIBILITY_LEVELS),  # a viewer of the reporting organisation
    "other_partner_editor": {Visibility.PUBLIC, Visibility.NAMED},
    "member_editor": {Visibility.PUBLIC, Visibility.COORDINATION},  # member in the region
    "anonymous": {Visibility.PUBLIC},
}


def one_activity_per_visibility(
    reporting_org: Organisation, named_for: Organisation
) -> dict[str, Activity]:
    """One imported activity of ``reporting_org`` per visibility level, keyed by level; the
    named level names ``named_for``."""
    return {
        level: ImportedActivityFactory(
            iati_identifier=f"{reporting_org.iati_org_id}-VIS-{level}",
            reporting_org=reporting_org,
            visibility=level,
            visible_to=[named_for] if level == Visibility.NAMED else None,
            title={"en": f"Visible {level}"},
        )
        for level in VISIBILITY_LEVELS
    }


# --- needs ---------------------------------------------------------------------------------


class NeedFactory(factory.Factory):
    """A need recorded through ``services.need_create`` (as ``user``; the system unless told):
    the Dominican Republic's need of a single window (TFA-10.4), from a diagnostic mission.

    ``member`` is an ISO code (or a Member), ``provisions`` a tuple of provision codes; any
    other field of the need's form may be given.
    """

    class Meta:
        model = Need

    member = "DO"
    provisions = ("TFA-10.4",)
    description = "Connect the border agencies to the single window."
    source = "diagnostic_mission"
    identified_on = dt.date(2024, 3, 1)

    @classmethod
    def _create(cls, model_class: type[Need], *args: Any, **kwargs: Any) -> Need:
        user = kwargs.pop("user", SYSTEM)
        where = member(kwargs.pop("member"))
        data = dict(kwargs, provisions=provisions(*kwargs["provisions"]))
        return need_services.need_create(user=user, member=where, data=data)


# --- IATI files ----------------------------------------------------------------------------

# One activity of the IDB in the Dominican Republic, as a publisher's file.
IATI_FILE = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" generated-datetime="2025-01-01T00:00:00Z">
 <iati-activity last-updated-datetime="2025-01-01T00:00:00Z" xml:lang="en" default-currency="USD">
  <iati-identifier>XM-DAC-909-MATRIX-1</iati-identifier>
  <reporting-org ref="XM-DAC-909" type="40"><narrative>Inter-American Development Bank</narrative></reporting-org>
  <title><narrative>Matrix import</narrative></title>
  <description><narrative>Imported in the permission matrix.</narrative></description>
  <participating-org ref="XM-DAC-909" role="1" type="40"/>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2025-01-01"/>
  <recipient-country code="DO"/>
 </iati-activity>
</iati-activities>
"""

# An activity of a publisher's file, to fill in with ``str.format``: its ``identifier``, its
# reporting organisation's identifier ``org``, its ``title`` and its last-updated stamp
# ``updated``. It names an implementer the registry does not know.
IATI_ACTIVITY = """<iati-activity last-updated-datetime="{updated}" xml:lang="en" default-currency="USD">
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="{org}" type="40"><narrative>Reporter</narrative></reporting-org>
  <title><narrative>{title}</narrative><narrative xml:lang="es">Título {title}</narrative></title>
  <participating-org ref="{org}" role="1"/>
  <participating-org role="4"><narrative>Brand New Implementer</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date iso-date="2019-01-01" type="2"/>
  <recipient-country code="DO" percentage="100"/>
  <sector code="33120" vocabulary="1"/>
  <budget type="1" status="1"><period-start iso-date="2019-01-01"/><period-end iso-date="2019-12-31"/>
    <value currency="USD" value-date="2019-01-01">1000</value></budget>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2019-06-01"/>
    <value currency="USD" value-date="2019-06-01">250</value></transaction>
</iati-activity>"""


def iati_file_text(*activities: dict[str, str]) -> str:
    """A publisher's file of ``IATI_ACTIVITY`` filled in with each of ``activities`` (an IDB
    activity titled "Customs", last updated on 1 March 2019, unless they say otherwise)."""
    body = "\n".join(
        IATI_ACTIVITY.format(
            **{"updated": "2019-03-01T00:00:00Z", "org": "XM-DAC-909", "title": "Customs", **a}
        )
        for a in activities
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03" '
        f'generated-datetime="2019-03-01T00:00:00Z">\n{body}\n</iati-activities>\n'
    )


def iati_file(path: Path, *activities: dict[str, str]) -> Path:
    """``iati_file_text(*activities)`` written at ``path``."""
    path.write_text(iati_file_text(*activities), encoding="utf-8")
    return path
