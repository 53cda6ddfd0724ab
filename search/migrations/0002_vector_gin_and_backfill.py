"""The GIN index behind full-text search, on PostgreSQL only (SQLite has no GIN and searches
without it), and the index rows for every version and open draft that existed before search."""

from django.db import migrations

INDEX = "search_sectiontext_vector_gin"


def add_gin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON search_sectiontext USING gin (vector)"
        )


def drop_gin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


def backfill(apps, schema_editor):
    from search.text import sections_text  # pure: content in, text out

    Version = apps.get_model("guidelines", "Version")
    DraftSection = apps.get_model("guidelines", "DraftSection")
    SectionText = apps.get_model("search", "SectionText")
    from guidelines.sections import SECTIONS_BY_KEY
    from search.text import section_text

    rows = []
    for v in Version.objects.select_related("guideline").iterator(chunk_size=200):
        rows.extend(
            SectionText(
                organization_id=v.guideline.organization_id,
                guideline_id=v.guideline_id,
                version_id=v.pk,
                key=section.key,
                title=section.title,
                body=body,
            )
            for section, body in sections_text(v.content)
        )
    for row in DraftSection.objects.filter(draft__is_open=True).select_related("draft__guideline"):
        section = SECTIONS_BY_KEY.get(row.key)
        if section is not None:
            rows.append(
                SectionText(
                    organization_id=row.draft.guideline.organization_id,
                    guideline_id=row.draft.guideline_id,
                    draft_id=row.draft_id,
                    key=row.key,
                    title=section.title,
                    body=section_text(section, row.data),
                )
            )
    SectionText.objects.bulk_create(rows, batch_size=500)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE search_sectiontext SET vector = "
            "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'B') "
            "WHERE vector IS NULL"
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(add_gin, drop_gin),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
