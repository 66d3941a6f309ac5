"""Whose namespace an IATI activity identifier lies in.

The IATI rule: an activity's identifier begins with its reporting organisation's identifier
(``XM-DAC-909-…`` for the IDB). An organisation also owns the identifiers it is recorded to
publish under (``Organisation.iati_org_aliases``). An organisation with no IATI organisation
identifier (a customs agency that does not publish to IATI) gets a prefix assigned by cbcoord,
``XC-CBCOORD-<key>`` (its registry key, as it is: keys are unique). ``XC`` is no country and no
list of org-id.guide (whose own lists use XE, XI, XK, XM, XR), so no real publisher's identifier
can begin with it.

Where prefixes nest (``XM-DAC-909`` is the IDB, ``XM-DAC-909-5`` the MIF) an identifier belongs
to the organisation with the longest prefix that begins it: the IDB may not take
``XM-DAC-909-5-1``. Hand entry checks this (``cbcoord.activities.services``); the importer is to
use the same functions for what publishers send (``identifier_prefixes`` for the reporting
organisation, ``prefix_owners`` for the identifier).
"""

from __future__ import annotations

from django.db.models import Q

from cbcoord.registry.models import Organisation

#: The start of the prefixes cbcoord assigns to organisations without an IATI identifier.
ASSIGNED_PREFIX = "XC-CBCOORD-"


def assigned_prefix(organisation: Organisation) -> str:
    """The prefix cbcoord assigns ``organisation`` (used only when it has no IATI identifier)."""
    return f"{ASSIGNED_PREFIX}{organisation.key}"


def identifier_prefixes(organisation: Organisation) -> tuple[str, ...]:
    """What the identifiers of ``organisation``'s activities may begin with: its IATI
    organisation identifier and recorded aliases, or, without an identifier, the prefix cbcoord
    assigns it. The first is the one to propose."""
    if not organisation.iati_org_id:
        return (assigned_prefix(organisation),)
    aliases = [
        alias
        for alias in organisation.iati_org_aliases or []
        if isinstance(alias, str) and alias and alias != organisation.iati_org_id
    ]
    return (organisation.iati_org_id, *aliases)


def prefix_owners(identifier: str) -> tuple[str, list[Organisation]]:
    """The longest registered prefix that begins ``identifier`` and the organisations it belongs
    to (usually one), or ``("", [])`` when it begins with no organisation's prefix."""
    starts = {identifier[:end] for end in range(1, len(identifier) + 1)}
    found: dict[str, list[Organisation]] = {}

    def add(prefix: str, organisation: Organisation) -> None:
        owners = found.setdefault(prefix, [])
        if organisation not in owners:
            owners.append(organisation)

    for organisation in Organisation.objects.filter(iati_org_id__in=starts):
        add(organisation.iati_org_id, organisation)
    with_aliases = Organisation.objects.exclude(iati_org_id="").exclude(
        Q(iati_org_aliases=[]) | Q(iati_org_aliases__isnull=True)
    )
    for organisation in with_aliases:
        for prefix in identifier_prefixes(organisation)[1:]:
            if prefix in starts:
                add(prefix, organisation)
    if identifier.startswith(ASSIGNED_PREFIX):
        keys = {
            start[len(ASSIGNED_PREFIX) :] for start in starts if len(start) > len(ASSIGNED_PREFIX)
        }
        for organisation in Organisation.objects.filter(iati_org_id="", key__in=keys):
            add(assigned_prefix(organisation), organisation)
    if not found:
        return "", []
    longest = max(found, key=len)
    return longest, found[longest]


class PrefixIndex:
    """``prefix_owners`` for many identifiers (an import): the prefixes of every verified
    organisation read once, each identifier then looked up without a query. Organisations
    held for review (named in some file, not yet verified) own no namespace: any file could
    otherwise name one with another publisher's identifier and claim its activities."""

    def __init__(self) -> None:
        self.owners: dict[str, set[int]] = {}
        verified = Organisation.objects.filter(is_verified=True)
        for organisation in verified.only("pk", "key", "iati_org_id", "iati_org_aliases"):
            for prefix in identifier_prefixes(organisation):
                self.owners.setdefault(prefix, set()).add(organisation.pk)
        self.lengths = sorted({len(prefix) for prefix in self.owners}, reverse=True)

    def owners_of(self, identifier: str) -> tuple[str, set[int]]:
        """The longest registered prefix that begins ``identifier`` and its organisations' keys,
        or ``("", set())``."""
        for length in self.lengths:
            if length <= len(identifier):
                owners = self.owners.get(identifier[:length])
                if owners:
                    return identifier[:length], owners
        return "", set()

    def own_prefixes(self, organisation: Organisation) -> tuple[str, ...]:
        return identifier_prefixes(organisation)
