# ruff: noqa: S608 (the statements name only this module's own tables and columns)
"""Database triggers that note every change the coordination facts depend on, whoever writes
it (the importer's own SQL, hand edits, the tagger, the admin): a row in
``coordination_factchange`` naming the activity, or 0 when the catalogue of provisions, the
members or the recipient regions' covers changed (every activity's facts then). The facts are
brought up to date from that log before each analysis (``coordination.facts.refresh``).

Only the columns the facts read fire an update trigger, so an import that finds an activity
unchanged notes nothing. PostgreSQL notes inserts and deletes once per statement (transition
tables: a batch of 500 activities costs one insert). SQLite has only row triggers, and a row
trigger on an insert costs more than the insert itself (measured: 20,000 activities 1.3 s
without, 2.9 s with; 42,000 tags 0.2 s without, 1.1 s with): so on SQLite new activities and
tags are not noted by triggers but found by ``refresh``, as the rows past the highest ids it
has seen (``FactState.activity_mark``, ``tag_mark``; the ids of both tables only grow, being
AUTOINCREMENT, and ``refresh`` holds the write lock while it reads them). Deletes and updates
are noted by triggers on both databases.

The triggers are (re)installed after every ``migrate`` (``install``, from the app's
post_migrate handler), not by a migration: SQLite rebuilds a table to alter a column, and the
rebuilt table would have lost them. When any was missing, every activity's facts are worked
out again.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

#: (table, column naming the activity, columns whose update matters)
WATCHED = [
    (
        "activities_activity",
        "id",
        [
            "content_hash",
            "visibility",
            "reporting_org_id",
            "withdrawn_at",
            "is_relevant",
            "status",
            "start_date",
            "end_date",
        ],
    ),
    ("activities_activityprovision", "activity_id", ["activity_id", "provision_id", "status"]),
]
#: Tables whose change asks for every activity's facts (rare: reference data).
EVERYTHING = [
    ("frameworks_provision", ["parent_id", "depth", "instrument_id"]),
    ("registry_member", ["region_id", "iso_code"]),
    ("registry_recipientregioncover", ["dac_code", "member_id", "region_id"]),
]
#: Project links name two activities.
LINKS = "coordination_projectlink"


#: Triggers an earlier version installed and this one drops (SQLite: inserts, see above).
OBSOLETE = {
    "sqlite": [f"coordination_{table}_insert" for table, _column, _columns in WATCHED],
    "postgresql": [],
}


def _sqlite() -> list[tuple[str, str]]:
    statements = []
    for table, column, columns in WATCHED:
        for event, row in (("DELETE", "OLD"),):
            name = f"coordination_{table}_{event.lower()}"
            statements.append(
                (
                    f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN "
                    f"INSERT INTO coordination_factchange (activity_id) VALUES ({row}.{column}); END",
                    f"DROP TRIGGER IF EXISTS {name}",
                )
            )
        name = f"coordination_{table}_update"
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        statements.append(
            (
                f"CREATE TRIGGER {name} AFTER UPDATE OF {', '.join(columns)} ON {table} "
                f"WHEN {changed} BEGIN "
                f"INSERT INTO coordination_factchange (activity_id) VALUES (OLD.{column}); "
                f"INSERT INTO coordination_factchange (activity_id) SELECT NEW.{column} "
                f"WHERE NEW.{column} IS NOT OLD.{column}; END",
                f"DROP TRIGGER IF EXISTS {name}",
            )
        )
    for table, columns in EVERYTHING:
        for event in ("INSERT", "DELETE", "UPDATE"):
            name = f"coordination_{table}_{event.lower()}"
            when = ""
            of = ""
            if event == "UPDATE":
                of = f" OF {', '.join(columns)}"
                when = " WHEN " + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
            statements.append(
                (
                    f"CREATE TRIGGER {name} AFTER {event}{of} ON {table}{when} BEGIN "
                    "INSERT INTO coordination_factchange (activity_id) VALUES (0); END",
                    f"DROP TRIGGER IF EXISTS {name}",
                )
            )
    for event, row in (("INSERT", "NEW"), ("DELETE", "OLD"), ("UPDATE", "NEW")):
        name = f"coordination_projectlink_{event.lower()}"
        statements.append(
            (
                f"CREATE TRIGGER {name} AFTER {event} ON {LINKS} BEGIN "
                f"INSERT INTO coordination_factchange (activity_id) VALUES ({row}.first_id); "
                f"INSERT INTO coordination_factchange (activity_id) VALUES ({row}.second_id); END",
                f"DROP TRIGGER IF EXISTS {name}",
            )
        )
    return statements


def _postgresql() -> list[tuple[str, str]]:
    statements = [
        (
            "CREATE OR REPLACE FUNCTION coordination_note_rows() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN "
            "IF TG_OP = 'INSERT' THEN "
            "EXECUTE format('INSERT INTO coordination_factchange (activity_id) "
            "SELECT DISTINCT %I FROM changed_rows', TG_ARGV[0]); "
            "ELSE "
            "EXECUTE format('INSERT INTO coordination_factchange (activity_id) "
            "SELECT DISTINCT %I FROM gone_rows', TG_ARGV[0]); "
            "END IF; RETURN NULL; END $$",
            "DROP FUNCTION IF EXISTS coordination_note_rows() CASCADE",
        ),
        (
            "CREATE OR REPLACE FUNCTION coordination_note_update() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "DECLARE old_id bigint := (to_jsonb(OLD) ->> TG_ARGV[0])::bigint; "
            "new_id bigint := (to_jsonb(NEW) ->> TG_ARGV[0])::bigint; "
            "BEGIN INSERT INTO coordination_factchange (activity_id) VALUES (old_id); "
            "IF new_id IS DISTINCT FROM old_id THEN "
            "INSERT INTO coordination_factchange (activity_id) VALUES (new_id); END IF; "
            "RETURN NULL; END $$",
            "DROP FUNCTION IF EXISTS coordination_note_update() CASCADE",
        ),
        (
            "CREATE OR REPLACE FUNCTION coordination_note_everything() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN INSERT INTO coordination_factchange (activity_id) VALUES (0); RETURN NULL; END $$",
            "DROP FUNCTION IF EXISTS coordination_note_everything() CASCADE",
        ),
        (
            "CREATE OR REPLACE FUNCTION coordination_note_link() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF TG_OP = 'DELETE' THEN "
            "INSERT INTO coordination_factchange (activity_id) VALUES (OLD.first_id), (OLD.second_id); "
            "ELSE INSERT INTO coordination_factchange (activity_id) VALUES (NEW.first_id), (NEW.second_id); "
            "END IF; RETURN NULL; END $$",
            "DROP FUNCTION IF EXISTS coordination_note_link() CASCADE",
        ),
    ]
    for table, column, columns in WATCHED:
        statements += [
            (
                f"CREATE TRIGGER coordination_{table}_insert AFTER INSERT ON {table} "
                "REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT "
                f"EXECUTE FUNCTION coordination_note_rows('{column}')",
                f"DROP TRIGGER IF EXISTS coordination_{table}_insert ON {table}",
            ),
            (
                f"CREATE TRIGGER coordination_{table}_delete AFTER DELETE ON {table} "
                "REFERENCING OLD TABLE AS gone_rows FOR EACH STATEMENT "
                f"EXECUTE FUNCTION coordination_note_rows('{column}')",
                f"DROP TRIGGER IF EXISTS coordination_{table}_delete ON {table}",
            ),
            (
                f"CREATE TRIGGER coordination_{table}_update AFTER UPDATE OF {', '.join(columns)} "
                f"ON {table} FOR EACH ROW WHEN ("
                + " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
                + f") EXECUTE FUNCTION coordination_note_update('{column}')",
                f"DROP TRIGGER IF EXISTS coordination_{table}_update ON {table}",
            ),
        ]
    for table, columns in EVERYTHING:
        statements += [
            (
                f"CREATE TRIGGER coordination_{table}_change AFTER INSERT OR DELETE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION coordination_note_everything()",
                f"DROP TRIGGER IF EXISTS coordination_{table}_change ON {table}",
            ),
            (
                f"CREATE TRIGGER coordination_{table}_update AFTER UPDATE OF {', '.join(columns)} "
                f"ON {table} FOR EACH ROW WHEN ("
                + " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
                + ") EXECUTE FUNCTION coordination_note_everything()",
                f"DROP TRIGGER IF EXISTS coordination_{table}_update ON {table}",
            ),
        ]
    statements.append(
        (
            f"CREATE TRIGGER coordination_projectlink_change AFTER INSERT OR UPDATE OR DELETE "
            f"ON {LINKS} FOR EACH ROW EXECUTE FUNCTION coordination_note_link()",
            f"DROP TRIGGER IF EXISTS coordination_projectlink_change ON {LINKS}",
        )
    )
    return statements


def _statements(vendor: str) -> list[tuple[str, str]]:
    if vendor == "postgresql":
        return _postgresql()
    if vendor == "sqlite":
        return _sqlite()
    raise NotImplementedError(f"coordination facts: no triggers for {vendor}")


def _trigger_name(statement: str) -> str | None:
    words = statement.split()
    return words[2] if statement.startswith("CREATE TRIGGER") else None


def _existing(connection: BaseDatabaseWrapper) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {row[0] for row in cursor.fetchall()}


def install(connection: BaseDatabaseWrapper) -> bool:
    """Create the triggers that are missing (and, on PostgreSQL, their functions); note that
    every activity's facts are due when any was. Returns whether any was missing."""
    existing = _existing(connection)
    statements = _statements(connection.vendor)
    obsolete = [name for name in OBSOLETE.get(connection.vendor, []) if name in existing]
    if obsolete:
        with connection.cursor() as cursor:
            for old in obsolete:
                cursor.execute(f"DROP TRIGGER IF EXISTS {old}")
    missing = [
        statement
        for statement, _drop in statements
        if (name := _trigger_name(statement)) is not None and name not in existing
    ]
    if not missing:
        return False
    with connection.cursor() as cursor:
        for statement, _drop in statements:
            if _trigger_name(statement) is None:  # a function: replaced, always
                cursor.execute(statement)
        for statement in missing:
            cursor.execute(statement)
        cursor.execute("INSERT INTO coordination_factchange (activity_id) VALUES (0)")
    return True


def uninstall(connection: BaseDatabaseWrapper) -> None:
    """Drop the triggers (tests of the refresh use it to prove a change goes unnoticed
    without them)."""
    with connection.cursor() as cursor:
        for _statement, drop in reversed(_statements(connection.vendor)):
            cursor.execute(drop)
