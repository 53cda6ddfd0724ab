"""What the review page shows, read in one place: the version, its redline, comments, stages
and which actions this person may take. Reads only; it sits above workflow because it asks
workflow's rules, which selectors cannot import without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import SafeString

from accounts.access import can_edit_drafts
from accounts.models import Membership, StaffGroup, User
from guidelines import cases as case_library
from guidelines.compare import changed_count, compare_content
from guidelines.completeness import unchanged_from_template
from guidelines.models import Guideline, Version
from guidelines.schema import Section, run_checks
from guidelines.sections import SECTIONS

from . import anchors, selectors, services, suggestions, workflow
from . import threads as thread_reading
from .models import Decision, ReviewRequest, Rule, Signature, Suggestion
from .workflow import WorkflowError


@dataclass(frozen=True)
class ReviewPage:
    """Everything the review page draws except its forms; field names are template names."""

    review: ReviewRequest
    version: Version
    guideline: Guideline
    signatures: list[Signature]
    decision: Decision | None
    stages: list[dict[str, Any]]
    sections: list[dict[str, Any]]
    cases: list[dict[str, Any]]  # published with the version: reviewers sign them too
    mode: str  # "", "approved" or "seen": which redline is drawn
    baseline: Version | None
    baseline_approved: Version | None
    baseline_seen: Version | None
    changed_sections: int
    unchanged_sections: int  # sections still word for word the starter template
    open_threads: int
    comment_count: int
    may_comment: bool
    may_suggest: bool
    pending_suggestions: int  # suggested edits in this review still waiting for the author
    may_sign: bool
    sign_refusal: str | None
    may_withdraw: bool
    may_revise: bool
    second_factor: bool  # signing asks for an authenticator code
    overdue: bool

    def as_context(self) -> dict[str, Any]:
        """The fields as a template context (shallow: the objects themselves, not copies)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _stages(review: ReviewRequest, signatures: list[Signature]) -> list[dict[str, Any]]:
    """The route's stages with their state (done, current, stopped, pending) and signatures."""
    stages = []
    for index, stage in enumerate(review.route):
        if review.status == ReviewRequest.Status.APPROVED or index < review.stage_index:
            state = "done"
        elif index == review.stage_index and review.status == ReviewRequest.Status.OPEN:
            state = "current"
        elif index == review.stage_index:
            state = "stopped"
        else:
            state = "pending"
        stages.append(
            {
                **stage,
                "number": index + 1,
                "state": state,
                "rule_label": Rule(stage["rule"]).label.replace(" N ", f" {stage['quorum']} "),
                "signatures": [s for s in signatures if s.stage_index == index],
            }
        )
    return stages


def _cases(version: Version) -> list[dict[str, Any]]:
    """The version's worked cases as staff will read them, with whom the quiz asks each of
    (one query for the groups' names, none when no case names a group)."""
    cases = case_library.library(version.cases or [])
    named = case_library.named_groups(cases)
    names = dict(StaffGroup.objects.filter(pk__in=named).values_list("pk", "name")) if named else {}
    for case in cases:
        groups = [names.get(g, "a group since removed") for g in case.get("groups") or []]
        case["quiz_for"] = ", ".join(groups) if groups else "everyone"
    return cases


def _quoted(
    version: Version, threads: dict[str, list[thread_reading.Thread]]
) -> dict[str, SafeString]:
    """Each section's text with the words of its open threads marked, and on each thread where
    its words are now (``placement``) and its name in the text (``label``). Threads carried
    from an earlier version are re-read against that version's text: one query for those
    versions, however many threads."""
    older = {
        t["comment"].version_number
        for ts in threads.values()
        for t in ts
        if t["comment"].has_quote and t["comment"].version_number != version.number
    }
    contents = {version.number: version.content}
    if older:
        contents.update(
            Version.objects.filter(guideline_id=version.guideline_id, number__in=older).values_list(
                "number", "content"
            )
        )
    texts: dict[tuple[str, int], str] = {}
    markup: dict[str, SafeString] = {}

    def text_of(section: Section, number: int) -> str:
        if (section.key, number) not in texts:
            content = contents.get(number) or {}
            html = anchors.section_html(section, content.get(section.key))
            if number == version.number:
                markup[section.key] = html
            texts[(section.key, number)] = anchors.reader_text(html)
        return texts[(section.key, number)]

    for section in SECTIONS:
        marks = []
        for index, t in enumerate(threads.get(section.key, []), start=1):
            c = t["comment"]
            t["label"] = f"comment {index}"
            t["placement"] = None
            if not c.has_quote:
                continue
            anchor = anchors.Anchor(
                c.quote, c.quote_prefix, c.quote_suffix, c.quote_start or 0, c.quote_end or 0
            )
            now = text_of(section, version.number)
            if c.version_number == version.number:
                placement = anchors.Placement("anchored", c.quote, anchor=anchor)
            else:
                placement = anchors.place(
                    anchor, old_text=text_of(section, c.version_number), new_text=now
                )
            t["placement"] = placement
            if c.is_resolved:
                continue
            if placement.anchor is not None:
                marks.append(
                    anchors.Mark(placement.anchor.start, placement.anchor.end, c.pk, t["label"])
                )
            elif placement.passage is not None:
                start, end = placement.passage
                marks.append(anchors.Mark(start, end, c.pk, t["label"], changed=True))
        if section.key in markup:
            markup[section.key] = anchors.mark_quotes(markup[section.key], marks)
        else:
            markup[section.key] = anchors.section_html(section, version.content.get(section.key))
    return markup


