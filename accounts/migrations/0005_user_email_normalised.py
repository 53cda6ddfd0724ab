"""Store every address trimmed and lower-case, then let the database refuse any other form."""

import django.db.models.functions.text
from django.db import migrations, models


def normalise_addresses(apps, schema_editor):
    """Lower-case stored addresses; stop, naming them, if two would become the same."""
    User = apps.get_model("accounts", "User")
    taken = {}
    for pk, email in User.objects.values_list("pk", "email").iterator():
        taken.setdefault(email.strip().lower(), []).append((pk, email))
    clashes = {key: rows for key, rows in taken.items() if len(rows) > 1}
    if clashes:
        listed = "; ".join(
            ", ".join(email for _, email in rows) for rows in list(clashes.values())[:20]
        )
        raise RuntimeError(
            "These accounts differ only in the case of their e-mail address and cannot both "
            f"keep it: {listed}. Rename or merge one of each pair, then migrate again."
        )
    for key, rows in taken.items():
        pk, email = rows[0]
        if email != key:
            User.objects.filter(pk=pk).update(email=key)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_import_jobs_and_invitation_batches"),
    ]

    operations = [
        migrations.RunPython(normalise_addresses, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "email",
                        django.db.models.functions.text.Lower(
                            django.db.models.functions.text.Trim("email")
                        ),
                    )
                ),
                name="user_email_normalised",
            ),
        ),
    ]
