"""Where Charter may post: no server-side request forgery through a webhook address.

An address is checked when an admin saves it and again, after resolving its name, before each
delivery: a name that resolved to a public address yesterday may point inside the network
today (DNS rebinding). The connection then goes to the very address that was checked. The
checking and pinning are shared with single sign-on (config/outbound.py); this module only
says what webhooks allow.
"""

from __future__ import annotations

from django.conf import settings

from config import outbound
from config.outbound import Target, UnsafeAddress

__all__ = ["Target", "UnsafeAddress", "allow_private", "check_url", "policy", "resolve"]


def allow_private() -> bool:
    return bool(getattr(settings, "CHARTER_WEBHOOKS_ALLOW_PRIVATE", False))


def policy() -> outbound.Policy:
    return outbound.Policy(private=allow_private())


def check_url(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of an address Charter may post to, or ``UnsafeAddress``."""
    return outbound.check_url(url, policy())


def resolve(url: str) -> Target:
    """Check the address, resolve its name, and refuse it if any answer is not public."""
    return outbound.resolve(url, policy())
