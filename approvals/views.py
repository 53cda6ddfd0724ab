from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.access import DRAFT_EDITORS, active_org, get_for_org, require_role
from accounts.http import MemberRequest
from accounts.models import Role
from guidelines.completeness import failing_checks
from guidelines.models import Draft, Guideline
from guidelines.sections import SECTIONS
from sso import reauth

from . import selectors, services, suggestions, workflow
from .forms import (
    CommentForm,
    DeclineSuggestionForm,
    RequestChangesForm,
    SignOffForm,
    StageFormSet,
    SubmitForm,
    SuggestForm,
    WithdrawForm,
)
from .models import ApprovalRoute, Comment, ReviewRequest, Signature, Suggestion
from .review_page import review_page
from .services import StageSpec
from .workflow import WorkflowError

READERS = (Role.REVIEWER, Role.AUTHOR, Role.ADMIN, Role.AUDITOR)
COMMENTERS = (Role.REVIEWER, Role.AUTHOR, Role.ADMIN)


def _url_or_none(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _review(request: HttpRequest, pk: int) -> ReviewRequest:
    return get_for_org(
        ReviewRequest.objects.select_related(
            "guideline__organization", "version__created_by", "submitted_by"
        ),
        request,
        org_field="guideline__organization",
        pk=pk,
    )


# --- route -----------------------------------------------------------------------------------


def _posted_revision(request: HttpRequest) -> int:
    """The route revision the editor was loaded with (-1, never current, if missing)."""
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return -1


@require_role(Role.ADMIN)
def route(request: MemberRequest) -> HttpResponse:
    """Admins: the ordered stages every version passes before it is approved."""
    org = active_org(request)
    current = ApprovalRoute.objects.filter(organization=org).first()
    stages = list(current.stages.select_related("reviewer_role")) if current else []
    initial = [
        {
            "reviewer_role": s.reviewer_role,
            "rule": s.rule,
            "quorum": s.quorum,
            "due_days": s.due_days,
            "ORDER": s.order,
        }
        for s in stages
    ]
    formset = StageFormSet(
        request.POST or None,
        form_kwargs={"organization": org},
        initial=initial,
        prefix="stages",
    )
    revision = current.revision if current else 0
    conflict = False
    if request.method == "POST" and formset.is_valid():
        specs = [
            StageSpec(
                reviewer_role=form.cleaned_data["reviewer_role"],
                rule=form.cleaned_data["rule"],
                quorum=form.cleaned_data["quorum"],
                due_days=form.cleaned_data["due_days"],
            )
            for form in formset.ordered_forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            services.save_route(
                organization=org,
                stages=specs,
                by=request.user,
                revision=_posted_revision(request),
                request=request,
            )
        except services.RouteConflict as exc:
            # Keep the typing, show the route as it now is; saving again is a deliberate choice.
            messages.error(request, str(exc))
            conflict = True
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Approval route saved. Reviews under way keep their route.")
            return redirect("approvals:route")
    if conflict:
        current = ApprovalRoute.objects.filter(organization=org).first()
        stages = list(current.stages.select_related("reviewer_role")) if current else []
        revision = current.revision if current else 0
    elif request.method == "POST":
        # A refused save keeps the revision the editor was loaded with.
        revision = _posted_revision(request)
    open_count = ReviewRequest.objects.filter(
        guideline__organization=org, status=ReviewRequest.Status.OPEN
    ).count()
    return render(
        request,
        "approvals/route.html",
        {
            "formset": formset,
            "revision": revision,
            "conflict": conflict,
            "stages": stages,
            "open_count": open_count,
            "has_roles": org.reviewer_roles.exists(),
            "roles_url": _url_or_none("accounts:groups"),
        },
        status=409 if conflict else 200,
    )


# --- inbox -----------------------------------------------------------------------------------


@require_role(Role.REVIEWER)
def inbox(request: MemberRequest) -> HttpResponse:
    """Reviewers: what waits for my sign-off, oldest first, and what else is under way."""
    items = selectors.open_reviews(request.membership)
    return render(
        request,
        "approvals/inbox.html",
        {
            "mine": [i for i in items if i.mine],
            "others": [i for i in items if not i.mine],
        },
    )


# --- signed by me ----------------------------------------------------------------------------

SIGNED_PER_PAGE = 25


@require_role(Role.REVIEWER)
def signed_by_me(request: MemberRequest) -> HttpResponse:
    """Reviewers: every signature they gave in this institution, newest first, for their records."""
    signatures = (
        Signature.objects.filter(
            signer_id=request.user.pk,
            review__guideline__organization_id=request.membership.organization_id,
        )
        .select_related("version__guideline")
        .order_by("-signed_at", "-pk")
    )
    page = Paginator(signatures, SIGNED_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "approvals/signed_by_me.html", {"page": page})


# --- submit ----------------------------------------------------------------------------------


def _submit_page(
    request: HttpRequest, guideline: Guideline, draft: Draft | None, form: SubmitForm
) -> HttpResponse:
    jurisdiction = guideline.organization.jurisdiction
    failing = failing_checks(draft.content(), jurisdiction) if draft else []
    route_obj = ApprovalRoute.objects.filter(organization=guideline.organization_id).first()
    open_review = ReviewRequest.objects.filter(
        guideline=guideline, status=ReviewRequest.Status.OPEN
    ).first()
    return render(
        request,
        "approvals/submit.html",
        {
            "guideline": guideline,
            "draft": draft,
            "failing": failing,
            "ready": draft is not None and not failing and open_review is None,
            "route": route_obj.snapshot() if route_obj else [],
            "submit_form": form,
            "open_review": open_review,
            "wizard_url": _url_or_none("guidelines:checklist", guideline.pk),
            "pending_suggestions": list(suggestions.pending(guideline.pk).select_related("author"))
            if draft is not None
            else [],
            "titles": {s.key: s.title for s in SECTIONS},
        },
    )


@require_role(*DRAFT_EDITORS)
def submit(request: MemberRequest, guideline_pk: int) -> HttpResponse:
    """Authors and admins: freeze the open draft into a version and start its review."""
    guideline = get_for_org(Guideline.objects.all(), request, pk=guideline_pk)
    draft = Draft.objects.filter(guideline=guideline, is_open=True).first()
    form = SubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if draft is None:
            form.add_error(None, "There is no open draft to submit.")
        else:
            try:
                review = workflow.submit(
                    draft=draft,
                    by=request.user,
                    membership=request.membership,
                    change_summary=form.cleaned_data["change_summary"],
                    request=request,
                )
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    f"Version {review.version.number} is frozen and sent to "
                    f"{review.route[0]['role_name']} review.",
                )
                return redirect("approvals:review", pk=review.pk)
    return _submit_page(request, guideline, draft, form)


# --- the review page -----------------------------------------------------------------------


def _kept_text(form: forms.Form | None) -> str:
    if form is None:
        return ""
    for name in ("comment", "reason", "body", "replacement"):
        value = form.data.get(name, "")
        if value.strip():
            return str(value)
    return ""


def _proof_mfa(proof: reauth.Proof | None) -> bool:
    return proof is not None and bool(proof.mfa)


def _signing(request: MemberRequest, review: ReviewRequest) -> dict[str, Any]:
    """How this signer proves who they are: their password, or a fresh sign-in at their
    institution's identity provider (the only way for people without a usable password)."""
    org = review.guideline.organization
    return {
        "provider_proof": reauth.current(request, org),
        "signing_provider": reauth.signing_provider(request.user, org),
        "password_signing": reauth.password_signing_allowed(request.user),
    }


def _form_for(form: forms.Form | None, section_key: str) -> forms.Form | None:
    """``form`` when it was posted for this section (a refused comment or suggestion)."""
    return form if form is not None and form["section"].value() == section_key else None


def _review_page(
    request: MemberRequest,
    review: ReviewRequest,
    *,
    sign_form: SignOffForm | None = None,
    changes_form: RequestChangesForm | None = None,
    withdraw_form: WithdrawForm | None = None,
    comment_form: CommentForm | None = None,
    suggest_form: SuggestForm | None = None,
    kept: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    page = review_page(
        review,
        membership=request.membership,
        user=request.user,
        compare=request.GET.get("compare", ""),
        request=request,
    )
    signing = _signing(request, review) if page.may_sign else {"provider_proof": None}
    # A refused comment or suggestion comes back filled in under its own section; every other
    # section's form is blank. Decided here once rather than at each of the form's fields.
    for item in page.sections:
        item["comment_form"] = _form_for(comment_form, item["section"].key)
        item["suggest_form"] = _form_for(suggest_form, item["section"].key)
    return render(
        request,
        "approvals/review.html",
        {
            **page.as_context(),
            **signing,
            "sign_form": sign_form
            or SignOffForm(
                second_factor=page.second_factor and not _proof_mfa(signing["provider_proof"]),
                password=signing["provider_proof"] is None,
            ),
            "changes_form": changes_form or RequestChangesForm(),
            "withdraw_form": withdraw_form or WithdrawForm(),
            # The token field every form on the page carries, drawn once: the page has a reply
            # and a resolve form per thread and two forms per section.
            "csrf_input": csrf_input(request),
            # What a refused action's form held, shown back so nothing typed is lost.
            "kept_text": _kept_text(kept),
            "version_url": _url_or_none(
                "guidelines:version", review.guideline_id, review.version.number
            ),
        },
        status=status,
    )


@require_role(*READERS)
def review(request: MemberRequest, pk: int) -> HttpResponse:
    """Reviewers, authors, admins and auditors: the version under review, its redline and
    comments, and the sign-off and request-changes actions for the reviewers whose turn it is.
    """
    return _review_page(request, _review(request, pk))


@require_POST
@require_role(*READERS)
def seen(request: MemberRequest, pk: int) -> HttpResponse:
    """Readers of a review: record that the version is in front of them, so a later version
    can be compared with it. The page posts this once drawn; reading it (GET) writes nothing.
    """
    obj = _review(request, pk)
    services.mark_seen(user=request.user, version=obj.version)
    return HttpResponse(status=204)


@require_POST
@require_role(Role.REVIEWER)
def sign_off(request: MemberRequest, pk: int) -> HttpResponse:
    """Reviewers whose stage it is: sign the version with their password, or after a fresh
    sign-in at their institution's identity provider."""
    obj = _review(request, pk)
    org = obj.guideline.organization
    proof = None
    if request.POST.get("confirmed") == "provider":
        proof = reauth.current(request, org)
        if proof is None:
            messages.error(
                request,
                "Not signed: the confirmation from your hospital account has expired. Confirm "
                "again, then sign.",
            )
            return _review_page(request, obj, status=400)
    form = SignOffForm(
        request.POST,
        second_factor=workflow.second_factor_required(obj, request.user, request, proof),
        password=proof is None,
    )
    if form.is_valid():
        try:
            workflow.sign_off(
                review=obj,
                by=request.user,
                membership=request.membership,
                password=form.cleaned_data.get("password", ""),
                otp_token=form.cleaned_data.get("otp_token", ""),
                request=request,
                provider_proof=proof,
            )
        except WorkflowError as exc:
            messages.error(request, str(exc))
            return _review_page(request, obj, sign_form=form, status=400)
        else:
            if proof is not None:
                reauth.take(request, org)  # one fresh sign-in, one signature
            if obj.status == ReviewRequest.Status.APPROVED:
                messages.success(request, f"Signed. Version {obj.version.number} is approved.")
            else:
                messages.success(request, "Signed. Thank you.")
            return redirect("approvals:review", pk=obj.pk)
    messages.error(request, "Not signed: enter your password.")
    return _review_page(request, obj, sign_form=form, status=400)


def _decide(
    request: MemberRequest,
    obj: ReviewRequest,
    form: Any,  # whichever decision form; passed back to the page under ``form_name``
    *,
    form_name: str,
    act: Callable[[dict[str, Any]], object],
    done: str,
    invalid: str,
) -> HttpResponse:
    """Run a decision that ends the review from its form; on refusal, show the review page
    again with the message and what was typed."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except WorkflowError as exc:
            messages.error(request, str(exc))
            return _review_page(request, obj, **{form_name: form}, kept=form, status=400)
        messages.success(request, done)
        return redirect("approvals:review", pk=obj.pk)
    messages.error(request, invalid)
    return _review_page(request, obj, **{form_name: form}, status=400)


@require_POST
@require_role(Role.REVIEWER)
def request_changes(request: MemberRequest, pk: int) -> HttpResponse:
    """Reviewers whose stage it is: send the version back to the author with a comment."""
    obj = _review(request, pk)
    return _decide(
        request,
        obj,
        RequestChangesForm(request.POST),
        form_name="changes_form",
        act=lambda data: workflow.request_changes(
            review=obj,
            by=request.user,
            membership=request.membership,
            comment=data["comment"],
            request=request,
        ),
        done="Changes requested. The author has been told.",
        invalid="Changes were not requested: write what needs to change.",
    )


@require_POST
@require_role(Role.AUTHOR, Role.ADMIN)
def withdraw(request: MemberRequest, pk: int) -> HttpResponse:
    """The version's author or an admin: take the version out of review, with a reason."""
    obj = _review(request, pk)
    return _decide(
        request,
        obj,
        WithdrawForm(request.POST),
        form_name="withdraw_form",
        act=lambda data: workflow.withdraw(
            review=obj,
            by=request.user,
            membership=request.membership,
            reason=data["reason"],
            request=request,
        ),
        done="Withdrawn. The reviewers have been told.",
        invalid="Not withdrawn: give a reason.",
    )


@require_POST
@require_role(*COMMENTERS)
def comment(request: MemberRequest, pk: int) -> HttpResponse:
    """Reviewers, authors and admins: comment on a section, or reply in a thread."""
    obj = _review(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        parent = None
        if form.cleaned_data["parent"]:
            parent = Comment.objects.filter(
                pk=form.cleaned_data["parent"], guideline_id=obj.guideline_id
            ).first()
            if parent is None:
                raise Http404("No such thread")
        try:
            created = services.add_comment(
                review=obj,
                by=request.user,
                membership=request.membership,
                section_key=form.cleaned_data["section"],
                body=form.cleaned_data["body"],
                parent=parent,
                quote=form.cleaned_data["quote"] or "",
                quote_prefix=form.cleaned_data["quote_prefix"] or "",
                quote_suffix=form.cleaned_data["quote_suffix"] or "",
                quote_start=form.cleaned_data["quote_start"],
                request=request,
            )
        except WorkflowError as exc:
            form.add_error(None, str(exc))
            messages.error(request, str(exc))
            return _review_page(request, obj, comment_form=form, kept=form, status=400)
        else:
            messages.success(request, "Comment posted.")
            url = reverse("approvals:review", args=[obj.pk])
            return redirect(f"{url}#comment-{created.pk}")
    messages.error(request, "The comment was not posted: write it in the section's form.")
    # Refused as sent (too long, or for no section): what was typed is shown back to copy.
    return _review_page(request, obj, comment_form=form, kept=form, status=400)


def _thread(request: HttpRequest, pk: int) -> Comment:
    return get_for_org(
        Comment.objects.select_related("guideline__organization", "parent"),
        request,
        org_field="guideline__organization",
        pk=pk,
    )


def _back_to_thread(request: HttpRequest, thread: Comment) -> HttpResponse:
    """Back where the button was (the wizard step or a review page), at the thread."""
    target = request.POST.get("next", "")
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        latest = (
            ReviewRequest.objects.filter(guideline_id=thread.guideline_id)
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        )
        target = reverse("approvals:review", args=[latest or thread.review_id])
    return redirect(f"{target.split('#')[0]}#thread-{thread.pk}")


@require_POST
@require_role(*COMMENTERS)
def resolve(request: MemberRequest, pk: int) -> HttpResponse:
    """The person who opened a thread, or a reviewer of the route: mark it resolved, or reopen
    it, in whichever version the guideline is now. A reviewer's thread waits for a reviewer."""
    obj = _thread(request, pk)
    resolved = request.POST.get("resolved", "1") == "1"
    try:
        services.set_resolved(
            comment=obj,
            by=request.user,
            membership=request.membership,
            resolved=resolved,
            request=request,
        )
    except services.ResolveRefused as exc:
        raise PermissionDenied(str(exc)) from exc
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Thread resolved." if resolved else "Thread reopened.")
    return _back_to_thread(request, obj)


@require_POST
@require_role(*DRAFT_EDITORS)
def reply(request: MemberRequest, pk: int) -> HttpResponse:
    """Authors and admins, while revising: answer a reviewer's thread beside the wizard step."""
    obj = _thread(request, pk)
    body = request.POST.get("body", "")
    try:
        services.reply_while_revising(
            thread=obj, by=request.user, membership=request.membership, body=body, request=request
        )
    except WorkflowError as exc:
        messages.error(request, f"The reply was not posted: {exc}")
        # What was typed comes back in the message's page only through the browser's history;
        # keep it short, so say it plainly rather than lose it silently.
        if body.strip():
            messages.info(request, f"Your reply was: {body.strip()[:500]}")
    else:
        messages.success(request, "Reply posted.")
    return _back_to_thread(request, obj)


@require_POST
@require_role(*DRAFT_EDITORS)
def revise(request: MemberRequest, pk: int) -> HttpResponse:
    """Authors and admins: start a new draft copied from a version sent back by reviewers."""
    obj = _review(request, pk)
    try:
        services.start_revision(
            review=obj,
            by=request.user,
            membership=request.membership,
            request=request,
        )
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("approvals:review", pk=obj.pk)
    messages.success(
        request,
        f"A new draft copied from version {obj.version.number} is open. "
        "Make the changes, then submit it for review again.",
    )
    target = _url_or_none("guidelines:detail", obj.guideline_id)
    return redirect(target or reverse("approvals:submit", args=[obj.guideline_id]))


# --- suggested edits -------------------------------------------------------------------------


@require_POST
@require_role(Role.REVIEWER)
def suggest(request: MemberRequest, pk: int) -> HttpResponse:
    """Reviewers of the guideline's route: propose new words for words of a section."""
    obj = _review(request, pk)
    if not suggestions.can_suggest(obj, request.membership):
        raise PermissionDenied("Only reviewers of this guideline's route can suggest edits.")
    form = SuggestForm(request.POST)
    if form.is_valid():
        try:
            created = suggestions.propose(
                review=obj,
                by=request.user,
                membership=request.membership,
                section_key=form.cleaned_data["section"],
                quote=form.cleaned_data["quote"],
                replacement=form.cleaned_data["replacement"],
                prefix=form.cleaned_data["before"],
                suffix=form.cleaned_data["after"],
                request=request,
            )
        except suggestions.SuggestRefused as exc:
            raise PermissionDenied(str(exc)) from exc
        except suggestions.SuggestionError as exc:
            form.add_error(None, str(exc))
            messages.error(request, f"The edit was not suggested. {exc}")
            return _review_page(request, obj, suggest_form=form, kept=form, status=400)
        else:
            messages.success(request, "Edit suggested. The author accepts or declines it.")
            url = reverse("approvals:review", args=[obj.pk])
            return redirect(f"{url}#suggestion-{created.pk}")
    messages.error(request, "The edit was not suggested: see the message beside the section.")
    return _review_page(request, obj, suggest_form=form, status=400)


def _suggestion(request: HttpRequest, pk: int) -> Suggestion:
    return get_for_org(
        Suggestion.objects.select_related("guideline__organization", "author"),
        request,
        org_field="guideline__organization",
        pk=pk,
    )


def _back_to_suggestion(request: HttpRequest, obj: Suggestion) -> HttpResponse:
    """Back to the wizard step the buttons were on (or the section's step), at the list."""
    target = request.POST.get("next", "")
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("guidelines:step", args=[obj.guideline_id, obj.section_key])
    return redirect(f"{target.split('#')[0]}#suggestions")


@require_POST
@require_role(*DRAFT_EDITORS)
def accept_suggestion(request: MemberRequest, pk: int) -> HttpResponse:
    """Authors and admins: put a reviewer's suggested words into the draft (a saved revision)."""
    obj = _suggestion(request, pk)
    try:
        done = suggestions.accept(
            suggestion=obj, by=request.user, membership=request.membership, request=request
        )
    except suggestions.DecisionRefused as exc:
        raise PermissionDenied(str(exc)) from exc
    except suggestions.SuggestionError as exc:
        messages.error(request, str(exc))
    else:
        if done.state == Suggestion.State.ACCEPTED:
            messages.success(
                request,
                f"Suggestion accepted: “{done.quote}” is now “{done.replacement}”. "
                "The section's history has the change.",
            )
        else:
            messages.warning(request, f"Suggestion outdated. {done.reason}")
    return _back_to_suggestion(request, obj)


@require_role(*DRAFT_EDITORS)
def decline_suggestion(request: MemberRequest, pk: int) -> HttpResponse:
    """Authors and admins: decline a suggested edit, saying why (the reviewer is told)."""
    obj = _suggestion(request, pk)
    if not suggestions.can_decide(obj.guideline, request.membership):
        raise PermissionDenied("Only social media managers and admins decide suggested edits.")
    form = DeclineSuggestionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                suggestions.decline(
                    suggestion=obj,
                    by=request.user,
                    membership=request.membership,
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except suggestions.SuggestionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Suggestion declined. The reviewer sees your reason.")
                return _back_to_suggestion(request, obj)
        status = 400
    return render(
        request,
        "approvals/decline_suggestion.html",
        {
            "suggestion": obj,
            "form": form,
            "next": request.POST.get("next") or request.GET.get("next", ""),
            "step_url": reverse("guidelines:step", args=[obj.guideline_id, obj.section_key]),
        },
        status=status,
    )
