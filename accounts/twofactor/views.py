"""Two-factor sign-in pages and the institution's security settings."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.access import active_org, get_for_org, require_role
from accounts.http import MemberRequest
from accounts.models import Membership, Role
from sso import reauth as provider_reauth

from . import services as twofactor
from .forms import CodeForm, ConfirmCodeForm, PasswordForm, SecurityForm

# Recovery codes are shown once, on the page after they were made, then forgotten.
NEW_CODES_KEY = "charter_new_recovery_codes"


def _safe_next(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


@require_role()
def two_factor(request: MemberRequest) -> HttpResponse:
    """Any member: set up an authenticator app, see new recovery codes once, or turn it off."""
    user = request.user
    form = ConfirmCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.confirm_enrolment(
                user=user, code=form.cleaned_data["code"], request=request
            )
        except twofactor.TwoFactorError as exc:
            form.add_error("code", str(exc))
        else:
            request.session[NEW_CODES_KEY] = codes
            messages.success(request, "Two-factor sign-in is on. Keep your recovery codes safe.")
            return redirect("accounts:two_factor")
    enrolled = twofactor.has_device(user)
    context: dict[str, Any] = {
        "enrolled": enrolled,
        "form": form,
        "new_codes": request.session.pop(NEW_CODES_KEY, None),
        "required": twofactor.role_requires_two_factor(request.membership),
    }
    if enrolled:
        context["codes_left"] = twofactor.recovery_codes_left(user)
        context["codes_form"] = ConfirmCodeForm(prefix="new_codes")
        context.update(_confirming(request))
    else:
        device = twofactor.pending_device(user=user)
        context["secret"] = twofactor.formatted_secret(device)
        context["qr_svg"] = twofactor.qr_svg(twofactor.provisioning_uri(device))
    return render(request, "accounts/two_factor.html", context)


def _confirming(request: MemberRequest) -> dict[str, Any]:
    """How this person proves it is them before turning two-factor off: their password, or a
    fresh sign-in at their institution's identity provider (the only way for people without a
    Charter password they may use), as when signing a version."""
    org = active_org(request)
    password_allowed = provider_reauth.password_signing_allowed(request.user)
    return {
        "provider_proof": provider_reauth.current(request, org),
        "confirm_provider": provider_reauth.signing_provider(request.user, org),
        "password_allowed": password_allowed,
        "password_form": PasswordForm() if password_allowed else None,
    }


@require_POST
@require_role()
def two_factor_disable(request: MemberRequest) -> HttpResponse:
    """Any member with two-factor on: turn it off after re-entering the password, or after a
    fresh sign-in at the institution's identity provider."""
    org = active_org(request)
    proof = None
    password = ""
    if request.POST.get("confirmed") == "provider":
        proof = provider_reauth.current(request, org)
        if proof is None:
            messages.error(
                request,
                "Not changed: the confirmation from your hospital account has expired. Confirm "
                "again, then turn two-factor sign-in off.",
            )
            return redirect("accounts:two_factor")
    elif provider_reauth.password_signing_allowed(request.user):
        form = PasswordForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Enter your password to turn two-factor sign-in off.")
            return redirect("accounts:two_factor")
        password = form.cleaned_data["password"]
    try:
        twofactor.disable(
            user=request.user, password=password, request=request, provider_proof=proof
        )
    except twofactor.TwoFactorError as exc:
        messages.error(request, str(exc))
    else:
        if proof is not None:
            provider_reauth.take(request, org)  # one fresh sign-in confirms one act
        messages.success(request, "Two-factor sign-in is off.")
    return redirect("accounts:two_factor")


