"""Regions, organisations, member administrations, people and regional roles."""

from __future__ import annotations

import datetime
import functools

import pycountry
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cbcoord.core.i18n import current_language, localized
from cbcoord.core.models import DemoFlagged, TimeStampedModel
from cbcoord.core.validators import validate_xml_text


class Region(TimeStampedModel):
    """One of the six WCO regions."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_es = models.CharField(_("name (Spanish)"), max_length=200, blank=True)
    name_fr = models.CharField(_("name (French)"), max_length=200, blank=True)
    name_pt = models.CharField(_("name (Portuguese)"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    source = models.TextField(_("source"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class OrganisationKind(models.TextChoices):
    WCO_SECRETARIAT = "wco_secretariat", _("WCO Secretariat")
    WCO_REGIONAL_OFFICE = "wco_regional_office", _("WCO regional office")
    DEVELOPMENT_PARTNER = "development_partner", _("Development partner")
    IMPLEMENTER = "implementer", _("Implementer")
    MEMBER_ADMINISTRATION = "member_administration", _("Member customs administration")
    OTHER = "other", _("Other organisation")

    @property
    def is_wco(self) -> bool:
        """The WCO secretariat or one of its regional offices."""
        return self in (OrganisationKind.WCO_SECRETARIAT, OrganisationKind.WCO_REGIONAL_OFFICE)

    @property
    def is_partner(self) -> bool:
        """A development partner or implementer: organisations that report activities."""
        return self in (OrganisationKind.DEVELOPMENT_PARTNER, OrganisationKind.IMPLEMENTER)

    @property
    def is_member(self) -> bool:
        """A member's customs administration."""
        return self == OrganisationKind.MEMBER_ADMINISTRATION

    @classmethod
    def partner_kinds(cls) -> list[OrganisationKind]:
        return [kind for kind in cls if kind.is_partner]

    @classmethod
    def wco_kinds(cls) -> list[OrganisationKind]:
        return [kind for kind in cls if kind.is_wco]


