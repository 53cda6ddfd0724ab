"""Each audit event as a sentence a compliance officer reads, from what the event recorded.

The trail sits below the guideline apps, so a guideline's title is read from the trail itself:
the event's own ``details["guideline"]``, or the title recorded when the guideline was created.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .models import AuditEvent

# The kinds of event a reader filters by, each a set of action prefixes.
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "sign_in": (
        "Signing in",
        (
            "accounts.user.signed_in",
            "accounts.user.signed_out",
            "accounts.user.sign_in_failed",
            "accounts.two_factor.",
            "accounts.user.password_set",
            "accounts.organization.switched",
        ),
    ),
    "people": (
        "People and roles",
        (
            "accounts.person.",
            "accounts.invitation",
            "accounts.roles.",
            "accounts.staff",
            "accounts.reviewer_role.",
            "accounts.security.",
            "accounts.user.email_settings_changed",
            "accounts.account",
            "accounts.platform_and_handle",
        ),
    ),
    "writing": ("Writing", ("guidelines.",)),
    "review": ("Review and sign-off", ("approvals.",)),
    "publishing": (
        "Publishing",
        (
            "publishing.version.published",
            "publishing.version.superseded",
            "publishing.campaign.targeted",
        ),
    ),
    "acknowledgement": (
        "Acknowledgements and reminders",
        ("publishing.version.acknowledged", "publishing.campaign.", "publishing.review_cycle."),
    ),
    "audit": ("Audit trail", ("audit.",)),
    "postcheck": ("Check my post", ("postcheck.",)),
    "integrations": ("API and integrations", ("integrations.",)),
}

# The events that name a guideline's title: as created, and each rename.
TITLE_ACTIONS = ("guidelines.guideline.created", "guidelines.guideline.renamed")

# action → sentence over {actor}, {title}, {object} and the event's details.
SENTENCES: dict[str, str] = {
    "postcheck.second_look.sent": "{actor} sent a draft post to the social media team",
    "postcheck.second_look.done": "{actor} marked a draft post as looked at",
    "accounts.user.signed_in": "{actor} signed in",
    "accounts.user.signed_out": "{actor} signed out",
    "accounts.user.sign_in_failed": "A sign-in as {actor} failed",
    "accounts.user.password_set": "{actor} set a new password",
    "accounts.user.email_settings_changed": "{actor} changed the e-mail settings of {object}",
    "accounts.organization.switched": "{actor} switched institution",
    "accounts.two_factor.enrolled": "{actor} turned on two-step sign-in",
    "accounts.two_factor.disabled": "{actor} turned off two-step sign-in",
    "accounts.two_factor.reset": "{actor} reset two-step sign-in for {object}",
    "accounts.two_factor.verified": "{actor} confirmed their identity with a second step",
    "accounts.two_factor.failed": "A second sign-in step for {object} failed",
    "accounts.two_factor.recovery_code_used": ("{actor} used a recovery code ({codes_left} left)"),
    "accounts.two_factor.recovery_codes_replaced": "{actor} replaced their recovery codes",
    "accounts.security.changed": "{actor} changed the institution's sign-in security",
    "accounts.person.invited": "{actor} invited {email}",
    "accounts.person.deactivated": "{actor} deactivated {object}",
    "accounts.person.reactivated": "{actor} reactivated {object}",
    "accounts.invitation.accepted": "{actor} accepted the invitation to join",
    "accounts.invitation.declined": "{actor} declined the invitation to join",
    "accounts.invitation.withdrawn": "{actor} withdrew the invitation of {object}",
    "accounts.invitations.requested": "{actor} asked for invitations to {people} people",
    "accounts.invitations.sent": "Invitations went to {people} people",
    "accounts.roles.changed": "{actor} changed the roles of {object}",
    "accounts.staff.imported": "{actor} imported a staff list",
    "accounts.staff_group.created": "{actor} created the staff group {object}",
    "accounts.reviewer_role.created": "{actor} created the reviewer role {object}",
    "accounts.platform_and_handle": "{actor} added the official account {object}",
    "accounts.account": "{actor} changed the official account {object}",
    "guidelines.guideline.created": "{actor} created the guideline {title}",
    "guidelines.guideline.renamed": "{actor} renamed the guideline {old_title} to {new_title}",
    "guidelines.draft.discarded": "{actor} discarded the open draft of {title}",
    "guidelines.draft.started": "{actor} started a new draft of {title}",
    "guidelines.section.saved": "{actor} edited the draft of {title}",
    "guidelines.quiz.saved": "{actor} saved the quiz of {title} ({questions} questions)",
    "guidelines.cases.saved": "{actor} saved the case library of {title} ({cases} cases)",
    "guidelines.version.frozen": "{actor} froze version {number} of {title}",
    "approvals.route.changed": "{actor} changed the approval route",
    "approvals.review.submitted": "{actor} submitted version {version} of {title} for review",
    "approvals.review.signed_off": "{actor} signed version {version} of {title} as {role}",
    "approvals.review.stage_started": "Review of {title} moved to stage {stage} ({role})",
    "approvals.review.approved": "Version {version} of {title} was approved",
    "approvals.review.changes_requested": (
        "{actor} asked for changes to version {version} of {title}"
    ),
    "approvals.review.withdrawn": "{actor} withdrew version {version} of {title} from review",
    "approvals.review.reminded": "Reviewers of {title} were reminded",
    "approvals.comment.added": "{actor} commented on {title}",
    "approvals.comment.resolved": "{actor} resolved a comment on {title}",
    "approvals.comment.reopened": "{actor} reopened a comment on {title}",
    "publishing.version.published": "{actor} published version {number} of {title}",
    "publishing.version.superseded": "An older version of {title} was superseded",
    "publishing.version.acknowledged": "{actor} acknowledged version {number} of {title}",
    "publishing.campaign.targeted": "{actor} chose who must acknowledge {title}",
    "publishing.campaign.reminders_requested": (
        "{actor} asked for acknowledgement reminders for {title}"
    ),
    "publishing.campaign.reminded": "{people} people were reminded to acknowledge {title}",
    "publishing.campaign.digest_sent": "The weekly acknowledgement summary for {title} was sent",
    "publishing.campaign.exported": "{actor} exported the acknowledgements of {title}",
    "publishing.campaign.schedule_changed": "{actor} changed the reminder schedule of {title}",
    "publishing.review_cycle.reminded": "{people} people were reminded that {title} is due review",
    "audit.events.exported": "{actor} exported the audit trail",
    "audit.evidence_pack.downloaded": "{actor} downloaded the evidence pack of {title}",
    "audit.chain.checked": "{actor} checked the audit trail's chain: {outcome}",
    "integrations.token.created": "{actor} made the API token {name} ({prefix}…)",
    "integrations.token.revoked": "{actor} revoked the API token {name} ({prefix}…)",
    "integrations.endpoint.created": "{actor} connected {object} ({host})",
    "integrations.endpoint.switched_on": "{actor} switched on {object}",
    "integrations.endpoint.switched_off": "{actor} switched off {object}",
    "integrations.endpoint.tested": "{actor} sent a test message to {object}",
    "integrations.delivery.replayed": "{actor} sent an event to {object} again",
}


class _Details(dict[str, Any]):
    """A detail the sentence names but the event did not record reads as "?"."""

    def __missing__(self, key: str) -> str:
        return "?"


def kind_of(action: str) -> str:
    """The kind key an action belongs to ('' when none)."""
    for key, (_label, prefixes) in KINDS.items():
        if action.startswith(prefixes):
            return key
    return ""


def readable_action(action: str) -> str:
    """An unknown action's code as words: 'x.campaign.reminders_requested' → 'Campaign
    reminders requested'."""
    parts = action.split(".")[1:] or action.split(".")
    words = " ".join(p.replace("_", " ") for p in parts).strip()
    return words[:1].upper() + words[1:] if words else "Event"


