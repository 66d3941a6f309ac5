"""Writing what the tagger made of activities: their relevance columns and their suggested
provision tags (``ActivityProvision``), in bulk, for the importer and ``cbcoord tag_activities``
alike. Call inside the transaction that writes the activities.

What a person decided stays: a relevance decided by a person is not replaced, and of an
activity's tags only those the rules suggested and nobody has reviewed are replaced. A tag
confirmed, rejected or added by hand, or read from an IATI file, stays as it is; so a code
once rejected is never suggested again for that activity. Tags read back from an IATI file
(``catalogue_tags``) are added where the activity has no tag of that code yet, or replace a
suggestion of the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
from django.db import connection

from cbcoord.activities import derive
from cbcoord.activities.derive import EvidenceJson, Tagged
from cbcoord.activities.models import Activity, ActivityProvision, DecidedBy, TagSource, TagStatus
from cbcoord.core.bulk import bulk_insert, bulk_update
from cbcoord.frameworks.models import Provision

#: The evidence of a tag read from an IATI file (pages say it in the reader's language:
#: ``cbcoord.activities.evidence``).
READ_FROM_FILE = [derive.READ_FROM_FILE]

#: The relevance columns the rules write, in ``relevance_values`` order.
RELEVANCE_FIELDS = ("is_relevant", "relevance_score", "relevance_evidence", "relevance_decided_by")
TAG_FIELDS = ("activity_id", "provision_id", "status", "source", "confidence", "evidence")
CHUNK = 500


def provision_ids() -> dict[str, int]:
    """Provision code -> primary key, for ``write_tags`` (one query; per run or per batch)."""
    return dict(Provision.objects.values_list("code", "pk"))


def _json(value: Any) -> str:
    if isinstance(value, EvidenceJson):  # encoded in the importer's reader processes
        return str(value)  # a plain str, as the database drivers and orjson expect
    return orjson.dumps(value).decode()


#: The relevance columns of an activity not assessed (imported without tagging).
UNASSESSED: tuple[None, None, str, str] = (None, None, "[]", "")


def relevance_values(tagged: Tagged) -> tuple[bool, float, str, str]:
    """The relevance columns (``RELEVANCE_FIELDS``) as the rules decide them, in database form
    (the evidence, compact items, as JSON text)."""
    return (tagged.relevant, tagged.score, _json(tagged.evidence), DecidedBy.RULES)


def write_relevance(rows: Iterable[tuple[int, Tagged]]) -> None:
    """Set the rules' relevance of activities (by primary key) whose relevance no person has
    decided."""
    pending = [(pk, tagged) for pk, tagged in rows]
    for start in range(0, len(pending), CHUNK):
        chunk = pending[start : start + CHUNK]
        decided = set(
            Activity.objects.filter(
                pk__in=[pk for pk, _ in chunk], relevance_decided_by=DecidedBy.PERSON
            ).values_list("pk", flat=True)
        )
        bulk_update(
            Activity,
            RELEVANCE_FIELDS,
            [(*relevance_values(tagged), pk) for pk, tagged in chunk if pk not in decided],
        )


def write_tags(
    rows: Sequence[tuple[int, Tagged | None]],
    *,
    replace: Iterable[int] = (),
    provisions: Mapping[str, int] | None = None,
) -> int:
    """Write the suggested tags of ``rows`` (activity primary key, what the tagger made of
    it) and the catalogue tags their content carries. ``replace``: activities that may have
    tags already (their unreviewed suggestions of the rules are deleted first, the others
    kept). ``provisions``: ``provision_ids()``, when the caller has it. Codes the catalogue
    does not know are left out. Activities without a ``Tagged`` (imported without tagging)
    keep their tags. Returns the number of tags written."""
    if provisions is None:
        provisions = provision_ids()
    untagged = {pk for pk, tagged in rows if tagged is None}
    replace = [pk for pk in replace if pk not in untagged]
    taken: set[tuple[int, int]] = set()
    if replace:
        table = connection.ops.quote_name(ActivityProvision._meta.db_table)
        with connection.cursor() as cursor:
            for start in range(0, len(replace), CHUNK):
                chunk = replace[start : start + CHUNK]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"DELETE FROM {table} WHERE status = %s AND source = %s "  # noqa: S608
                    f"AND reviewed_at IS NULL AND activity_id IN ({marks})",
                    [TagStatus.SUGGESTED, TagSource.RULES, *chunk],
                )
                taken.update(
                    ActivityProvision.objects.filter(activity_id__in=chunk).values_list(
                        "activity_id", "provision_id"
                    )
                )
    new: list[tuple[Any, ...]] = []
    read_evidence = _json([READ_FROM_FILE])
    for pk, tagged in rows:
        if tagged is None:
            continue
        for read in tagged.read:
            provision = provisions.get(read.code)
            if provision is None or (pk, provision) in taken:
                continue
            taken.add((pk, provision))
            status = (
                TagStatus.SUGGESTED if read.status == TagStatus.SUGGESTED else TagStatus.CONFIRMED
            )
            new.append((pk, provision, status, TagSource.IMPORT, read.confidence, read_evidence))
        for code, confidence, evidence in tagged.suggested:  # none unless relevant
            provision = provisions.get(code)
            if provision is None or (pk, provision) in taken:
                continue
            taken.add((pk, provision))
            new.append(
                (pk, provision, TagStatus.SUGGESTED, TagSource.RULES, confidence, _json(evidence))
            )
    bulk_insert(ActivityProvision, TAG_FIELDS, new)
    return len(new)
