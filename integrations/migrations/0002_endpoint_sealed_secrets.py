"""Endpoint addresses and signing secrets sealed at rest (integrations/sealing.py)."""

from urllib.parse import urlsplit

from django.db import migrations, models

from integrations import sealing


def seal_existing(apps, schema_editor):
    Endpoint = apps.get_model("integrations", "Endpoint")
    for endpoint in Endpoint.objects.all():
        endpoint.url_sealed = sealing.seal(endpoint.url)
        endpoint.host = (urlsplit(endpoint.url).hostname or "")[:255]
        endpoint.secret_sealed = sealing.seal(endpoint.secret)
        endpoint.save(update_fields=["url_sealed", "host", "secret_sealed"])


def unseal_existing(apps, schema_editor):
    Endpoint = apps.get_model("integrations", "Endpoint")
    for endpoint in Endpoint.objects.all():
        endpoint.url = sealing.unseal(endpoint.url_sealed)
        endpoint.secret = sealing.unseal(endpoint.secret_sealed)
        endpoint.save(update_fields=["url", "secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="endpoint",
            name="url_sealed",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="endpoint",
            name="host",
            field=models.CharField(default="", max_length=255),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="endpoint",
            name="secret_sealed",
            field=models.TextField(blank=True, default=""),
        ),
        # A default for the plain address while it goes, so that going back can re-add it.
        migrations.AlterField(
            model_name="endpoint",
            name="url",
            field=models.URLField(default="", max_length=2000),
        ),
        migrations.RunPython(seal_existing, unseal_existing),
        migrations.RemoveField(model_name="endpoint", name="url"),
        migrations.RemoveField(model_name="endpoint", name="secret"),
    ]