# A comment number no thread has, for reversing the resolve route once per page.
_MARKER = 987654321987654321


def resolve_urls(threads: dict[str, list[thread_reading.Thread]]) -> None:
    """Give each thread the address its "Mark resolved" form posts to (``resolve_url``): the
    route reversed once and each thread's number put in, rather than a reversal per thread."""
    before, _, after = reverse("approvals:resolve", args=[_MARKER]).rpartition(str(_MARKER))
    for section_threads in threads.values():
        for t in section_threads:
            t["resolve_url"] = f"{before}{t['comment'].pk}{after}"


def review_page(
    review: ReviewRequest,
    *,
    membership: Membership,
    user: User,
    compare: str = "",
    request: HttpRequest | None = None,
) -> ReviewPage:
    """The review page for this reader; ``compare`` picks the redline ("approved" or "seen")."""
    version = review.version
    signatures = list(review.signatures.select_related("signer"))
    decision = Decision.objects.filter(review=review).select_related("actor").first()
    threads = thread_reading.threads_at(
        guideline_id=review.guideline_id,
        number=version.number,
        membership=membership,
        reviewer=thread_reading.is_route_reviewer(membership, review.guideline.organization_id),
    )

    quoted = _quoted(version, threads)
    resolve_urls(threads)
    suggested: dict[str, list[Suggestion]] = {}
    for suggestion in review.suggestions.select_related("author", "decided_by"):
        suggested.setdefault(suggestion.section_key, []).append(suggestion)

    baseline_approved = selectors.last_approved(version, text=compare == "approved")
    baseline_seen = selectors.last_seen(version, user.pk, text=compare == "seen")
    if baseline_seen and baseline_approved and baseline_seen.pk == baseline_approved.pk:
        baseline_seen = None  # the same redline twice would only confuse
    baseline = {"approved": baseline_approved, "seen": baseline_seen}.get(compare)
    mode = compare if baseline is not None else ""
    diffs = compare_content(SECTIONS, baseline.content, version.content) if baseline else []
    # What the author's checklist said, so the reviewer reads the same warnings.
    organization = review.guideline.organization
    jurisdiction = organization.jurisdiction
    unchanged = unchanged_from_template(version.content, organization.placeholder_context())
    sections = [
        {
            "unchanged": section.key in unchanged,
            "flags": [
                r
                for r in run_checks(section, version.content.get(section.key), jurisdiction)
                if not r.passed
            ],
            "section": section,
            "number": index + 1,
            "html": quoted[section.key],
            "diff": diffs[index] if diffs else None,
            "threads": threads.get(section.key, []),
            "suggestions": suggested.get(section.key, []),
        }
        for index, section in enumerate(SECTIONS)
    ]

    is_open = review.status == ReviewRequest.Status.OPEN
    # Refusal reasons are shown next to the disabled action, so nobody wonders why.
    sign_refusal = None
    if is_open:
        try:
            workflow.check_can_sign(review, membership, [s.signer_id for s in signatures])
        except WorkflowError as exc:
            sign_refusal = str(exc)
    may_revise = (
        review.status in (ReviewRequest.Status.CHANGES_REQUESTED, ReviewRequest.Status.WITHDRAWN)
        and can_edit_drafts(membership)
        and not review.guideline.versions.filter(number__gt=version.number).exists()
    )
    return ReviewPage(
        review=review,
        version=version,
        guideline=review.guideline,
        signatures=signatures,
        decision=decision,
        stages=_stages(review, signatures),
        sections=sections,
        cases=_cases(version),
        mode=mode,
        baseline=baseline,
        baseline_approved=baseline_approved,
        baseline_seen=baseline_seen,
        changed_sections=changed_count(diffs) if diffs else 0,
        unchanged_sections=len(unchanged),
        open_threads=sum(1 for ts in threads.values() for t in ts if not t["comment"].is_resolved),
        comment_count=sum(1 + len(t["replies"]) for ts in threads.values() for t in ts),
        may_comment=services.can_comment(review, membership),
        may_suggest=is_open and suggestions.can_suggest(review, membership),
        pending_suggestions=sum(1 for items in suggested.values() for s in items if s.is_pending),
        may_sign=is_open and sign_refusal is None,
        sign_refusal=sign_refusal,
        may_withdraw=workflow.can_withdraw(review, membership),
        may_revise=may_revise,
        second_factor=workflow.second_factor_required(review, user, request),
        overdue=review.is_overdue(),
    )
