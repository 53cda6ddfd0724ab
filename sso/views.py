"""Single sign-on pages: the round trip to a provider, and the admins' provider settings."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from accounts.access import active_org, require_role
from accounts.factors import SESSION_IDP_MFA_KEY
from accounts.http import MemberRequest
from accounts.middleware import SESSION_KEY as ORG_SESSION_KEY
from accounts.models import Role
from accounts.twofactor.services import SESSION_DEVICE_KEY
from audit.services import record

from . import linking, oidc, reauth, saml, services
from .errors import SsoError
from .forms import PolicyForm, ProviderForm
from .models import IdentityProvider

PENDING_KEY = "charter.sso.pending"
PROVIDER_KEY = "charter.sso.provider"
PENDING_SECONDS = 600
PENDING_MAX = 5
BACKEND = "sso.backends.PolicyModelBackend"


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _remember(
    request: HttpRequest,
    pending: oidc.Pending,
    *,
    next_url: str,
    test_by: int | None,
    reauth_for: int | None = None,
) -> None:
    now = time.time()
    entries = {
        k: v
        for k, v in request.session.get(PENDING_KEY, {}).items()
        if now - v.get("at", 0) < PENDING_SECONDS
    }
    entries[pending.state] = {
        **pending.as_dict(),
        "next": next_url,
        "test_by": test_by,
        "reauth_for": reauth_for,
        "at": now,
    }
    # A few tabs may be signing in at once; more than that is noise, oldest dropped.
    newest = sorted(entries.items(), key=lambda kv: kv[1]["at"])[-PENDING_MAX:]
    request.session[PENDING_KEY] = dict(newest)


def _take(request: HttpRequest, state: str) -> dict[str, Any] | None:
    entries = dict(request.session.get(PENDING_KEY, {}))
    entry = entries.pop(state, None) if state else None
    request.session[PENDING_KEY] = entries
    if entry is None or time.time() - entry.get("at", 0) >= PENDING_SECONDS:
        return None
    return entry


def _refused(request: HttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    return render(request, "sso/refused.html", {"message": message}, status=status)


def redirect_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("sso:oidc_callback"))


def saml_urls(request: HttpRequest, provider: IdentityProvider) -> saml.Urls:
    return saml.Urls(
        entity_id=request.build_absolute_uri(reverse("sso:saml_metadata", args=[provider.pk])),
        acs=request.build_absolute_uri(reverse("sso:saml_acs", args=[provider.pk])),
    )


@require_GET
def saml_metadata(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone (the provider's admin imports it): Charter's SAML metadata for this provider."""
    provider = get_object_or_404(IdentityProvider, pk=pk, protocol=IdentityProvider.Protocol.SAML)
    try:
        xml = saml.sp_metadata(provider, saml_urls(request, provider))
    except SsoError as exc:
        return _refused(request, str(exc), status=503)
    return HttpResponse(xml, content_type="application/samlmetadata+xml")


