"""Stored content in the order the reader now gives it, and its hash recomputed.

The reader keeps an activity's unmodelled children (``other_elements``) in schema order and its
extension content (``extra_content``) by path, which is where the writer puts them back: before,
they were kept in the order met, and an activity whose export put them elsewhere read back as
different content. Without this migration every such activity would count as updated at its
next import (and a hand-edited one would show a publisher's version that is not new).

Only what can be redone from the stored content is: a hand-edited activity whose publisher's
version was not kept keeps its publisher hash (its next import may hold a version back once).
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from django.db import migrations
from django.db.models import Q

# The children of iati-activity in the 2.03 schema's order, as the reader sorted them when this
# migration was written (a copy: a later change to the reader must not change what it does).
_ORDER = (
    "iati-identifier", "reporting-org", "title", "description", "participating-org",
    "other-identifier", "activity-status", "activity-date", "contact-info", "activity-scope",
    "recipient-country", "recipient-region", "location", "sector", "tag",
    "country-budget-items", "humanitarian-scope", "policy-marker", "collaboration-type",
    "default-flow-type", "default-finance-type", "default-aid-type", "default-tied-status",
    "budget", "planned-disbursement", "capital-spend", "transaction", "document-link",
    "related-activity", "legacy-data", "conditions", "result", "crs-add", "fss",
)  # fmt: skip
ACTIVITY_CHILD_POSITION = {tag: i for i, tag in enumerate(_ORDER)}
_LAST = len(ACTIVITY_CHILD_POSITION)


def _sorted(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    content = dict(data)
    if content.get("other_elements"):
        content["other_elements"] = sorted(
            content["other_elements"], key=lambda o: ACTIVITY_CHILD_POSITION.get(o["tag"], _LAST)
        )
    if content.get("extra_content"):
        content["extra_content"] = sorted(content["extra_content"], key=lambda e: e["path"])
    return content


def _hash(data: Any) -> str:
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


def sort_kept_content(apps: Any, schema_editor: Any) -> None:
    Activity = apps.get_model("activities", "Activity")
    kept = (
        Q(data__other_elements__1__isnull=False)
        | Q(data__extra_content__1__isnull=False)
        | Q(publisher_data__other_elements__1__isnull=False)
        | Q(publisher_data__extra_content__1__isnull=False)
    )
    rows = Activity.objects.filter(kept).only(
        "pk", "data", "content_hash", "publisher_data", "publisher_hash"
    )
    for activity in rows.iterator(chunk_size=500):
        changes: dict[str, Any] = {}
        data = _sorted(activity.data)
        if data != activity.data:
            changes["data"] = data
            old_hash, new_hash = activity.content_hash, _hash(data)
            changes["content_hash"] = new_hash
            if activity.publisher_hash == old_hash:
                changes["publisher_hash"] = new_hash
        if activity.publisher_data:
            publisher = _sorted(activity.publisher_data)
            if publisher != activity.publisher_data:
                changes["publisher_data"] = publisher
                changes["publisher_hash"] = _hash(publisher)
        if changes:
            Activity.objects.filter(pk=activity.pk).update(**changes)


class Migration(migrations.Migration):
    dependencies = [("activities", "0004_list_order_indexes")]

    operations = [migrations.RunPython(sort_kept_content, migrations.RunPython.noop)]
