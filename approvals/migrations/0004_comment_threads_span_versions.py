"""Comment threads follow a guideline from version to version: each comment knows its
guideline and the version it was written against, and a resolution the version it was made in.
Existing comments are filled in from their review; a thread resolved before is resolved in the
version it was written on."""

import django.db.models.deletion
from django.db import migrations, models


def fill_in(apps, schema_editor):
    Comment = apps.get_model("approvals", "Comment")
    Membership = apps.get_model("accounts", "Membership")
    for comment in Comment.objects.select_related("review__version").order_by("pk").iterator():
        review = comment.review
        comment.guideline_id = review.guideline_id
        comment.version_number = review.version.number
        if comment.resolved_at is not None:
            comment.resolved_in_version = comment.version_number
        route_roles = {int(stage["role_id"]): stage["role_name"] for stage in review.route}
        membership = Membership.objects.filter(
            user_id=comment.author_id, organization_id=review.guideline.organization_id
        ).first()
        held = []
        if membership is not None:
            held = [
                route_roles[pk]
                for pk in membership.reviewer_roles.values_list("pk", flat=True)
                if pk in route_roles
            ]
        comment.by_reviewer = bool(held)
        if held:
            comment.author_role = f"{held[0]} reviewer"
        elif membership is not None and membership.is_admin:
            comment.author_role = "Admin"
        else:
            comment.author_role = "Author"
        comment.save(
            update_fields=[
                "guideline",
                "version_number",
                "resolved_in_version",
                "by_reviewer",
                "author_role",
            ]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("guidelines", "0001_initial"),
        ("approvals", "0003_route_revision"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="guideline",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="guidelines.guideline",
            ),
        ),
        migrations.AddField(
            model_name="comment",
            name="version_number",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="comment",
            name="author_role",
            field=models.CharField(blank=True, max_length=120),
        ),
        migrations.AddField(
            model_name="comment",
            name="by_reviewer",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="comment",
            name="resolved_in_version",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="comment",
            name="review",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="comments",
                to="approvals.reviewrequest",
            ),
        ),
        migrations.RunPython(fill_in, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="comment",
            name="guideline",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="guidelines.guideline",
            ),
        ),
        migrations.AlterField(
            model_name="comment",
            name="version_number",
            field=models.PositiveIntegerField(),
        ),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(
                fields=["guideline", "parent", "version_number"],
                name="approvals_c_guideli_6110d7_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="comment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("resolved_at__isnull", True), ("resolved_in_version__isnull", True)
                )
                | models.Q(("resolved_at__isnull", False), ("resolved_in_version__isnull", False)),
                name="comment_resolution_complete",
            ),
        ),
    ]
