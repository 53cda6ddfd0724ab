"""The migration that lets threads span versions fills in the comments already there: their
guideline and version from their review, the capacity they were written in, and a resolved
thread as resolved in the version it was written on."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from approvals.models import Comment
from approvals.services import add_comment

BEFORE = [("approvals", "0003_route_revision")]


@pytest.mark.django_db(transaction=True)
def test_existing_comments_are_filled_in(review, legal, author):
    theirs = add_comment(
        review=review, by=legal.user, membership=legal.membership, section_key="scope", body="?"
    )
    mine = add_comment(
        review=review, by=author.user, membership=author.membership, section_key="scope", body="!"
    )
    Comment.objects.filter(pk=mine.pk).update(
        resolved_at=timezone.now(), resolved_by=author.user, resolved_in_version=1
    )
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # as the comments were stored before threads spanned versions
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    theirs, mine = Comment.objects.get(pk=theirs.pk), Comment.objects.get(pk=mine.pk)
    assert theirs.guideline_id == review.guideline_id and theirs.version_number == 1
    assert theirs.by_reviewer and theirs.author_role == "Legal reviewer"
    assert not mine.by_reviewer and mine.author_role == "Author"
    assert mine.is_resolved and mine.resolved_in_version == 1
    assert theirs.resolved_in_version is None
