"""The event's institution loses its index of its own: the chain constraint (institution,
lane, sequence) and the time index (institution, created_at) lead with it and serve the same
lookups, and every event written updates each index the table has.

Only the index is dropped (by its name, the same on every database); the foreign key stays
as it is, so nothing is validated again over a long trail.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "audit_auditevent_organization_id_4b1fe3b9"


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0018_outbox_claims"),
        ("audit", "0004_event_lanes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="organization",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.organization",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    f'CREATE INDEX "{INDEX}" ON "audit_auditevent" ("organization_id")',
                ),
            ],
        ),
    ]
