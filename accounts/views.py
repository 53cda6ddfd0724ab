from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.services import record
from sso import policy as sso_policy
from sso import views as sso_views

from . import dates, directory, jobs, joining, services, staff_import
from .access import active_org, get_for_org, require_role
from .account_events import record_account_change, shared_with_another
from .emails import normalize_email
from .forms import (
    EmailLoginForm,
    EmailSettingsForm,
    ImportForm,
    InstitutionSettingsForm,
    InviteForm,
    MembershipForm,
    PeopleFilterForm,
    ReviewerRoleForm,
    StaffGroupForm,
    StaffPasswordResetForm,
)
from .http import MemberRequest, SignedInRequest
from .models import (
    DirectoryGroup,
    DirectoryToken,
    ImportJob,
    Membership,
    Notification,
    ReviewerRole,
    Role,
    StaffGroup,
)


class LoginView(auth_views.LoginView):
    """Anyone: sign in with e-mail and password, or be sent to the institution's provider."""

    form_class = EmailLoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """The e-mail decides: people whose institution signs in through its identity provider
        are sent there (or offered a choice when they belong to several)."""
        email = normalize_email(request.POST.get("username", ""))
        wants_sso = "sso" in request.POST
        refusal = sso_policy.passwords_refused_for(email) if email else None
        if email and (wants_sso or refusal):
            choices = sso_policy.providers_for(email)
            next_url = request.POST.get("next", "")
            if len(choices) == 1:
                return sso_views.send_to_provider(
                    request, choices[0], next_url=next_url, login_hint=email
                )
            if choices:
                return render(
                    request,
                    "sso/choose.html",
                    {"providers": choices, "email": email, "next": next_url},
                )
            if wants_sso:
                form = self.get_form_class()(request, initial={"username": email})
                messages.info(
                    request,
                    "Single sign-on is not set up for this address: sign in with your password.",
                )
                return self.render_to_response(self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """Anyone: ask for a password reset link by e-mail."""

    form_class = StaffPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "emails/password_reset.txt"
    html_email_template_name = "emails/password_reset.html"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Holder of a reset or invitation link: choose a password."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        """The password is the whole account's: every institution's trail records it."""
        with transaction.atomic():
            response = super().form_valid(form)
            record_account_change(
                "accounts.user.password_set", user=form.user, actor=form.user, request=self.request
            )
        return response


@require_POST
@require_role()
def switch(request: MemberRequest) -> HttpResponse:
    """Any member of several institutions: change the active one."""
    try:
        org = services.switch_organization(
            request=request, organization_id=int(request.POST.get("organization", "0"))
        )
    except (services.PeopleError, ValueError):
        messages.error(request, "You are not a member of that institution.")
        return redirect("home")
    messages.success(request, f"You are now working in {org.name}.")
    return redirect("home")


@login_required
def invitations(request: SignedInRequest) -> HttpResponse:
    """Any signed-in person: the institutions inviting them, to accept or decline."""
    return render(
        request, "accounts/invitations.html", {"pending": joining.pending_for(request.user)}
    )


@require_POST
@login_required
def invitation_respond(request: SignedInRequest, pk: int) -> HttpResponse:
    """The invited person only (anyone else gets 404): accept or decline one invitation."""
    user = request.user
    joining.pending_one(user, pk)
    answer = request.POST.get("answer")
    if answer == "accept":
        membership = joining.accept(user=user, membership_id=pk, request=request)
        messages.success(
            request,
            f"You joined {membership.organization.name}. Switch to it from the menu when you "
            "want to work there.",
        )
    elif answer == "decline":
        membership = joining.decline(user=user, membership_id=pk, request=request)
        messages.success(request, f"You declined the invitation of {membership.organization.name}.")
    else:
        messages.error(request, "Choose Accept or Decline.")
    return redirect("accounts:invitations")


@require_role(Role.ADMIN)
def people(request: MemberRequest) -> HttpResponse:
    """Admins: the institution's people, searchable and filterable."""
    org = active_org(request)
    form = PeopleFilterForm(request.GET or None, organization=org)
    qs = (
        Membership.objects.filter(organization=org)
        .select_related("user", "staff_group")
        .prefetch_related("reviewer_roles")
    )
    status = "active"
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        if q:
            qs = qs.filter(Q(user__full_name__icontains=q) | Q(user__email__icontains=q))
        if form.cleaned_data["group"]:
            qs = qs.filter(staff_group=form.cleaned_data["group"])
        status = form.cleaned_data["status"] or "active"
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    page = Paginator(qs.order_by("user__full_name", "user__email"), 50).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/people.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "never_signed_in": staff_import.never_signed_in(org).count(),
        },
    )


@require_role(Role.ADMIN)
def invite(request: MemberRequest) -> HttpResponse:
    """Admins: invite a person by e-mail."""
    org = active_org(request)
    form = InviteForm(request.POST or None, organization=org)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.invite_person(
                organization=org,
                invited_by=request.user,
                request=request,
                **form.cleaned_data,
            )
        except services.PeopleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Invitation sent to {membership.user.email}.")
            return redirect("accounts:person", pk=membership.pk)
    return render(request, "accounts/invite.html", {"form": form})


