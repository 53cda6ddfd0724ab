from django.db import migrations, models
from django.db.models.functions import Length


def card_sizes(apps, schema_editor):
    """Cards stored before their size was kept: measured once, in the database."""
    PublishedCard = apps.get_model("publishing", "PublishedCard")
    PublishedCard.objects.filter(size=0).update(size=Length("data"))


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0008_pdf_state_and_size"),
    ]

    operations = [
        migrations.AddField(
            model_name="acknowledgement",
            name="quiz_record",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="publishedcard",
            name="size",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(card_sizes, migrations.RunPython.noop),
    ]
