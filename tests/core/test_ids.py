"""``many_ids``: an ``__in`` over thousands of ids, sent as one parameter."""

from __future__ import annotations

import pytest

from cbcoord.core.ids import many_ids
from cbcoord.registry.models import Region

pytestmark = pytest.mark.django_db


def test_it_selects_what_a_list_would(reference: None) -> None:
    ids = list(Region.objects.order_by("pk").values_list("pk", flat=True))
    wanted = ids[::2]
    found = set(Region.objects.filter(pk__in=many_ids(wanted)).values_list("pk", flat=True))
    assert found == set(Region.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    assert found == set(wanted)
    assert not Region.objects.filter(pk__in=many_ids([])).exists()


def test_more_ids_than_a_query_may_have_parameters(reference: None) -> None:
    """SQLite refuses more than 32,766 parameters: 40,000 ids go as one."""
    some = Region.objects.order_by("pk").first()
    assert some is not None
    ids = [some.pk, *range(10**9, 10**9 + 40_000)]
    assert list(Region.objects.filter(pk__in=many_ids(ids))) == [some]
