"""Text search (``?q=``) on PostgreSQL from trigram indexes.

The list's text filter is ``icontains`` on the title and the identifier, which PostgreSQL
writes as ``UPPER(column) LIKE UPPER('%…%')``: no b-tree serves it, so every search read every
activity's title. pg_trgm's GIN indexes on the same expressions answer it (and the list's
bounded count) from the index. SQLite has no such index; there the search reads the titles in
the order of the list's index and stops at the page's end (``selectors.activity_list``).

pg_trgm ships with PostgreSQL and is a trusted extension (PostgreSQL 13 and later): the
database's owner may create it.
"""

from django.db import migrations

INDEXES = {
    "activity_title_trgm": "title_text",
    "activity_identifier_trgm": "iati_identifier",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "activities_activity" '
            f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("activities", "0012_fewer_indexes_written_by_imports")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
