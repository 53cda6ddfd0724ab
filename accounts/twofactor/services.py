"""Two-factor sign-in: authenticator (TOTP) enrolment, recovery codes and their checks.

A person "has two-factor" once a confirmed authenticator exists; recovery codes are a
fallback for a lost phone, never a second factor on their own. Approvals call
``has_device`` and ``verify_code`` before a sign-off.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from base64 import b32encode
from enum import Enum
from typing import Any, TypeGuard

import qrcode
import qrcode.image.svg
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.account_events import (
    SHARED_PERSON_REFUSAL,
    record_account_change,
    shared_with_another,
)
from accounts.http import SignedInRequest
from accounts.models import Membership, Organization, User
from accounts.reauth import PasswordRefused, confirm_password
from audit.services import record
from sso import reauth as provider_reauth

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator"
PENDING_NAME = "Authenticator (not yet confirmed)"
RECOVERY_NAME = "Recovery codes"
ISSUER = "Charter"

# Remembered per session at sign-in so that people without two-factor pay no extra query
# on every page; True means "this session must enter a code before it counts".
SESSION_DEVICE_KEY = "charter_two_factor_device"


class TwoFactorError(Exception):
    """A refused two-factor action, with a message for the person."""


class CodeKind(Enum):
    AUTHENTICATOR = "authenticator"
    RECOVERY = "recovery"


# --- Questions -------------------------------------------------------------------------


def has_device(user: User | AnonymousUser | None) -> bool:
    """True when the person has a confirmed authenticator."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def role_requires_two_factor(membership: Membership | None) -> TypeGuard[Membership]:
    """True when the institution requires two-factor of this person's role."""
    if membership is None or not membership.is_active:
        return False
    if not membership.organization.require_reviewer_2fa:
        return False
    return membership.is_admin or bool(membership.reviewer_role_ids)


def normalise(code: str) -> str:
    """People type codes with spaces, dashes and capitals; none of those matter."""
    return re.sub(r"[\s-]", "", code or "").lower()


def check_code(user: User | AnonymousUser | None, code: str) -> CodeKind | None:
    """Which kind of code matched (a recovery code is used up), or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    token = normalise(code)
    if not token or len(token) > 16:
        return None
    with transaction.atomic():
        if token.isdigit() and len(token) in (6, 8):
            for device in TOTPDevice.objects.select_for_update().filter(
                user_id=user.pk, confirmed=True
            ):
                if device.verify_token(token):
                    return CodeKind.AUTHENTICATOR
        if re.fullmatch(r"[a-z2-7]{8}", token):
            for static in StaticDevice.objects.select_for_update().filter(
                user_id=user.pk, confirmed=True
            ):
                if static.verify_token(token):
                    return CodeKind.RECOVERY
    return None


def verify_code(user: User | AnonymousUser | None, code: str) -> bool:
    """True when ``code`` is the person's current authenticator code or an unused recovery
    code (which is then spent). Records nothing: the caller audits its own action."""
    return check_code(user, code) is not None


def is_throttled(user: User) -> bool:
    """True while wrong codes have locked further attempts for a short, growing time."""
    for device in TOTPDevice.objects.filter(user_id=user.pk, confirmed=True):
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            return True
    return False


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


def formatted_secret(device: TOTPDevice) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(device: TOTPDevice) -> str:
    from urllib.parse import quote, urlencode

    label = quote(f"{ISSUER}:{device.user.email}")
    params = urlencode(
        {
            "secret": b32encode(device.bin_key).decode(),
            "issuer": ISSUER,
            "algorithm": "SHA1",
            "digits": device.digits,
            "period": device.step,
        }
    )
    return f"otpauth://totp/{label}?{params}"


def qr_svg(uri: str, *, title: str = "QR code for your authenticator app") -> SafeString:
    """The QR code as inline SVG markup (no inline style, so the strict CSP allows it)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    root: ET.Element = image.get_image()
    root.attrib.pop("width", None)
    root.attrib.pop("height", None)
    root.set("width", "200")
    root.set("height", "200")
    root.set("role", "img")
    root.set("class", "qr-code")
    root.set("aria-labelledby", "qr-title")
    background = ET.Element("rect", {"width": "100%", "height": "100%", "fill": "#ffffff"})
    label = ET.Element("title", {"id": "qr-title"})
    label.text = title
    root.insert(0, background)
    root.insert(0, label)
    # Built here from our own elements; ElementTree escapes the only text (the title).
    return mark_safe(ET.tostring(root, encoding="unicode"))


def membership_for(request: HttpRequest | None, user: User) -> Membership | None:
    membership = getattr(request, "membership", None) if request is not None else None
    if membership is not None:
        return membership
    return (
        Membership.objects.filter(user_id=user.pk, is_active=True)
        .select_related("organization")
        .first()
    )


