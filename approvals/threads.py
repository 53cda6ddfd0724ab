"""Comment threads read across versions: where a guideline stands now, who counts as a
reviewer for closing a thread, and the threads a page shows, in a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Max

from accounts.access import can_edit_drafts
from accounts.models import Membership
from guidelines.models import Draft, Guideline

from .models import ApprovalStage, Comment

Thread = dict[str, Any]  # {"comment", "replies", "carried", "may_resolve"}, drawn by templates


def current_number(guideline_id: int) -> int:
    """The version a thread is resolved "in" now: the draft being revised (it will take the next
    number), or else the latest version."""
    latest = Guideline.objects.filter(pk=guideline_id).aggregate(n=Max("versions__number"))["n"]
    latest = latest or 0
    if Draft.objects.filter(guideline_id=guideline_id, is_open=True).exists():
        return latest + 1
    return latest


def route_role_ids(organization_id: int) -> set[int]:
    """The reviewer roles of the institution's approval route as it stands."""
    return set(
        ApprovalStage.objects.filter(route__organization_id=organization_id).values_list(
            "reviewer_role_id", flat=True
        )
    )


def is_route_reviewer(membership: Membership | None, organization_id: int) -> bool:
    """Holds a reviewer role that is a stage of this institution's route."""
    if membership is None or not membership.is_active:
        return False
    if membership.organization_id != organization_id or not membership.reviewer_role_ids:
        return False
    return bool(membership.reviewer_role_ids & route_role_ids(organization_id))


def may_resolve(thread: Comment, membership: Membership | None, *, reviewer: bool) -> bool:
    """A reviewer of the route closes any thread; the person who opened a thread closes it too,
    unless they opened it as a reviewer (then it waits for a reviewer). Nobody else does.
    ``reviewer`` is ``is_route_reviewer`` for this member, asked once per page."""
    if membership is None or not membership.is_active or thread.parent_id is not None:
        return False
    if reviewer:
        return True
    return not thread.by_reviewer and thread.author_id == membership.user_id


def capacity(membership: Membership | None, role_names: dict[int, str]) -> tuple[str, bool]:
    """In what capacity this member writes on a review whose route has ``role_names``
    ({role id: name}): ("Legal reviewer", True), or ("Author", False) and so on."""
    if membership is None:
        return "", False
    held = sorted(role_names[pk] for pk in membership.reviewer_role_ids if pk in role_names)
    if held:
        return " and ".join(held) + " reviewer", True
    if membership.is_admin:
        return "Admin", False
    if can_edit_drafts(membership):
        return "Author", False
    return "", False


def threads_at(
    *,
    guideline_id: int,
    number: int,
    membership: Membership | None,
    reviewer: bool,
    section_key: str | None = None,
    roots: list[Comment] | None = None,
) -> dict[str, list[Thread]]:
    """Threads a reader of version ``number`` sees, per section, each with its replies in order:
    two queries however many threads there are, one when the caller has read the threads'
    first comments already (``roots``: ``Comment.objects.threads_at``'s, in its order, with
    their authors and resolvers)."""
    if roots is not None:
        root_list = roots
    else:
        queryset = Comment.objects.threads_at(
            guideline_id=guideline_id, number=number
        ).select_related("author", "resolved_by")
        if section_key is not None:
            queryset = queryset.filter(section_key=section_key)
        root_list = list(queryset)
    replies: dict[int, list[Comment]] = {}
    if root_list:
        for reply in Comment.objects.filter(parent__in=[r.pk for r in root_list]).select_related(
            "author"
        ):
            replies.setdefault(reply.parent_id or 0, []).append(reply)
    by_section: dict[str, list[Thread]] = {}
    for root in root_list:
        by_section.setdefault(root.section_key, []).append(
            {
                "comment": root,
                "replies": replies.get(root.pk, []),
                "carried": root.version_number < number,
                "may_resolve": may_resolve(root, membership, reviewer=reviewer),
            }
        )
    return by_section