class Organisation(TimeStampedModel, DemoFlagged):
    """Any organisation cbcoord knows: partners, the WCO, member administrations."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=300, validators=[validate_xml_text])
    acronym = models.CharField(
        _("acronym"), max_length=40, blank=True, validators=[validate_xml_text]
    )
    kind = models.CharField(_("kind"), max_length=40, choices=OrganisationKind.choices)
    iati_org_id = models.CharField(
        _("IATI organisation identifier"),
        max_length=150,
        blank=True,
        db_index=True,
        validators=[validate_xml_text],
    )
    iati_org_aliases = models.JSONField(
        _("other IATI identifiers"),
        default=list,
        blank=True,
        help_text=_("Identifiers the organisation also publishes under; imports match them too."),
    )
    name_aliases = models.JSONField(
        _("other names"),
        default=list,
        blank=True,
        help_text=_("Names the organisation is also given in IATI files; imports match them too."),
    )
    iati_org_type = models.CharField(
        _("IATI organisation type"),
        max_length=10,
        blank=True,
        help_text=_("Code from the IATI OrganisationType codelist."),
        validators=[validate_xml_text],
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True, validators=[validate_xml_text])
    active_regions = models.ManyToManyField(
        Region, blank=True, related_name="active_organisations", verbose_name=_("active in regions")
    )
    is_verified = models.BooleanField(
        _("verified"),
        default=True,
        help_text=_(
            "Organisations named in an imported file stay unverified (and unpublished) until "
            "the secretariat reviews them; only verified organisations are listed as partners."
        ),
    )
    is_published = models.BooleanField(_("published"), default=True)
    source = models.TextField(_("source"), blank=True)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["iati_org_id"], condition=~Q(iati_org_id=""), name="unique_iati_org_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    @property
    def display_name(self) -> str:
        return self.acronym or self.name

    @property
    def is_member_administration(self) -> bool:
        return self.kind == OrganisationKind.MEMBER_ADMINISTRATION


class Member(TimeStampedModel):
    """A WCO member: a country or customs territory, represented by its customs administration."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.PROTECT,
        related_name="member",
        verbose_name=_("administration"),
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="members", verbose_name=_("region")
    )
    name = models.CharField(
        _("member name"),
        max_length=200,
        help_text=_("As the WCO lists it."),
        validators=[validate_xml_text],
    )
    iso_code = models.CharField(
        _("ISO 3166 code"),
        max_length=2,
        blank=True,
        help_text=_("ISO 3166-1 alpha-2 code of the country or territory; blank for the EU."),
    )
    member_type = models.CharField(_("member type"), max_length=80, blank=True)
    membership_date = models.CharField(
        _("membership date"), max_length=10, blank=True, help_text=_("YYYY-MM-DD, or a year alone.")
    )
    verification = models.TextField(_("verification"), blank=True)
    source = models.TextField(_("source"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unique_member_name_in_region")
        ]

    def __str__(self) -> str:
        return self.country_name

    @property
    def is_verified(self) -> bool:
        return not self.verification.upper().startswith("UNVERIFIED")

    @property
    def country_name(self) -> str:
        """The country or territory name in the active language (pycountry's translations;
        ISO 3166-3 for a code since withdrawn, such as the Netherlands Antilles')."""
        if not self.iso_code:
            return self.name
        return _country_name(self.iso_code, current_language()) or self.name

    @property
    def member_type_display(self) -> str:
        """The kind of member in the active language, for the kinds the WCO's list uses."""
        kind = MEMBER_TYPES.get(self.member_type)
        return str(kind) if kind is not None else self.member_type


@functools.lru_cache(maxsize=4096)
def _country_name(iso_code: str, language: str) -> str:
    """pycountry's name of ``iso_code`` in ``language`` ("" if pycountry knows no such code),
    remembered: an analysis names a region's members thousands of times."""
    country = pycountry.countries.get(alpha_2=iso_code)
    domain = "iso3166-1"
    if country is None:
        country, domain = pycountry.historic_countries.get(alpha_2=iso_code), "iso3166-3"
    return "" if country is None else _translate_country(country.name, language, domain)


#: The kinds of member the reference data name (``data/members.csv``), to translate.
MEMBER_TYPES = {
    "sovereign state": _("sovereign state"),
    "customs territory": _("customs territory"),
    "customs union": _("customs union"),
    "partially recognised state": _("partially recognised state"),
}


@functools.lru_cache(maxsize=4096)
def _translate_country(english_name: str, language: str, domain: str = "iso3166-1") -> str:
    if language == "en":
        return english_name
    import gettext

    translation = gettext.translation(
        domain, pycountry.LOCALES_DIR, languages=[language], fallback=True
    )
    return translation.gettext(english_name)


class Person(TimeStampedModel, DemoFlagged):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="people",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("job title"), max_length=300, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_published = models.BooleanField(
        _("published"), default=False, help_text=_("Show this person to the public.")
    )
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name


class RegionalRoleKind(models.TextChoices):
    VICE_CHAIR = "vice_chair", _("Regional Vice-Chair")
    REGIONAL_OFFICE = "regional_office", _("Regional Office for Capacity Building")
    REGIONAL_TRAINING_CENTRE = "regional_training_centre", _("Regional Training Centre")
    REGIONAL_INTELLIGENCE_LIAISON = "rilo", _("Regional Intelligence Liaison Office")
    COORDINATOR = "coordinator", _("Regional coordinator")


class RegionalRole(TimeStampedModel, DemoFlagged):
    """An organisation's role in a region for a term (e.g. Vice-Chair for 2018-2019)."""

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="roles", verbose_name=_("region")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="regional_roles",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=40, choices=RegionalRoleKind.choices)
    start_date = models.DateField(_("term start"))
    end_date = models.DateField(_("term end"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["region", "-start_date"]
        verbose_name = _("regional role")
        verbose_name_plural = _("regional roles")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "organisation", "role", "start_date"], name="unique_regional_role"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="regional_role_term_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.organisation} ({self.term})"

    @property
    def term(self) -> str:
        end = self.end_date.isoformat() if self.end_date else "…"
        return f"{self.start_date.isoformat()} – {end}"

    def is_current_on(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class RecipientRegionCover(models.Model):
    """Which WCO region and member an OECD DAC recipient region (IATI Region codelist,
    vocabulary 1: 489 "South America, regional", …) covers: a regional activity counts for
    every member its recipient region covers. Shipped in ``data/dac_regions.csv``."""

    dac_code = models.CharField(_("DAC region code"), max_length=10, db_index=True)
    dac_name = models.CharField(_("DAC region"), max_length=200)
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="dac_covers", verbose_name=_("WCO region")
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="dac_covers", verbose_name=_("member")
    )
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["dac_code", "region", "member"]
        verbose_name = _("DAC region cover")
        verbose_name_plural = _("DAC region covers")
        constraints = [
            models.UniqueConstraint(fields=["dac_code", "member"], name="unique_dac_region_member")
        ]

    def __str__(self) -> str:
        return f"{self.dac_code} → {self.member}"
