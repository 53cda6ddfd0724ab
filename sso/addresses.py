"""Where Charter may fetch a provider's documents from: never from inside its own network.

An institution's admin types the provider's addresses (the issuer, the SAML metadata URL) and
the provider's discovery document names more (its keys, its token endpoint); Charter fetches
them all from the server. Unchecked, an admin of one institution could make Charter read the
network it runs in (a cloud metadata service, the database, the cache) and learn from the
answers. Every fetch is checked and pinned to the address that was checked, so a name that
changes its answer between the check and the connection (DNS rebinding) gets nowhere; the
mechanism is shared with webhooks (config/outbound.py).

Loopback is open only when CHARTER_SSO_ALLOW_LOOPBACK is on and the server runs in
development or tests, where the demo and test providers run on this machine.
"""

from __future__ import annotations

import httpx
from django.conf import settings

from config import outbound

from .errors import SsoConfigError

INSIDE = "Charter does not fetch from addresses inside its own network"


def loopback_allowed() -> bool:
    """The setting alone is not enough: a production server never reaches its own loopback."""
    development = bool(settings.DEBUG or getattr(settings, "TESTING", False))
    return development and bool(getattr(settings, "CHARTER_SSO_ALLOW_LOOPBACK", False))


def policy() -> outbound.Policy:
    return outbound.Policy(loopback=loopback_allowed())


def refusal(exc: outbound.UnsafeAddress, what: str) -> SsoConfigError:
    """The shared check's refusal in the words an SSO admin reads."""
    if exc.reason == "not-url":
        return SsoConfigError(f"The {what} is not a web address.")
    if exc.reason == "scheme":
        return SsoConfigError(f"The {what} must start with https://.")
    if exc.reason == "no-host":
        return SsoConfigError(f"The {what} has no host name.")
    if exc.reason == "credentials":
        return SsoConfigError(f"The {what} may not contain a user name or password.")
    if exc.reason == "unresolved":
        return SsoConfigError(f"Charter could not find {exc.host} (the name does not resolve).")
    return SsoConfigError(f"{INSIDE} ({exc.host}): give the provider's public {what}.")


def check_fetch_url(url: str, *, what: str = "address") -> None:
    """Refuse (``SsoConfigError``) an address Charter should not fetch from.

    HTTPS only, except http on loopback where allowed; no credentials in the address; a host
    that is, or whose name resolves to, anything but a public address is refused. A name that
    does not resolve is left to the fetch, which then says so. The fetch checks again and
    connects to what it checked (``client``), so this check is what the admin is told early,
    not what keeps the fetch safe."""
    try:
        outbound.resolve(url, policy())
    except outbound.UnsafeAddress as exc:
        if exc.reason != "unresolved":
            raise refusal(exc, what) from exc


def transport() -> outbound.PinnedTransport:
    return outbound.PinnedTransport(policy())


def client(timeout: float) -> httpx.Client:
    """For every request Charter itself makes to a provider: checked and pinned, no redirects,
    no proxy from the environment."""
    return outbound.client(policy(), timeout=timeout)


def get(url: str, *, timeout: float, what: str = "address") -> httpx.Response:
    """GET a provider's document (``SsoConfigError`` when refused or out of reach)."""
    try:
        with client(timeout) as c:
            return c.get(url)
    except outbound.UnsafeAddress as exc:
        raise refusal(exc, what) from exc
    except httpx.HTTPError as exc:
        raise SsoConfigError(f"Charter could not reach {url} ({type(exc).__name__}).") from exc
