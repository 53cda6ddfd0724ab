"""Helpers for tests that enrol people in two-factor sign-in and compute their codes."""

from __future__ import annotations

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = [f"code{c}{c}{c}{c}" for c in "abcdefghij"]


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app would show now (or ``steps_ahead`` periods later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def code_from_secret(secret: str, *, steps_ahead: int = 0) -> str:
    """The code for a secret as shown on the page (base32, grouped by four)."""
    from base64 import b32decode

    key = b32decode(secret.replace(" ", ""))
    totp = TOTP(key, 30, 0, 6, 0)
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def enrol(user, *, recovery_codes: list[str] | None = None) -> TOTPDevice:
    """Give a person a confirmed authenticator and recovery codes."""
    device = TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    for token in recovery_codes if recovery_codes is not None else RECOVERY_CODES:
        StaticToken.objects.create(device=static, token=token)
    return device