def _org(request: HttpRequest | None, user: User) -> Organization | None:
    membership = membership_for(request, user)
    return membership.organization if membership else None


# --- Writes ----------------------------------------------------------------------------


def pending_device(*, user: User) -> TOTPDevice:
    """The authenticator being set up: one unconfirmed secret per person, reused until
    confirmed so that reloading the page does not invalidate a scanned QR code."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        device = TOTPDevice.objects.filter(user=user, confirmed=False, name=PENDING_NAME).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=PENDING_NAME, confirmed=False)
    return device


def confirm_enrolment(*, user: User, code: str, request: HttpRequest | None = None) -> list[str]:
    """Confirm the pending authenticator with a code from the app; return new recovery codes."""
    if has_device(user):
        raise TwoFactorError("Two-factor sign-in is already on for your account.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=PENDING_NAME).first()
    if device is None:
        raise TwoFactorError("Start again: reload the page to get a new QR code.")
    token = normalise(code)
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        ok = token.isdigit() and locked.verify_token(token)
    if not ok:
        raise TwoFactorError(
            "That code did not match. Check the time on your phone and enter the newest code."
        )
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        locked.confirmed = True
        locked.name = AUTHENTICATOR_NAME
        locked.save()
        codes = _replace_recovery_codes(user)
        record_account_change(
            "accounts.two_factor.enrolled",
            user=user,
            actor=user,
            details={"recovery_codes": len(codes)},
            request=request,
        )
    if request is not None:
        otp_login(request, locked)
        request.session[SESSION_DEVICE_KEY] = True
    return codes


def _replace_recovery_codes(user: User) -> list[str]:
    static, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    if not static.confirmed:
        static.confirmed = True
        static.save()
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


def new_recovery_codes(*, user: User, code: str, request: HttpRequest | None = None) -> list[str]:
    """Replace all recovery codes (the old ones stop working) after a current code."""
    if not has_device(user):
        raise TwoFactorError("Turn on two-factor sign-in first.")
    if check_code(user, code) != CodeKind.AUTHENTICATOR:
        _failed(user, request, purpose="new_recovery_codes")
        raise TwoFactorError("Enter the current code from your authenticator app.")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        codes = _replace_recovery_codes(user)
        record_account_change(
            "accounts.two_factor.recovery_codes_replaced", user=user, actor=user, request=request
        )
    return codes


def verify_sign_in(*, request: SignedInRequest, code: str) -> CodeKind:
    """Second step of signing in: the session counts once a code matched."""
    user = request.user
    if not has_device(user):
        raise TwoFactorError("Two-factor sign-in is not on for your account.")
    if is_throttled(user):
        _failed(user, request, purpose="sign_in", throttled=True)
        raise TwoFactorError("Too many wrong codes. Wait a minute, then enter the newest code.")
    kind = check_code(user, code)
    if kind is None:
        _failed(user, request, purpose="sign_in")
        raise TwoFactorError("That code is not valid. Enter the newest code from your app.")
    device: StaticDevice | TOTPDevice | None
    if kind is CodeKind.RECOVERY:
        device = StaticDevice.objects.filter(user_id=user.pk, confirmed=True).first()
    else:
        device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()
    with transaction.atomic():
        org = _org(request, user)
        if kind is CodeKind.RECOVERY:
            record(
                "accounts.two_factor.recovery_code_used",
                actor=user,
                organization=org,
                obj=user,
                details={"codes_left": recovery_codes_left(user)},
                request=request,
            )
        record(
            "accounts.two_factor.verified",
            actor=user,
            organization=org,
            obj=user,
            details={"method": kind.value},
            request=request,
        )
    otp_login(request, device)
    request.session[SESSION_DEVICE_KEY] = True
    return kind


def _failed(user: User, request: HttpRequest | None, **details: Any) -> None:
    record(
        "accounts.two_factor.failed",
        actor=user,
        organization=_org(request, user),
        obj=user,
        details=details,
        request=request,
    )


def disable(
    *,
    user: User,
    password: str,
    request: HttpRequest | None = None,
    provider_proof: provider_reauth.Proof | None = None,
) -> None:
    """Turn two-factor off after re-entering the password, or after a fresh sign-in at the
    institution's identity provider (``provider_proof``) for people without a Charter password
    they may use. Devices are kept, unconfirmed, so that what was set up and when stays on
    record."""
    if not has_device(user):
        raise TwoFactorError("Two-factor sign-in is already off.")
    membership = membership_for(request, user)
    if role_requires_two_factor(membership):
        raise TwoFactorError(
            f"{membership.organization.name} requires two-factor sign-in for your role, "
            "so it cannot be turned off."
        )
    confirmed: dict[str, Any]
    if provider_proof is not None:
        if provider_proof.user_id != user.pk:
            raise TwoFactorError("The confirmation belongs to someone else. Nothing was changed.")
        confirmed = {
            "confirmed_by": "idp_mfa" if provider_proof.mfa else "idp",
            "provider": provider_proof.provider,
        }
    elif not provider_reauth.password_signing_allowed(user):
        # No usable password, or one the institution no longer accepts for signing in: typing
        # it proves nothing more than access to the mailbox that reset it.
        raise TwoFactorError(
            "You sign in with your hospital account, so confirm it is you there first: use "
            "“Confirm with your hospital account”. Nothing was changed."
        )
    else:
        try:
            confirm_password(
                user=user,
                password=password,
                request=request,
                wrong="That password is not correct.",
            )
        except PasswordRefused as exc:
            raise TwoFactorError(str(exc)) from exc
        confirmed = {"confirmed_by": "password"}
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        stamp = timezone.now().strftime("%Y-%m-%d %H:%M")
        for model in (TOTPDevice, StaticDevice):
            for device in model.objects.filter(user=user, confirmed=True):
                device.confirmed = False
                device.name = f"{device.name} (turned off {stamp})"[:64]
                device.save()
        StaticToken.objects.filter(device__user=user).delete()
        record_account_change(
            "accounts.two_factor.disabled",
            user=user,
            actor=user,
            details=confirmed,
            request=request,
        )
    if request is not None:
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
        request.session[SESSION_DEVICE_KEY] = False


def reset(*, membership: Membership, reset_by: User, request: HttpRequest | None = None) -> int:
    """An admin removes a person's authenticator and recovery codes (a lost phone and no
    codes left); the person signs in with the password and sets up again. Refused for a
    person who is also a member of another institution (see accounts/account_events.py).
    Returns how many devices were removed."""
    if membership.user_id == reset_by.pk:
        raise TwoFactorError("Use your own Security page to change your two-factor sign-in.")
    user = membership.user
    with transaction.atomic():
        # Locking the person first: a membership accepted elsewhere meanwhile waits for us.
        User.objects.select_for_update().filter(pk=user.pk).first()
        membership.refresh_from_db(fields=["is_active"])
        if not membership.is_active:
            raise TwoFactorError(
                f"{user} is not an active member of {membership.organization.name}. "
                "Nothing was changed."
            )
        if shared_with_another(user, membership.organization):
            raise TwoFactorError(SHARED_PERSON_REFUSAL.format(person=user))
        removed = _remove_devices(user)
        if not removed:
            raise TwoFactorError(f"{user} has not set up two-factor sign-in.")
        record_account_change(
            "accounts.two_factor.reset",
            user=user,
            actor=reset_by,
            details={"person": user.email, "by_institution": membership.organization.name},
            request=request,
        )
    return removed


def operator_reset(*, user: User, reason: str) -> tuple[int, int]:
    """A Charter operator (not an institution) removes a person's authenticator and recovery
    codes, e.g. for someone in several institutions who lost their phone and every code.
    Recorded in every institution the person belongs to; returns (devices removed,
    institutions told)."""
    if not reason.strip():
        raise TwoFactorError("Give the reason for the reset; it goes into every audit trail.")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        removed = _remove_devices(user)
        if not removed:
            raise TwoFactorError(f"{user.email} has not set up two-factor sign-in.")
        told = record_account_change(
            "accounts.two_factor.reset",
            user=user,
            actor_label="Charter operator (reset_two_factor)",
            details={"person": user.email, "reason": reason.strip()[:500]},
        )
    return removed, told


def _remove_devices(user: User) -> int:
    """Delete the person's authenticators and recovery codes; 0 when none was confirmed."""
    if not has_device(user):
        return 0
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        count, _ = model.objects.filter(user=user).delete()
        removed += count
    return removed


def set_requirement(
    *,
    organization: Organization,
    required: bool,
    changed_by: User,
    signers: bool | None = None,
    request: HttpRequest | None = None,
) -> Organization:
    """Require (or stop requiring) two-factor sign-in of the institution's admins and
    reviewers, and (``signers``) a second factor on every signature; from their next page."""
    wanted = {"require_reviewer_2fa": required}
    if signers is not None:
        wanted["require_signer_second_factor"] = signers
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        changes = {
            name: {"before": getattr(locked, name), "after": value}
            for name, value in wanted.items()
            if getattr(locked, name) != value
        }
        if not changes:
            return locked
        for name, change in changes.items():
            setattr(locked, name, change["after"])
        locked.save(update_fields=list(changes))
        record(
            "accounts.security.changed",
            actor=changed_by,
            organization=locked,
            obj=locked,
            details=changes,
            request=request,
        )
    return locked


def remember_device_at_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """On sign-in, note whether this session still owes a code (see SESSION_DEVICE_KEY)."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_DEVICE_KEY] = has_device(user)
