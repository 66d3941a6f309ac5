"""Match organisations met in IATI files to the registry; hold the unknown ones for review.

An organisation in a file is matched, in this order, by its IATI identifier (or one of the
registry's recorded aliases), then by its normalised name (accents, case and punctuation
ignored; the registry's names, acronyms and recorded name aliases), then, for a name that says
"customs" in any of the four languages, to the member customs administration of the activity's
recipient country. What matches nothing becomes an organisation that is neither verified nor
published: it is listed nowhere public and waits in the secretariat's review queue, where it is
matched to an existing organisation (a merge), or accepted with a kind.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.utils.text import slugify

from cbcoord.registry.models import Member, Organisation, OrganisationKind

# Words that make a participating organisation's name a customs administration's.
CUSTOMS_WORDS = frozenset(
    {
        "customs",
        "aduana",
        "aduanas",
        "aduaneira",
        "aduaneiro",
        "douane",
        "douanes",
        "alfandega",
        "alfandegas",
        "receita federal",
        "revenue authority",
        "revenue administration",
    }
)

# IATI OrganisationRole: 4 is the implementing organisation.
IMPLEMENTING_ROLE = "4"

_RE_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalise_name(text: str) -> str:
    """A name as compared: no accents, lower case, punctuation as spaces, no leading "the"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(character for character in decomposed if not unicodedata.combining(character))
    words = _RE_NOT_WORD.sub(" ", plain.lower()).split()
    if words and words[0] in {"the", "la", "le", "el", "a", "o", "les", "los", "las", "l"}:
        words = words[1:]
    return " ".join(words)


def is_customs_name(normalised: str) -> bool:
    padded = f" {normalised} "
    return any(f" {word} " in padded for word in CUSTOMS_WORDS)


def guessed_kind(role: str | None) -> OrganisationKind:
    """The kind an unknown organisation is given until the secretariat reviews it."""
    if role == IMPLEMENTING_ROLE:
        return OrganisationKind.IMPLEMENTER
    return OrganisationKind.DEVELOPMENT_PARTNER


class OrganisationMatcher:
    """Per-run cache of the registry for matching (see the module docstring). Never merges."""

    def __init__(self) -> None:
        self.by_ref: dict[str, Organisation] = {}
        self.by_name: dict[str, Organisation] = {}
        self.administration_of: dict[str, Organisation] = {}
        self.keys: set[str] = set()
        self.created: list[Organisation] = []
        self._found: dict[tuple[str, str, tuple[str, ...]], Organisation | None] = {}
        for organisation in Organisation.objects.all():
            self._remember(organisation)
        for member in Member.objects.exclude(iso_code="").select_related("organisation"):
            self.administration_of[member.iso_code.upper()] = member.organisation

    def _remember(self, organisation: Organisation) -> None:
        self.keys.add(organisation.key)
        if organisation.iati_org_id:
            self.by_ref[organisation.iati_org_id] = organisation
        for alias in organisation.iati_org_aliases or []:
            self.by_ref.setdefault(alias, organisation)
        for name in (organisation.name, *(organisation.name_aliases or [])):
            normalised = normalise_name(name)
            if normalised:
                self.by_name.setdefault(normalised, organisation)

    def find(
        self, *, ref: str | None, name: str, countries: Iterable[str] = ()
    ) -> Organisation | None:
        """The registry's organisation for this reference, or None (nothing is created)."""
        ref = (ref or "").strip()[:150]  # as stored (Organisation.iati_org_id)
        if ref and ref in self.by_ref:
            return self.by_ref[ref]
        # Files name the same organisations over and over: each (ref, name, countries) is
        # worked out once per run.
        key = (ref, name, tuple(countries))
        if key in self._found:
            return self._found[key]
        found = self._find_by_name(ref, name, key[2])
        if len(self._found) < 50_000:
            self._found[key] = found
        return found

    def _find_by_name(self, ref: str, name: str, countries: tuple[str, ...]) -> Organisation | None:
        normalised = normalise_name(name)
        if normalised and normalised in self.by_name:
            found = self.by_name[normalised]
            # A name match must not hide a different identifier: two organisations, not one.
            if not ref or not found.iati_org_id or found.iati_org_id == ref:
                return found
        if normalised and is_customs_name(normalised):
            administrations = {
                self.administration_of[code.upper()]
                for code in countries
                if code.upper() in self.administration_of
            }
            if len(administrations) == 1:
                return administrations.pop()
        return None

    def match(
        self,
        *,
        ref: str | None,
        name: str,
        org_type: str | None,
        role: str | None = None,
        countries: Iterable[str] = (),
    ) -> Organisation | None:
        """``find``, else a new organisation held for review (unverified, unpublished); None
        when there is neither an identifier nor a name."""
        found = self.find(ref=ref, name=name, countries=countries)
        if found is not None:
            return found
        ref = (ref or "").strip()[:150]
        name = name.strip()[:300]
        if not ref and not name:
            return None
        return self._create(ref=ref, name=name or ref, org_type=org_type, role=role)

    def _create(
        self, *, ref: str, name: str, org_type: str | None, role: str | None
    ) -> Organisation:
        # Something else may have created it since this cache was filled (an edit in the back
        # office; imports themselves take turns).
        since = (
            Organisation.objects.filter(iati_org_id=ref).first()
            if ref
            else Organisation.objects.filter(name=name[:300]).first()
        )
        if since is not None:
            self._remember(since)
            return since
        base = slugify(ref or name)[:70] or "organisation"
        key, counter = base, 1
        while key in self.keys or Organisation.objects.filter(key=key).exists():
            counter += 1
            key = f"{base}-{counter}"
        organisation = Organisation.objects.create(
            key=key,
            name=name[:300],
            kind=guessed_kind(role),
            iati_org_id=ref[:150],
            iati_org_type=(org_type or "")[:10],
            is_verified=False,
            is_published=False,
            source="Named in an IATI file; waiting for the secretariat's review.",
        )
        self.created.append(organisation)
        self._remember(organisation)
        self._found.clear()  # a name that matched nothing may match it now
        return organisation
