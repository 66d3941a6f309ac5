"""Reads on the instrument catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from cbcoord.frameworks.filters import ProvisionFilters
from cbcoord.frameworks.models import Instrument, Provision, ProvisionLink


def instrument_list() -> QuerySet[Instrument]:
    return Instrument.objects.annotate(provision_count=Count("provisions")).order_by("sort_order")


def instrument_get(*, code: str) -> Instrument:
    try:
        return Instrument.objects.get(code__iexact=code)
    except Instrument.DoesNotExist as error:
        raise Http404(f"No instrument {code!r}.") from error


def provision_list(*, filters: ProvisionFilters | None = None) -> QuerySet[Provision]:
    """The catalogue's provisions that pass ``filters``, in the catalogue's order: the one
    place their meaning is written."""
    filters = filters or ProvisionFilters()
    queryset = Provision.objects.select_related("instrument", "parent")
    if filters.instrument:
        queryset = queryset.filter(instrument__code=filters.instrument)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.parent:
        queryset = queryset.filter(parent__code=filters.parent)
    if filters.verified is True:
        queryset = queryset.exclude(verification__icontains="UNVERIFIED")
    elif filters.verified is False:
        queryset = queryset.filter(verification__icontains="UNVERIFIED")
    for term in (filters.q or "").split():
        queryset = queryset.filter(
            Q(code__icontains=term)
            | Q(number__iexact=term)
            | Q(title_en__icontains=term)
            | Q(title_es__icontains=term)
            | Q(title_fr__icontains=term)
            | Q(title_pt__icontains=term)
        )
    return queryset.order_by("instrument__sort_order", "sort_order", "code")


def provision_get(*, code: str) -> Provision:
    try:
        return Provision.objects.select_related("instrument", "parent").get(code__iexact=code)
    except Provision.DoesNotExist as error:
        raise Http404(f"No provision {code!r}.") from error


@dataclass(frozen=True)
class RelatedProvision:
    provision: Provision
    note: str


def provision_related(*, provision: Provision) -> list[RelatedProvision]:
    """Provisions of other instruments linked by the cross-walk, in either direction."""
    links = ProvisionLink.objects.filter(
        Q(from_provision=provision) | Q(to_provision=provision)
    ).select_related("from_provision__instrument", "to_provision__instrument")
    related = [
        RelatedProvision(
            provision=link.to_provision
            if link.from_provision_id == provision.pk
            else link.from_provision,
            note=link.note,
        )
        for link in links
    ]
    return sorted(related, key=lambda item: item.provision.code)


def crosswalk_pairs() -> list[tuple[int, int]]:
    """Every cross-walk link as (provision id, provision id), in the direction it was
    recorded (coverage matching reads it both ways): one query, for the whole catalogue."""
    return list(ProvisionLink.objects.values_list("from_provision_id", "to_provision_id"))


def provision_tree(*, instrument: Instrument) -> list[Provision]:
    """All provisions of an instrument in display order; ``depth`` gives the indentation."""
    return list(instrument.provisions.select_related("parent").order_by("sort_order", "code"))
