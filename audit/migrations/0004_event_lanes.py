"""Several chains per institution: each event names its lane (0, the main chain, for every
event written before), and a position is unique within its institution's lane.

The column has a database default, so that rows written by bulk paths that do not name it
(COPY in the benchmark seeds) land in the main chain as before.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_verified_checkpoints"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="auditevent",
            name="audit_unique_sequence",
        ),
        migrations.AddField(
            model_name="auditevent",
            name="lane",
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("organization", "lane", "sequence"), name="audit_unique_lane_sequence"
            ),
        ),
    ]
