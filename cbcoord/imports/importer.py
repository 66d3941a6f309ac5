"""The IATI importer: stream a file, validate each activity, upsert in batches.

Stages (style guide, practice 5): ``check_file`` proves the whole file is well-formed before
anything is written; ``iter_activity_content`` (through ``pipeline``, in reader processes for
large files) reads, validates and derives one activity at a time in flat memory; each batch is
written in one short transaction, so no activity is ever half-written and re-running a file that
was interrupted completes it (unchanged activities are skipped by hash).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cbcoord.accounts.actors import SYSTEM, Actor, user_record
from cbcoord.activities import derive, indexing, tags
from cbcoord.activities.models import (
    Activity,
    DecidedBy,
    Origin,
    Visibility,
)
from cbcoord.core.bulk import bulk_insert, bulk_update, bulk_writing, db_datetime
from cbcoord.iati import diagnostics
from cbcoord.iati.pipeline import Prepared, PreparedReader, few_collections
from cbcoord.iati.reading import check_file
from cbcoord.iati.records import IatiFileError, RefusedActivity
from cbcoord.imports import history as imports_history
from cbcoord.imports import signals
from cbcoord.imports.models import ImportRefusal, ImportRun, ImportStage, ImportStatus
from cbcoord.imports.permissions import importing_for
from cbcoord.registry.identifiers import PrefixIndex
from cbcoord.registry.matching import OrganisationMatcher
from cbcoord.registry.models import Organisation

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
_COUNTERS = (
    "added",
    "updated",
    "unchanged",
    "held_back",
    "refused",
    "with_warnings",
    "not_relevant",
)
# Columns written by imports, as attnames; UPDATE_FIELDS leaves what users own (visibility,
# origin, hand edits) and the creation stamp alone.
UPDATE_FIELDS = (
    "reporting_org_id",
    *derive.COLUMN_NAMES,
    "data",
    "warnings",
    "content_hash",
    "import_run_id",
    "source_key",
    "withdrawn_at",
    "publisher_updated_at",
    "publisher_hash",
    "updated_at",
)
_STAMP_COLUMN = derive.COLUMN_NAMES.index("last_updated_datetime")
# The rules' relevance is written with the content, unless a person decided it.
UPDATE_WITH_RELEVANCE = (*UPDATE_FIELDS, *tags.RELEVANCE_FIELDS)
INSERT_FIELDS = (
    "iati_identifier",
    *UPDATE_WITH_RELEVANCE,
    "visibility",
    "origin",
    "hand_edited",
    "created_at",
    "is_demo",
)


@dataclass
class _Existing:
    pk: int
    last_updated: Any
    content_hash: str
    hand_edited: bool
    withdrawn_at: Any
    reporting_org_id: int
    is_relevant: bool | None
    relevance_decided_by: str


@dataclass
class _Written:
    """An activity written in this batch, for its index rows and tags (pk known after the
    insert)."""

    iati_identifier: str
    pk: int | None
    index_rows: derive.IndexRows
    tagging: derive.Tagged | None  # None: imported without tagging


@dataclass
class _Batch:
    parsed: list[Prepared] = field(default_factory=list)
    refused: list[RefusedActivity] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.parsed) + len(self.refused)


def source_key_for(*, source_kind: str, source: str, file_name: str, reporting_ref: str) -> str:
    """What "the same source" means: the same URL, or the same file name from the same publisher."""
    if source_kind == "url":
        return f"url:{source}"[:600]
    return f"file:{reporting_ref}/{file_name}"[:600]


def iati_import(
    *,
    user: Actor | None,
    path: Path,
    source: str,
    source_kind: str,
    file_name: str | None = None,
    strict: bool = False,
    relevant_only: bool = False,
    batch_size: int = BATCH_SIZE,
    use_worker: bool | None = None,
    tagging: bool = True,
) -> ImportRun:
    """Import one IATI activity file and return its run record (never raises for bad data).

    Callers have passed the door (``selectors.import_allowed``); ``user`` None is the system
    (the command line). Partner editors may import only activities their organisation
    reports; the others are refused with the reason (``permissions.importing_for``). Each
    activity written is tagged (``cbcoord.tagging``, in the reader processes); with
    ``relevant_only`` the activities that are not customs capacity building are skipped and
    counted (``ImportRun.not_relevant``). ``tagging`` False (the benchmark's yardstick) writes
    new activities unassessed and leaves the others' relevance and tags as they were.
    """
    if relevant_only and not tagging:
        raise ValueError("relevant_only needs tagging")
    run = create_run(
        user=user,
        path=path,
        source=source,
        source_kind=source_kind,
        file_name=file_name,
        strict=strict,
        relevant_only=relevant_only,
    )
    return run_import(
        run, user=user, path=path, batch_size=batch_size, use_worker=use_worker, tagging=tagging
    )


def create_run(
    *,
    user: Actor | None,
    path: Path,
    source: str,
    source_kind: str,
    file_name: str | None = None,
    strict: bool = False,
    relevant_only: bool = False,
) -> ImportRun:
    """The record of an import about to run (status running)."""
    return ImportRun.objects.create(
        source=source[:1000],
        source_kind=source_kind,
        file_name=(file_name or path.name)[:300],
        strict=strict,
        relevant_only=relevant_only,
        user=user_record(user),
    )


def run_import(
    run: ImportRun,
    *,
    user: Actor | None,
    path: Path,
    batch_size: int = BATCH_SIZE,
    use_worker: bool | None = None,
    tagging: bool = True,
) -> ImportRun:
    """Import ``path`` under ``run`` (from ``create_run``); see ``iati_import``."""
    # For a large file reader processes start now, while this process checks the whole file.
    readers = settings.CBCOORD_IMPORT_READERS
    if readers < 1:
        use_worker = False
    reader = PreparedReader(
        path,
        strict=run.strict,
        batch_size=batch_size,
        use_worker=use_worker,
        workers=max(1, readers),
        derivation=derive.PIPELINE if tagging else derive.PIPELINE_UNTAGGED,
    )
    with import_lock(run), few_collections(), bulk_writing():
        finished = _run(run, reader, path=path, user=user, source_kind=run.source_kind)
    signals.run_finished.send(sender=ImportRun, run=finished)
    return finished


# Imports into one database run one at a time. Two at once may meet the same activities (a
# double submit, a URL and an upload of one file, two servers): each would insert what the
# other had not yet committed, create the same unknown organisation, or find an activity last
# seen by the other run and withdraw it. The lock is PostgreSQL's advisory lock (held by the
# import's connection, so a crash releases it), or with SQLite a lock file beside the
# database's name in CBCOORD_VAR_DIR (SQLite serves one host).
_LOCK_KEY = 0x63_62_69_61_74_69  # PostgreSQL advisory lock key: "cbiati"
_LOCK_POLL_SECONDS = 1.0
_HEARTBEAT_SECONDS = 30.0


_held = threading.local()  # the import locks this thread holds (re-entrant), by lock name


@contextlib.contextmanager
def import_lock(run: ImportRun) -> Iterator[None]:
    """Wait for this database's other import, if any, to end; hold the import lock for the
    body. A waiting run keeps its ``progressed_at`` fresh, so that it is not shown as
    interrupted. A thread that holds the lock already goes on (an import inside an import)."""
    postgres = connection.vendor == "postgresql"
    name = f"pg:{connection.alias}" if postgres else str(_lock_path())
    held: dict[str, int] = _held.__dict__.setdefault("locks", {})
    if held.get(name):
        held[name] += 1
        try:
            yield
        finally:
            held[name] -= 1
        return
    acquire, release = _pg_lock() if postgres else _file_lock(Path(name))
    try:
        if not acquire():
            set_stage(run, ImportStage.WAITING)
            waited = 0.0
            while True:
                time.sleep(_LOCK_POLL_SECONDS)
                if acquire():
                    break
                waited += _LOCK_POLL_SECONDS
                if waited >= _HEARTBEAT_SECONDS:
                    waited = 0.0
                    run.progressed_at = timezone.now()
                    run.save(update_fields=["progressed_at"])
        held[name] = 1
        try:
            yield
        finally:
            held[name] = 0
    finally:
        release()


def set_stage(run: ImportRun, stage: str) -> None:
    """Say where ``run`` is (an ``ImportStage``), for its report page."""
    run.stage = stage
    run.progressed_at = timezone.now()
    run.save(update_fields=["stage", "progressed_at"])


def _pg_lock() -> tuple[Callable[[], bool], Callable[[], None]]:
    """PostgreSQL's advisory lock. Inside a transaction (the demo loader, tests) it is the
    transaction's own, released when the transaction ends, so that a later import cannot run
    on rows not yet committed and a failed transaction cannot keep it; otherwise the
    session's, released at the end of the import or when the connection closes."""
    in_transaction = connection.in_atomic_block
    function = "pg_try_advisory_xact_lock" if in_transaction else "pg_try_advisory_lock"
    taken = False

    def acquire() -> bool:
        nonlocal taken
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s)", [_LOCK_KEY])
            taken = bool(cursor.fetchone()[0])
        return taken

    def release() -> None:
        if in_transaction or not taken:
            return
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
        except Exception:  # a broken connection: closing it releases the lock for sure
            logger.exception("could not release the import lock; closing the connection")
            connection.close()

    return acquire, release