@require_POST
@require_role()
def two_factor_recovery(request: MemberRequest) -> HttpResponse:
    """Any member with two-factor on: replace the recovery codes (the old ones stop working)."""
    form = ConfirmCodeForm(request.POST, prefix="new_codes")
    if not form.is_valid():
        messages.error(request, "Enter the current code from your authenticator app.")
        return redirect("accounts:two_factor")
    try:
        codes = twofactor.new_recovery_codes(
            user=request.user,
            code=form.cleaned_data["code"],
            request=request,
        )
    except twofactor.TwoFactorError as exc:
        messages.error(request, str(exc))
    else:
        request.session[NEW_CODES_KEY] = codes
        messages.success(request, "New recovery codes made; the old ones no longer work.")
    return redirect("accounts:two_factor")


@require_role()
def two_factor_verify(request: MemberRequest) -> HttpResponse:
    """Any member with two-factor on: the second step of signing in (app or recovery code)."""
    user = request.user
    destination = _safe_next(request, reverse("home"))
    # django-otp adds is_verified to the user of every request.
    if not twofactor.has_device(user) or user.is_verified():  # type: ignore[attr-defined]
        return redirect(destination)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            kind = twofactor.verify_sign_in(request=request, code=form.cleaned_data["code"])
        except twofactor.TwoFactorError as exc:
            form.add_error("code", str(exc))
        else:
            if kind is twofactor.CodeKind.RECOVERY:
                left = twofactor.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. If you lost your phone, "
                    "set up two-factor again on the Security page.",
                )
            return redirect(destination)
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"form": form, "next": destination},
    )


@require_POST
@require_role(Role.ADMIN)
def two_factor_reset(request: MemberRequest, pk: int) -> HttpResponse:
    """Admins: remove a person's authenticator and recovery codes after a lost phone."""
    membership = get_for_org(
        Membership.objects.select_related("user", "organization"), request, pk=pk
    )
    try:
        twofactor.reset(
            membership=membership,
            reset_by=request.user,
            request=request,
        )
    except twofactor.TwoFactorError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Two-factor sign-in reset for {membership.user}. They sign in with their "
            "password and set it up again.",
        )
    return redirect(_safe_next(request, reverse("accounts:security")))


@require_role(Role.ADMIN)
def security(request: MemberRequest) -> HttpResponse:
    """Admins: require two-factor for admins and reviewers, and see who has it on."""
    org = active_org(request)
    form = SecurityForm(
        request.POST if request.method == "POST" else None,
        initial={
            "require_reviewer_2fa": org.require_reviewer_2fa,
            "require_signer_second_factor": org.require_signer_second_factor,
        },
    )
    if request.method == "POST" and form.is_valid():
        org = twofactor.set_requirement(
            organization=org,
            required=form.cleaned_data["require_reviewer_2fa"],
            signers=form.cleaned_data["require_signer_second_factor"],
            changed_by=request.user,
            request=request,
        )
        state = "required" if org.require_reviewer_2fa else "no longer required"
        signing = "required" if org.require_signer_second_factor else "not required"
        messages.success(
            request,
            f"Two-factor sign-in is {state} for admins and reviewers; a second factor is "
            f"{signing} to sign.",
        )
        return redirect("accounts:security")
    q = request.GET.get("q", "").strip()[:100]
    people = Membership.objects.filter(organization=org, is_active=True).annotate(
        has_two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)),
        # A person also active elsewhere: their two-factor is theirs, not this admin's, to reset.
        shared_elsewhere=Exists(
            Membership.objects.filter(user=OuterRef("user"), is_active=True).exclude(
                organization=org
            )
        ),
    )
    if q:
        people = people.filter(Q(user__full_name__icontains=q) | Q(user__email__icontains=q))
    else:
        # Without a search: the people the setting is about, and anyone who has it on.
        people = people.filter(
            Q(is_admin=True)
            | Q(Exists(Membership.reviewer_roles.through.objects.filter(membership=OuterRef("pk"))))
            | Q(has_two_factor=True)
        )
    page = Paginator(
        people.select_related("user")
        .prefetch_related("reviewer_roles")
        .order_by("user__full_name", "user__email"),
        50,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/security.html",
        {"form": form, "page": page, "q": q, "query": urlencode({"q": q}) if q else ""},
    )