@csrf_exempt  # posted by the provider from its own site; the signed assertion is the proof
@require_POST
def saml_acs(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone coming back from a SAML provider with a signed answer."""
    provider = get_object_or_404(IdentityProvider, pk=pk, protocol=IdentityProvider.Protocol.SAML)
    try:
        answer = saml.finish(
            provider, saml_urls(request, provider), request.POST.get("SAMLResponse", "")
        )
    except SsoError as exc:
        record(
            "sso.sign_in.refused",
            organization=provider.organization,
            details={"provider": provider.name, "reason": str(exc)[:300]},
            request=request,
        )
        return _refused(request, f"Signing in with {provider.name} did not work: {exc}")
    if answer.request.reauth_for_id is not None:
        return _saml_reauthenticated(request, provider, answer)
    tester = answer.request.test_by
    if tester is not None:
        # The admin's session cookie does not come with the provider's cross-site post: the
        # request row, made from the admin's session, says who tested.
        services.record_test(provider=provider, by=tester, request=request)
        return render(
            request,
            "sso/test_result.html",
            {"provider": provider, "claims": sorted(answer.claims.items()), "mfa": answer.mfa},
        )
    return complete_sign_in(
        request,
        provider,
        subject=answer.subject,
        claims=answer.claims,
        mfa=answer.mfa,
        next_url=answer.request.next_url,
    )


def send_to_provider(
    request: HttpRequest,
    provider: IdentityProvider,
    *,
    next_url: str = "",
    login_hint: str = "",
    test_by: int | None = None,
    reauth_for: int | None = None,
) -> HttpResponse:
    """Send the browser to the provider, remembering state, nonce and PKCE verifier (OIDC)
    or the request's ID (SAML). ``reauth_for`` asks for a fresh sign-in of that person, to
    confirm a signature."""
    try:
        if provider.protocol == IdentityProvider.Protocol.SAML:
            url = saml.begin(
                provider,
                saml_urls(request, provider),
                next_url=_safe_next(request, next_url),
                test_by=test_by,
                reauth_for=reauth_for,
                session_tag=reauth.session_tag(request) if reauth_for is not None else "",
            )
            return render(request, "sso/leaving.html", {"provider": provider, "url": url})
        url, pending = oidc.begin(
            provider,
            redirect_uri=redirect_uri(request),
            login_hint=login_hint,
            fresh=reauth_for is not None,
        )
    except SsoError as exc:
        if test_by is not None:
            return _failed(request, provider, str(exc), test_by=test_by)
        record(
            "sso.sign_in.refused",
            organization=provider.organization,
            details={"provider": provider.name, "reason": str(exc)[:300]},
            request=request,
        )
        return _refused(
            request,
            f"{provider.name} cannot be reached just now. Try again in a few minutes, or tell "
            "your Charter admin.",
            status=502,
        )
    _remember(
        request,
        pending,
        next_url=_safe_next(request, next_url),
        test_by=test_by,
        reauth_for=reauth_for,
    )
    # A page that moves on by itself rather than a redirect: the page with the button allows
    # forms to post only to Charter (CSP form-action), and browsers apply that to where a
    # form's redirect leads, including the provider's own onward redirects.
    return render(request, "sso/leaving.html", {"provider": provider, "url": url})


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """Anyone: leave for a switched-on identity provider to sign in."""
    provider = get_object_or_404(
        IdentityProvider, pk=request.POST.get("provider") or 0, is_enabled=True
    )
    return send_to_provider(
        request,
        provider,
        next_url=request.POST.get("next", ""),
        login_hint=request.POST.get("email", "")[:254],
    )


@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """Anyone coming back from an OpenID Connect provider with an answer."""
    entry = _take(request, request.GET.get("state", ""))
    if entry is None:
        return _refused(
            request,
            "This sign-in has expired or was already used. Start again from the sign-in page.",
        )
    provider = get_object_or_404(IdentityProvider, pk=entry["provider_id"])
    test_by = entry.get("test_by")
    if test_by is not None and request.user.pk != test_by:
        return _refused(request, "This test sign-in was started by someone else.", status=403)
    if request.GET.get("error"):
        message = f"{provider.name} did not sign you in ({request.GET.get('error', '')[:100]})."
        return _failed(request, provider, message, test_by=test_by)
    try:
        claims = oidc.finish(
            provider,
            oidc.Pending(
                provider_id=provider.pk,
                state=entry["state"],
                nonce=entry["nonce"],
                code_verifier=entry["code_verifier"],
            ),
            code=request.GET.get("code", ""),
            redirect_uri=redirect_uri(request),
        )
    except SsoError as exc:
        return _failed(request, provider, str(exc), test_by=test_by)
    mfa = oidc.mfa_detail(claims)
    if entry.get("reauth_for") is not None:
        auth_time = claims.get("auth_time")
        return _reauthenticated(
            request,
            provider,
            subject=str(claims.get("sub", "")),
            mfa=mfa,
            authenticated_at=float(auth_time) if isinstance(auth_time, int | float) else None,
            asked_at=float(entry.get("at", 0)),
            reauth_for=int(entry["reauth_for"]),
            next_url=entry.get("next", ""),
        )
    if test_by is not None:
        services.record_test(provider=provider, by=request.user, request=request)  # type: ignore[arg-type]
        return render(
            request,
            "sso/test_result.html",
            {"provider": provider, "claims": sorted(claims.items()), "mfa": mfa},
        )
    return complete_sign_in(
        request,
        provider,
        subject=str(claims.get("sub", "")),
        claims=claims,
        mfa=mfa,
        next_url=entry.get("next", ""),
    )


def _failed(
    request: HttpRequest, provider: IdentityProvider, message: str, *, test_by: int | None
) -> HttpResponse:
    if test_by is not None:
        services.record_test(provider=provider, by=request.user, error=message, request=request)  # type: ignore[arg-type]
        return render(
            request, "sso/test_result.html", {"provider": provider, "error": message}, status=400
        )
    record(
        "sso.sign_in.refused",
        organization=provider.organization,
        details={"provider": provider.name, "reason": message[:300]},
        request=request,
    )
    return _refused(request, f"Signing in with {provider.name} did not work: {message}")


def complete_sign_in(
    request: HttpRequest,
    provider: IdentityProvider,
    *,
    subject: str,
    claims: dict[str, Any],
    mfa: str | None,
    next_url: str,
) -> HttpResponse:
    """Link or find the person, sign them in, and note on the session how they proved it."""
    try:
        user = linking.person_for(provider, subject=subject, claims=claims, request=request)
    except SsoError as exc:
        return _refused(request, str(exc), status=403)
    login(request, user, backend=BACKEND)
    request.session[ORG_SESSION_KEY] = provider.organization_id
    request.session[PROVIDER_KEY] = {"id": provider.pk, "name": provider.name}
    if mfa:
        request.session[SESSION_IDP_MFA_KEY] = {
            "method": "idp_mfa",
            "detail": mfa,
            "provider": provider.name,
        }
        # The provider's multi-factor stands in for Charter's own code at sign-in.
        request.session[SESSION_DEVICE_KEY] = False
    return redirect(_safe_next(request, next_url))


# --- a fresh sign-in to confirm a signature ------------------------------------------------


def _reauth_refused(request: HttpRequest, provider: IdentityProvider, message: str) -> HttpResponse:
    record(
        "sso.reauth.refused",
        organization=provider.organization,
        details={"provider": provider.name, "reason": message[:300]},
        request=request,
    )
    return render(
        request, "sso/reauth_refused.html", {"provider": provider, "message": message}, status=403
    )


def _reauthenticated(
    request: HttpRequest,
    provider: IdentityProvider,
    *,
    subject: str,
    mfa: str | None,
    authenticated_at: float | None,
    asked_at: float,
    reauth_for: int,
    next_url: str,
) -> HttpResponse:
    """The provider answered a request for a fresh sign-in (OpenID Connect): check it names
    the person of this session, freshly, and keep the proof for the signature."""
    user = request.user
    if not user.is_authenticated or user.pk != reauth_for:
        return _reauth_refused(
            request,
            provider,
            "This confirmation was started by someone else. Nothing was signed or changed.",
        )
    try:
        reauth.check_fresh(authenticated_at=authenticated_at, asked_at=asked_at)
        reauth.check_same_person(provider, user, subject)
    except SsoError as exc:
        return _reauth_refused(request, provider, str(exc))
    assert authenticated_at is not None
    reauth.keep(request, provider=provider, user=user, mfa=mfa or "", at=authenticated_at)
    messages.success(
        request,
        f"{provider.name} confirmed it is you. Go on within {reauth.PROOF_SECONDS // 60} minutes.",
    )
    return redirect(_safe_next(request, next_url))


def _saml_reauthenticated(
    request: HttpRequest, provider: IdentityProvider, answer: saml.Answer
) -> HttpResponse:
    """The provider answered a ForceAuthn request. Its post arrives without the session cookie,
    so the checked proof waits (minutes, one use) for the browser to carry it home."""
    pending = answer.request
    user = pending.reauth_for
    assert user is not None
    try:
        reauth.check_fresh(
            authenticated_at=answer.authenticated_at, asked_at=pending.created_at.timestamp()
        )
        reauth.check_same_person(provider, user, answer.subject)
    except SsoError as exc:
        return _reauth_refused(request, provider, str(exc))
    assert answer.authenticated_at is not None
    token = reauth.hand_off(
        provider=provider,
        user=user,
        tag=pending.session_tag,
        mfa=answer.mfa or "",
        at=answer.authenticated_at,
        next_url=pending.next_url,
    )
    url = reverse("sso:reauth_done") + "?" + urlencode({"t": token})
    return render(request, "sso/returning.html", {"provider": provider, "url": url})


@require_POST
@require_role()
def reauth_start(request: MemberRequest) -> HttpResponse:
    """Any member known to the institution's provider: sign in there again, to confirm a
    signature or turning two-factor sign-in off."""
    provider = reauth.signing_provider(request.user, active_org(request))
    if provider is None:
        messages.error(
            request, "Your institution has no identity provider that knows your account."
        )
        return redirect(_safe_next(request, request.POST.get("next", "")))
    return send_to_provider(
        request,
        provider,
        next_url=request.POST.get("next", ""),
        login_hint=request.user.email,
        reauth_for=request.user.pk,
    )


@require_GET
@require_role()
def reauth_done(request: MemberRequest) -> HttpResponse:
    """The member who asked for a fresh SAML sign-in: carry its proof into this session."""
    try:
        next_url = reauth.redeem(request, request.GET.get("t", "")[:100])
    except SsoError as exc:
        messages.error(request, str(exc))
        return redirect(reverse(settings.LOGIN_REDIRECT_URL))
    proof = reauth.current(request, active_org(request))
    if proof is not None:
        messages.success(
            request,
            f"{proof.provider} confirmed it is you. Go on within "
            f"{reauth.PROOF_SECONDS // 60} minutes.",
        )
    return redirect(_safe_next(request, next_url))


# --- admin pages ---------------------------------------------------------------------------


def _provider(request: MemberRequest, pk: int) -> IdentityProvider:
    return get_object_or_404(IdentityProvider, pk=pk, organization=active_org(request))


@require_role(Role.ADMIN)
def providers(request: MemberRequest) -> HttpResponse:
    """Admins: the institution's identity providers and its password sign-in rule."""
    org = active_org(request)
    policy = services.policy_of(org)
    form = PolicyForm(
        initial={
            "passwords_allowed": policy.passwords_allowed,
            "break_glass": policy.break_glass_id,
        },
        organization=org,
    )
    return render(
        request,
        "sso/providers.html",
        {
            "providers": IdentityProvider.objects.filter(organization=org),
            "policy": policy,
            "policy_form": form,
        },
    )


@require_POST
@require_role(Role.ADMIN)
def policy(request: MemberRequest) -> HttpResponse:
    """Admins: allow or forbid password sign-in, naming the break-glass admin."""
    org = active_org(request)
    form = PolicyForm(request.POST, organization=org)
    if form.is_valid():
        try:
            services.set_policy(
                org=org,
                passwords_allowed=form.cleaned_data["passwords_allowed"],
                break_glass=form.cleaned_data["break_glass"],
                by=request.user,
                request=request,
            )
        except SsoError as exc:
            messages.error(request, f"Not changed: {exc}")
        else:
            messages.success(request, "Sign-in rule saved.")
    else:
        messages.error(request, "Not changed: choose an admin from the list.")
    return redirect("sso:providers")


def _edit(request: MemberRequest, provider: IdentityProvider, protocol: str) -> HttpResponse:
    org = active_org(request)
    form = ProviderForm(
        request.POST or None,
        request.FILES or None,
        instance=provider,
        organization=org,
        protocol=protocol,
    )
    if request.method == "POST" and form.is_valid():
        changed = form.save_to_instance()
        created = provider.pk is None
        switched_off = services.save_provider(
            provider=provider, changed=changed, by=request.user, request=request
        )
        if created:
            messages.success(request, "Saved. Run a test sign-in, then switch the provider on.")
        elif switched_off:
            messages.warning(
                request,
                "Saved. The connection changed, so the provider is off until a new test sign-in "
                "succeeds; people can use their passwords meanwhile.",
            )
        else:
            messages.success(request, "Saved.")
        return redirect("sso:provider", pk=provider.pk)
    return render(
        request,
        "sso/provider.html",
        {
            "form": form,
            "provider": provider,
            "protocol": protocol,
            "callback_url": redirect_uri(request),
            "saml_urls": saml_urls(request, provider) if provider.pk else None,
        },
        status=400 if request.method == "POST" else 200,
    )


# The secret stays out of any error report made while saving (Django masks these fields).
@sensitive_post_parameters("client_secret")
@require_role(Role.ADMIN)
def provider_new(request: MemberRequest) -> HttpResponse:
    """Admins: connect a new OpenID Connect or SAML provider."""
    protocol = request.GET.get("protocol", IdentityProvider.Protocol.OIDC)
    if protocol not in IdentityProvider.Protocol.values:
        protocol = IdentityProvider.Protocol.OIDC
    return _edit(request, IdentityProvider(organization=active_org(request)), protocol)


@sensitive_post_parameters("client_secret")
@require_role(Role.ADMIN)
def provider(request: MemberRequest, pk: int) -> HttpResponse:
    """Admins of the provider's institution: change its settings (never shows the secret)."""
    obj = _provider(request, pk)
    return _edit(request, obj, obj.protocol)


@require_POST
@require_role(Role.ADMIN)
def provider_test(request: MemberRequest, pk: int) -> HttpResponse:
    """Admins of the provider's institution: try a sign-in without signing anyone in."""
    obj = _provider(request, pk)
    return send_to_provider(request, obj, test_by=request.user.pk)


@require_POST
@require_role(Role.ADMIN)
def provider_switch(request: MemberRequest, pk: int) -> HttpResponse:
    """Admins of the provider's institution: switch it on (after a test) or off."""
    obj = _provider(request, pk)
    on = request.POST.get("on") == "1"
    try:
        services.switch(provider=obj, on=on, by=request.user, request=request)
    except SsoError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{obj.name} is {'on' if on else 'off'}.")
    return redirect("sso:provider", pk=obj.pk)