def _lock_path() -> Path:
    """The lock file of this SQLite database, in CBCOORD_VAR_DIR."""
    name = str(connection.settings_dict["NAME"])
    if not name.startswith("file:") and name != ":memory:":
        name = os.path.realpath(name)
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    return Path(settings.VAR_DIR) / f"import-{digest}.lock"


def _file_lock(path: Path) -> tuple[Callable[[], bool], Callable[[], None]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+b")  # noqa: SIM115 - closed by release

    def acquire() -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def release() -> None:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        finally:
            handle.close()  # closing releases the lock in any case

    return acquire, release


def _run(
    run: ImportRun, reader: PreparedReader, *, path: Path, user: Actor | None, source_kind: str
) -> ImportRun:
    try:
        reader.start()
        set_stage(run, ImportStage.CHECKING)
        try:
            info = check_file(path, count_activities=False)
        except IatiFileError as error:
            # Named as the user named it (an upload's temporary file has a name of its own),
            # with the size and hash of what was received.
            run.sha256, run.byte_size = _digest(path)
            message = error.message.replace(path.name, run.file_name or path.name)
            finish_run(run, ImportStatus.REFUSED, message)
            return run
        run.sha256, run.byte_size, run.iati_version = (
            info.sha256,
            info.byte_size,
            # A file without a version attribute is read as 2.03 (a file warning says so).
            info.version or "2.03",
        )
        run.file_warnings = [warning.to_dict() for warning in info.warnings]
        run.progressed_at = timezone.now()
        run.stage = ImportStage.WRITING
        run.save(
            update_fields=[
                "sha256",
                "byte_size",
                "iati_version",
                "file_warnings",
                "progressed_at",
                "stage",
            ]
        )
        importer = _Importer(run=run, user=user, source_kind=source_kind)
        try:
            for items in reader:
                batch = _Batch()
                for item in items:
                    if isinstance(item, RefusedActivity):
                        batch.refused.append(item)
                    else:
                        batch.parsed.append(item)
                importer.write(batch)
            importer.mark_withdrawn()
        except IatiFileError as error:
            finish_run(run, ImportStatus.FAILED, error.message)
            return run
        except Exception as error:
            logger.exception("import run %s failed", run.pk)
            finish_run(run, ImportStatus.FAILED, f"{type(error).__name__}: {error}")
            raise
    finally:
        reader.close()
    # Activities carrying warnings: those written and those unchanged alike.
    run.with_warnings = (
        Activity.objects.filter(import_run=run, withdrawn_at__isnull=True)
        .exclude(warnings=[])
        .count()
    )
    if not (run.added or run.updated or run.unchanged or run.held_back or run.refused):
        # The check does not count activities (the readers do): said here instead.
        run.file_warnings.append(
            diagnostics.warning("iati-activities", None, "file.no-activity").to_dict()
        )
    finish_run(run, ImportStatus.COMPLETED, "")
    return run


def finish_run(run: ImportRun, status: str, message: str) -> None:
    """End ``run`` with ``status`` (an ``ImportStatus``) and the message for the user. A
    completed run also ends the earlier runs of the same source that were left running by a
    process that died: this run has done what they had begun."""
    run.stage = ImportStage.DONE
    run.status = status
    run.message = message
    run.finished_at = timezone.now()
    run.save()
    if status == ImportStatus.COMPLETED:
        ImportRun.objects.filter(
            source=run.source,
            source_kind=run.source_kind,
            status=ImportStatus.RUNNING,
            started_at__lt=run.started_at,
        ).exclude(pk=run.pk).update(
            status=ImportStatus.INTERRUPTED,
            stage=ImportStage.DONE,
            finished_at=run.finished_at,
            message=f"Interrupted; import run #{run.pk} of the same file completed it.",
        )


def _digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file (for the record of a refused one)."""
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except OSError:
        return "", 0
    return digest.hexdigest(), size


class _Importer:
    def __init__(self, *, run: ImportRun, user: Actor | None, source_kind: str) -> None:
        self.run = run
        self.user = user
        self.source_kind = source_kind
        self.organisations = OrganisationMatcher()
        self.prefixes = PrefixIndex()
        self.region_of_country = indexing.region_of_country_map()
        self.source_keys: set[str] = set()
        # Identifiers in the file whose activity was refused: present, so never withdrawn.
        self.refused_identifiers: set[str] = set()
        self.restricted_to = importing_for(SYSTEM if user is None else user)
        self._stamps: dict[Any, Any] = {}
        self.provisions = tags.provision_ids()
        self.relevant_only = run.relevant_only

    # -- one batch -------------------------------------------------------------------------
    def write(self, batch: _Batch) -> None:
        if not len(batch):
            return
        latest: dict[str, Prepared] = {}
        for parsed in batch.parsed:
            # A file listing an identifier twice: a later copy replaces an earlier one as it
            # would across batches (or runs), so the result does not depend on where batches end.
            earlier = latest.get(parsed.iati_identifier)
            if earlier is None or _supersedes(
                parsed.columns["last_updated_datetime"],
                parsed.content_hash,
                earlier.columns["last_updated_datetime"],
                earlier.content_hash,
            ):
                latest[parsed.iati_identifier] = parsed
        refusals = [self._refusal(item) for item in batch.refused]
        self.refused_identifiers.update(
            item.identifier for item in batch.refused if item.identifier
        )
        with transaction.atomic():  # what exists is read in the batch's own transaction
            existing = {
                row[0]: _Existing(*row[1:])
                for row in Activity.objects.filter(iati_identifier__in=list(latest)).values_list(
                    "iati_identifier",
                    "pk",
                    "publisher_updated_at",
                    "publisher_hash",
                    "hand_edited",
                    "withdrawn_at",
                    "reporting_org_id",
                    "is_relevant",
                    "relevance_decided_by",
                )
            }
            counters = self._counters()
            try:
                with transaction.atomic():  # a savepoint: a refused batch is taken back whole
                    self._write(latest, existing, list(refusals))
            except DatabaseError as error:
                logger.warning("import run %s: a batch was refused (%s)", self.run.pk, error)
                self._restore(counters)
                self._write_one_by_one(latest, existing, refusals)

    def _counters(self) -> dict[str, int]:
        return {name: getattr(self.run, name) for name in _COUNTERS}

    def _restore(self, counters: dict[str, int]) -> None:
        for name, value in counters.items():
            setattr(self.run, name, value)

    def _write_one_by_one(
        self,
        latest: dict[str, Prepared],
        existing: dict[str, _Existing],
        refusals: list[ImportRefusal],
    ) -> None:
        """Write a batch the database refused activity by activity, and refuse (with the
        database's reason) only the activities it will not store: a value no check foresaw must
        not lose the rest of the batch, nor end the run."""
        # Organisations created in the failed attempt were taken back with it.
        self.organisations = OrganisationMatcher()
        for identifier, parsed in latest.items():
            old = existing.get(identifier)
            counters = self._counters()
            try:
                with transaction.atomic():
                    self._write({identifier: parsed}, {identifier: old} if old else {}, [])
            except DatabaseError as error:
                self._restore(counters)
                self.organisations = OrganisationMatcher()
                self.refused_identifiers.add(identifier)
                refusals.append(
                    ImportRefusal(
                        run=self.run,
                        identifier=identifier[:255],
                        line=parsed.source_line,
                        element="iati-activity",
                        reason=_("the database could not store this activity: %(error)s")
                        % {"error": str(error).strip()[:500]},
                    )
                )
        if refusals:
            ImportRefusal.objects.bulk_create(refusals)
            self.run.refused += len(refusals)
            self.run.save(update_fields=["refused"])

    def _db_stamp(self, value: Any) -> Any:
        """``db_datetime``, remembered: publishers stamp many activities alike."""
        stamp = self._stamps.get(value)
        if stamp is None and value is not None:
            stamp = db_datetime(value)
            if len(self._stamps) < 10_000:
                self._stamps[value] = stamp
        return stamp

    def _refusal(self, item: RefusedActivity) -> ImportRefusal:
        return ImportRefusal(
            run=self.run,
            identifier=(item.identifier or "")[:255],
            line=item.line,
            element=item.element[:300],
            reason=item.reason,
        )

    def _write(  # noqa: C901 - one pass per activity of a batch, kept in one loop for speed
        self,
        latest: dict[str, Prepared],
        existing: dict[str, _Existing],
        refusals: list[ImportRefusal],
    ) -> None:
        run = self.run
        now = timezone.now()
        db_now = db_datetime(now)
        to_create: list[tuple[Any, ...]] = []
        to_update: list[tuple[Any, ...]] = []
        to_update_decided: list[tuple[Any, ...]] = []  # relevance decided by a person: kept
        written: list[_Written] = []
        warned = 0
        not_relevant = 0
        unchanged_pks: list[int] = []
        held_back: list[tuple[int, Prepared]] = []
        for identifier, parsed in latest.items():
            content_hash = parsed.content_hash
            columns = parsed.columns
            tagging: derive.Tagged | None = columns["tagging"]  # None: not tagged (``tagging``)
            old = existing.get(identifier)
            decided = old is not None and (
                tagging is None or old.relevance_decided_by == DecidedBy.PERSON
            )
            relevant = (
                old.is_relevant
                if old is not None and decided
                else getattr(tagging, "relevant", None)
            )
            if self.relevant_only and relevant is False:
                # Not stored, and not withdrawn either: the file still holds it.
                not_relevant += 1
                self.refused_identifiers.add(identifier)
                continue
            countries = [code for code, _percentage in parsed.index_rows.countries]
            # Found, not created: an organisation is created only for an activity written.
            organisation = self.organisations.find(
                ref=parsed.reporting_ref, name=parsed.reporting_name, countries=countries
            )
            # The identifier's namespace first, before its existence is looked at.
            refusal = self._prefix_refusal(parsed, organisation) or self._permission_refusal(
                parsed, organisation.pk if organisation is not None else None, old
            )
            if refusal:
                refusals.append(refusal)
                self.refused_identifiers.add(identifier)
                continue
            if organisation is None:
                organisation = self.organisations.match(
                    ref=parsed.reporting_ref,
                    name=parsed.reporting_name,
                    org_type=parsed.reporting_type,
                    countries=countries,
                )
            if organisation is None:  # the parser refuses these; kept as a guard
                refusals.append(
                    ImportRefusal(
                        run=run,
                        identifier=identifier[:255],
                        line=parsed.source_line,
                        element="reporting-org",
                        reason="no reporting organisation",
                    )
                )
                self.refused_identifiers.add(identifier)
                continue
            source_key = source_key_for(
                source_kind=self.source_kind,
                source=run.source,
                file_name=run.file_name,
                reporting_ref=parsed.reporting_ref or organisation.key,
            )
            self.source_keys.add(source_key)
            if old is not None and not self._replaces(
                old, columns["last_updated_datetime"], content_hash
            ):
                unchanged_pks.append(old.pk)
                continue
            if old is not None and old.hand_edited:
                held_back.append((old.pk, parsed))
                continue
            stamp = self._db_stamp(columns["last_updated_datetime"])
            warnings = parsed.warnings
            warned += bool(warnings)
            derived = [columns[name] for name in derive.COLUMN_NAMES]
            derived[_STAMP_COLUMN] = stamp  # in the database's form
            values = (
                organisation.pk,
                *derived,
                parsed.content_json,
                orjson.dumps(warnings).decode() if warnings else "[]",
                content_hash,
                run.pk,
                source_key,
                None,
                stamp,
                content_hash,
                db_now,
            )
            relevance = tags.UNASSESSED if tagging is None else tags.relevance_values(tagging)
            if old is None:
                # Imported activities are public: the publisher has already published them.
                to_create.append(
                    (
                        identifier,
                        *values,
                        *relevance,
                        Visibility.PUBLIC,
                        Origin.IMPORT,
                        False,
                        db_now,
                        False,
                    )
                )
                written.append(_Written(identifier, None, parsed.index_rows, tagging))
            else:
                if decided:
                    to_update_decided.append((*values, old.pk))
                else:
                    to_update.append((*values, *relevance, old.pk))
                written.append(_Written(identifier, old.pk, parsed.index_rows, tagging))
        # Rows inserted now get keys above the largest one before (SQLite and PostgreSQL both
        # allocate upwards), so one comparison finds them, not a list of 500 identifiers.
        before = 0
        if to_create:
            before = Activity.objects.aggregate(last=Max("pk"))["last"] or 0
        bulk_insert(Activity, INSERT_FIELDS, to_create)
        bulk_update(Activity, UPDATE_WITH_RELEVANCE, to_update)
        bulk_update(Activity, UPDATE_FIELDS, to_update_decided)
        to_update += to_update_decided
        created_pks: list[int] = []
        if to_create:
            new_ids = dict(
                Activity.objects.filter(pk__gt=before).values_list("iati_identifier", "pk")
            )
            for item in written:
                if item.pk is None:
                    item.pk = new_ids[item.iati_identifier]
                    created_pks.append(item.pk)
        reason = f"IATI import run #{run.pk}"
        imports_history.record(created_pks, kind="+", reason=reason, user_id=run.user_id)
        imports_history.record(
            [row[-1] for row in to_update], kind="~", reason=reason, user_id=run.user_id
        )
        if unchanged_pks:
            Activity.objects.filter(pk__in=unchanged_pks).update(import_run=run)
        for pk, parsed in held_back:
            Activity.objects.filter(pk=pk).update(
                publisher_data=orjson.loads(parsed.content_json),
                publisher_warnings=parsed.warnings,
                publisher_updated_at=parsed.columns["last_updated_datetime"],
                publisher_hash=parsed.content_hash,
                import_run=run,
            )
        indexing.write_rows(
            [(item.pk, item.index_rows) for item in written if item.pk is not None],
            replace=[row[-1] for row in to_update],
            organisations=self.organisations,
            region_of_country=self.region_of_country,
        )
        tags.write_tags(
            [(item.pk, item.tagging) for item in written if item.pk is not None],
            replace=[row[-1] for row in to_update],
            provisions=self.provisions,
        )
        ImportRefusal.objects.bulk_create(refusals)
        run.not_relevant += not_relevant
        run.added += len(to_create)
        run.updated += len(to_update)
        run.unchanged += len(unchanged_pks)
        run.held_back += len(held_back)
        run.refused += len(refusals)
        run.with_warnings += warned
        run.progressed_at = now
        run.save(
            update_fields=[
                "added",
                "updated",
                "unchanged",
                "held_back",
                "refused",
                "with_warnings",
                "not_relevant",
                "progressed_at",
            ]
        )

    def _prefix_refusal(
        self, parsed: Prepared, organisation: Organisation | None
    ) -> ImportRefusal | None:
        """The IATI rule: an identifier begins with its reporting organisation's identifier. An
        identifier in another registered organisation's namespace is refused (it would take the
        identifier from its publisher); a partner editor's must begin with their own prefix.
        Otherwise a mismatch is a data-quality warning."""
        identifier = parsed.iati_identifier
        prefix, owners = self.prefixes.owners_of(identifier)
        reporting_id = organisation.pk if organisation is not None else None
        if owners and reporting_id not in owners:
            return self._refusal_for(
                parsed,
                "iati-identifier",
                _(
                    "the identifier begins with %(prefix)s, another publisher's organisation "
                    "identifier; an activity's identifier begins with its reporting "
                    "organisation's identifier (%(ref)s)"
                )
                % {"prefix": prefix, "ref": parsed.reporting_ref or "?"},
            )
        if owners:
            return None
        own = (
            *(self.prefixes.own_prefixes(organisation) if organisation is not None else ()),
            parsed.reporting_ref or "",
        )
        if any(start and identifier.startswith(start) for start in own):
            return None
        if self.restricted_to is not None:
            return self._refusal_for(
                parsed,
                "iati-identifier",
                _(
                    "the identifier does not begin with your organisation's IATI identifier; "
                    "partner editors import activities in their own namespace only"
                ),
            )
        parsed.warnings.append(
            diagnostics.warning(
                "iati-identifier",
                parsed.source_line,
                "identifier.outside-prefix",
                ref=parsed.reporting_ref or "?",
            ).to_dict()
        )
        return None

    def _refusal_for(self, parsed: Prepared, element: str, reason: str) -> ImportRefusal:
        return ImportRefusal(
            run=self.run,
            identifier=parsed.iati_identifier[:255],
            line=parsed.source_line,
            element=element,
            reason=reason,
        )

    def _permission_refusal(
        self, parsed: Prepared, organisation_id: int | None, old: _Existing | None
    ) -> ImportRefusal | None:
        if self.restricted_to is None:
            return None
        if organisation_id == self.restricted_to and (
            old is None or old.reporting_org_id == self.restricted_to
        ):
            return None
        return ImportRefusal(
            run=self.run,
            identifier=parsed.iati_identifier[:255],
            line=parsed.source_line,
            element="reporting-org",
            reason=_(
                "reporting organisation %(ref)s is not your organisation; partner editors import "
                "only their own activities"
            )
            % {"ref": parsed.reporting_ref or "?"},
        )

    @staticmethod
    def _replaces(old: _Existing, new_stamp: Any, content_hash: str) -> bool:
        """Replace only by a newer last-updated-datetime, or the same one with other content."""
        if old.withdrawn_at is not None:
            return True
        return _supersedes(new_stamp, content_hash, old.last_updated, old.content_hash)

    # -- end of run ------------------------------------------------------------------------
    def mark_withdrawn(self) -> None:
        """Activities of the same source(s) that this complete run did not see are withdrawn."""
        if not self.source_keys:
            return
        gone = Activity.objects.filter(
            source_key__in=self.source_keys, withdrawn_at__isnull=True
        ).exclude(import_run=self.run)
        # Few, usually: the refused ones are filtered here rather than in the query.
        pks = [
            pk
            for pk, identifier in gone.values_list("pk", "iati_identifier")
            if identifier not in self.refused_identifiers
        ]
        now = timezone.now()
        self.run.withdrawn = sum(
            Activity.objects.filter(pk__in=pks[i : i + 10_000]).update(
                withdrawn_at=now, import_run=self.run
            )
            for i in range(0, len(pks), 10_000)
        )
        imports_history.record(
            pks,
            kind="~",
            reason=f"withdrawn: not in IATI import run #{self.run.pk}",
            user_id=self.run.user_id,
        )
        self.run.save(update_fields=["withdrawn"])


def _supersedes(new_stamp: Any, new_hash: str, old_stamp: Any, old_hash: str) -> bool:
    """Whether a publisher's version replaces an earlier one of the same activity: other content
    with a last-updated-datetime no older (or none to compare)."""
    if new_hash == old_hash:
        return False
    if old_stamp is None or new_stamp is None:
        return True
    return bool(new_stamp >= old_stamp)


def import_run_refusals(run: ImportRun) -> Iterable[ImportRefusal]:
    return run.refusals.all()