@require_role(Role.ADMIN)
def person(request: MemberRequest, pk: int) -> HttpResponse:
    """Admins: one person's roles, staff group and history."""
    membership = get_for_org(
        Membership.objects.select_related("user", "staff_group", "organization", "manager__user"),
        request,
        pk=pk,
    )
    form = MembershipForm(request.POST or None, instance=membership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_membership(
                membership=membership,
                changed_by=request.user,
                is_admin=data["is_admin"],
                is_author=data["is_author"],
                is_auditor=data["is_auditor"],
                reviewer_roles=list(data["reviewer_roles"]),
                staff_group=data["staff_group"],
                job_title=data["job_title"],
                hr=services.HRAttributes(
                    site=data["site"],
                    employee_type=data["employee_type"],
                    manager=data["manager_email"],
                    external_id=data["external_id"],
                ),
                request=request,
            )
        except services.PeopleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Saved {membership.user}.")
            return redirect("accounts:person", pk=membership.pk)
    history = membership.history.select_related("history_user", "staff_group").order_by(
        "-history_date"
    )[:20]
    shared = shared_with_another(membership.user, membership.organization)
    return render(
        request,
        "accounts/person.html",
        {
            "membership": membership,
            "person": membership,
            "form": form,
            "history": history,
            "shared_elsewhere": shared,
            "may_reset_two_factor": membership.is_active
            and not shared
            and membership.user_id != request.user.pk,
        },
    )


@require_POST
@require_role(Role.ADMIN)
def person_active(request: MemberRequest, pk: int) -> HttpResponse:
    """Admins: deactivate or reactivate a person (kept, never deleted)."""
    membership = get_for_org(Membership.objects.select_related("user"), request, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(
            membership=membership,
            changed_by=request.user,
            active=active,
            request=request,
        )
    except services.PeopleError as exc:
        messages.error(request, str(exc))
    else:
        verb = "reactivated" if active else "deactivated"
        messages.success(request, f"{membership.user} {verb}.")
    return redirect("accounts:person", pk=membership.pk)


@require_role(Role.ADMIN)
def import_people(request: MemberRequest) -> HttpResponse:
    """Admins: import staff from CSV; the whole file is checked before anything is saved."""
    org = active_org(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[tuple[int, str]] = []
    plan = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        raw = upload.read(settings.CHARTER_IMPORT_MAX_BYTES + 1)
        data = form.cleaned_data
        job = None
        if data["dry_run"]:
            plan, errors = staff_import.dry_run(organization=org, imported_by=request.user, raw=raw)
            if plan is not None and not data["full_roster"]:
                plan.leaving = 0  # without the roster box nobody is deactivated
        else:
            job, errors = staff_import.create_import_job(
                organization=org,
                imported_by=request.user,
                raw=raw,
                file_name=upload.name or "",
                invite=data["invite"],
                full_roster=data["full_roster"],
                confirm_leavers=data["confirm_leavers"],
            )
        if job is not None:
            job = jobs.start_import_job(job)
            if job.status == ImportJob.Status.DONE:
                messages.success(request, import_summary(job))
                return redirect("accounts:people")
            return redirect("accounts:import_job", pk=job.pk)
    recent = ImportJob.objects.filter(organization=org).select_related("created_by")[:5]
    return render(
        request,
        "accounts/import_people.html",
        {
            "form": form,
            "errors": errors[: staff_import.MAX_LISTED_ERRORS],
            "error_count": len(errors),
            "more_errors": max(0, len(errors) - staff_import.MAX_LISTED_ERRORS),
            "recent": recent,
            "plan": plan,
        },
    )


def import_summary(job: ImportJob) -> str:
    summary = (
        f"Import finished: {job.created_count} added, {job.updated_count} updated, "
        f"{job.unchanged_count} unchanged."
    )
    if job.full_roster:
        summary += f" Deactivated (missing from the roster): {job.deactivated_count}."
    if job.invite:
        summary += f" Invitations e-mailed: {job.invitations_sent}."
    return summary


@require_role(Role.ADMIN)
def import_job(request: MemberRequest, pk: int) -> HttpResponse:
    """Admins: follow an import's progress (the page refreshes itself); resume a stopped one."""
    job = get_for_org(ImportJob.objects.select_related("created_by").defer("data"), request, pk=pk)
    if request.method == "POST":
        if staff_import.can_resume(job):
            jobs.start_import_job(job)
            messages.success(request, "The import continues where it stopped.")
        else:
            messages.error(
                request, "This import is running or finished: there is nothing to resume."
            )
        return redirect("accounts:import_job", pk=job.pk)
    context = {
        "job": job,
        "summary": import_summary(job),
        "can_resume": staff_import.can_resume(job),
    }
    if request.htmx:
        return render(request, "accounts/partials/import_progress.html", context)
    return render(request, "accounts/import_job.html", context)


@require_POST
@require_role(Role.ADMIN)
def resend_invitations(request: MemberRequest) -> HttpResponse:
    """Admins: e-mail a new invitation to everyone who has never signed in (in the background)."""
    try:
        count = jobs.request_invitations(
            organization=active_org(request),
            by=request.user,
            request=request,
        )
    except services.PeopleError as exc:
        messages.error(request, str(exc))
    else:
        people = "1 person" if count == 1 else f"{count} people"
        messages.success(
            request, f"Invitations are on their way to {people} who have never signed in."
        )
    return redirect("accounts:people")


@require_role(Role.ADMIN)
def groups(request: MemberRequest) -> HttpResponse:
    """Admins: staff groups and reviewer roles of the institution."""
    org = active_org(request)
    # Two forms on one page: prefixes keep their ids (and so their labels) apart.
    group_form = StaffGroupForm(
        request.POST if "add_group" in request.POST else None, prefix="group"
    )
    role_form = ReviewerRoleForm(
        request.POST if "add_role" in request.POST else None, prefix="role"
    )
    if request.method == "POST":
        form, model, action = (
            (group_form, StaffGroup, "accounts.staff_group.created")
            if "add_group" in request.POST
            else (role_form, ReviewerRole, "accounts.reviewer_role.created")
        )
        if form.is_valid():
            name = form.cleaned_data["name"].strip()
            if model.objects.filter(organization=org, name__iexact=name).exists():
                form.add_error("name", f"'{name}' already exists.")
            else:
                obj = model.objects.create(organization=org, name=name)
                record(action, actor=request.user, organization=org, obj=obj, request=request)
                messages.success(request, f"Added {name}.")
                return redirect("accounts:groups")
    return render(
        request,
        "accounts/groups.html",
        {
            "group_form": group_form,
            "role_form": role_form,
            "groups": StaffGroup.objects.filter(organization=org).annotate(
                active_members=Count("members", filter=Q(members__is_active=True))
            ),
            "roles": ReviewerRole.objects.filter(organization=org).annotate(
                active_members=Count("members", filter=Q(members__is_active=True))
            ),
        },
    )


@require_role()
def notifications(request: MemberRequest) -> HttpResponse:
    """Any member: their in-app notifications; opening the page marks them read."""
    membership = request.membership
    qs = Notification.objects.filter(
        user_id=membership.user_id, organization_id=membership.organization_id
    )
    items = list(qs[:50])
    if request.method == "POST":
        qs.filter(read_at=None).update(read_at=timezone.now())
        return redirect("accounts:notifications")
    return render(request, "accounts/notifications.html", {"items": items})


@require_role(Role.ADMIN)
def institution_settings(request: MemberRequest) -> HttpResponse:
    """Institution admins: how the institution writes dates, and where it works."""
    org = request.membership.organization
    form = InstitutionSettingsForm(
        request.POST or None,
        initial={"date_order": org.date_order, "jurisdiction": org.jurisdiction},
    )
    if request.method == "POST" and form.is_valid():
        try:
            org = services.set_institution_settings(
                organization=org,
                by=request.user,
                date_order=form.cleaned_data["date_order"],
                jurisdiction=form.cleaned_data["jurisdiction"],
                request=request,
            )
        except services.PeopleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"Saved. Dates now read like {dates.example(organization=org)}."
            )
            return redirect("accounts:institution_settings")
    return render(
        request,
        "accounts/institution_settings.html",
        {"form": form, "example": dates.example(organization=org)},
    )


@require_role()
def email_settings(request: MemberRequest) -> HttpResponse:
    """Any member: choose which optional e-mails (comments) they receive."""
    user = request.user
    if request.method == "POST":
        form = EmailSettingsForm(request.POST)
        if form.is_valid():
            services.set_email_settings(
                user=user,
                email_comments=form.cleaned_data["email_comments"],
                organization=request.membership.organization,
                request=request,
            )
            messages.success(request, "E-mail settings saved.")
            return redirect("accounts:email_settings")
    else:
        form = EmailSettingsForm(initial={"email_comments": user.email_comments})
    return render(request, "accounts/email_settings.html", {"form": form})


@require_role(Role.ADMIN)
def directory_sync(request: MemberRequest) -> HttpResponse:
    """Admins: the SCIM address and token for the institution's directory (shown once)."""
    org = active_org(request)
    new_token = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if directory.revoke_token(organization=org, revoked_by=request.user):
                messages.success(request, "The token no longer works. Directory sync is off.")
            return redirect("accounts:directory_sync")
        new_token = directory.issue_token(organization=org, issued_by=request.user)
    live = DirectoryToken.objects.filter(organization=org, revoked_at__isnull=True).first()
    response = render(
        request,
        "accounts/directory_sync.html",
        {
            "token": live,
            "new_token": new_token,
            "base_url": request.build_absolute_uri("/scim/v2/"),
            "directory_groups": DirectoryGroup.objects.filter(organization=org).count(),
        },
    )
    if new_token:
        response["Cache-Control"] = "no-store"  # the token is on this page only once
    return response
