"""Two indexes fewer for every audit event written (one per acknowledgement).

``action`` had Django's pair of indexes (plain and LIKE) and ``created_at`` one of its own.
Every read of the trail is an institution's, by time (``organization, -created_at``) or by
chain (``organization, lane, sequence``); lookups by action keep one plain index. The plain
index is built before the pair is dropped.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0018_outbox_claims"),
        ("audit", "0005_drop_covered_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["action"], name="audit_event_action"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(max_length=80),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="created_at",
            field=models.DateTimeField(),
        ),
    ]
