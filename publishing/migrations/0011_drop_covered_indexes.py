"""Indexes that others cover are dropped: a request's campaign and person (the one-per-person
constraint and the status, group and pending indexes lead with them) and a quiz try's version
(quizattempt_version_user leads with it). Every acknowledgement updates its request and writes
its passed try, and each index is one more entry written then, and 100,000 at publishing.

Only the indexes are dropped (by their names, the same on every database); the foreign keys
stay as they are, so nothing is validated again.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROPPED = {
    "publishing_ackrequest_campaign_id_af4e6a7d": ("publishing_ackrequest", "campaign_id"),
    "publishing_ackrequest_user_id_f9598136": ("publishing_ackrequest", "user_id"),
    "publishing_quizattempt_version_id_b258cd9a": ("publishing_quizattempt", "version_id"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("guidelines", "0003_draft_and_version_cases"),
        ("publishing", "0010_claim_acknowledgement_function"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ackrequest",
                    name="campaign",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="requests",
                        to="publishing.campaign",
                    ),
                ),
                migrations.AlterField(
                    model_name="ackrequest",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="quizattempt",
                    name="version",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="guidelines.version",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, (table, column) in DROPPED.items()
            ],
        ),
    ]