def guideline_titles(events: Iterable[AuditEvent], organization_id: int) -> dict[int, str]:
    """The current title of each guideline on the page (as created, or as last renamed), in
    one query."""
    ids = {e.guideline_id for e in events if e.guideline_id}
    if not ids:
        return {}
    rows = (
        AuditEvent.objects.filter(
            organization_id=organization_id, action__in=TITLE_ACTIONS, guideline_id__in=ids
        )
        .order_by("created_at", "id")
        .values_list("guideline_id", "details")
    )
    titles: dict[int, str] = {}
    for gid, details in rows:
        if gid is None or not isinstance(details, dict):
            continue
        title = details.get("new_title") or details.get("title")
        if title:
            titles[gid] = str(title)
    return titles


def sentence(event: AuditEvent, titles: Mapping[int, str]) -> str:
    """The event as one sentence; an action without a sentence reads as words, not a code."""
    actor = event.actor.full_name if event.actor is not None else ""
    actor = actor or event.actor_label or "Charter"
    details = event.details if isinstance(event.details, dict) else {}
    title = str(details.get("guideline") or "")
    if not title and event.guideline_id:
        title = titles.get(event.guideline_id, "")
    values = _Details({k: v for k, v in details.items() if not isinstance(v, (dict, list))})
    values.update(
        actor=actor,
        title=title or event.object_repr or f"guideline {event.guideline_id or ''}".strip(),
        object=event.object_repr or "someone",
    )
    template = SENTENCES.get(event.action)
    if template is None:
        text = f"{actor}: {readable_action(event.action).lower()}"
        return f"{text} ({event.object_repr})" if event.object_repr else text
    return template.format_map(values)
