"""An acknowledgement updates its request in place (a HOT update).

Each acknowledgement sets its request's ``acknowledged_at``. With that column in three
indexes, PostgreSQL wrote the new row version on another page and an entry in every index of
the table: after each checkpoint, the first change to each of those pages is written to the
WAL whole (measured: 9 pages, 66 KB for one acknowledgement). No index now holds a column
that an acknowledgement (or a reminder) changes, and the table keeps 15% of each page free, so
the new version stays on its page and no index is touched (1 page, 7 KB).

The new indexes are built before the old ones are dropped, so that the lookups they serve are
never without one. Only pages written after this migration keep the free room: requests
created before it gain it when the table is rewritten (``VACUUM FULL publishing_ackrequest``
in a quiet hour; see docs/deployment.md).
"""

from django.conf import settings
from django.db import migrations, models

FILL = "ALTER TABLE publishing_ackrequest SET (fillfactor = 85)"
UNFILL = "ALTER TABLE publishing_ackrequest RESET (fillfactor)"


def keep_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL)


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNFILL)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0018_outbox_claims"),
        ("publishing", "0011_drop_covered_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ackrequest",
            index=models.Index(fields=["campaign", "due_date"], name="ackreq_campaign_due"),
        ),
        migrations.AddIndex(
            model_name="ackrequest",
            index=models.Index(fields=["campaign", "staff_group"], name="ackreq_campaign_by_group"),
        ),
        migrations.AddIndex(
            model_name="ackrequest",
            index=models.Index(fields=["user"], name="ackreq_user"),
        ),
        migrations.RemoveIndex(model_name="ackrequest", name="ackreq_campaign_status"),
        migrations.RemoveIndex(model_name="ackrequest", name="ackreq_campaign_group"),
        migrations.RemoveIndex(model_name="ackrequest", name="ackreq_user_pending"),
        migrations.RunPython(keep_room, fill),
    ]
