"""Where Charter may fetch a provider's documents from: never from inside its own network.

An institution's admin types the provider's addresses (the issuer, the SAML metadata URL) and
the provider's discovery document names more (its keys, its token endpoint); Charter fetches
them all from the server. Unchecked, an admin of one institution could make Charter read the
network it runs in (a cloud metadata service, the database, the cache) and learn from the
answers. Loopback stays open in development and tests, where the demo and test providers run
on this machine.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from .errors import SsoConfigError

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
INSIDE = "Charter does not fetch from addresses inside its own network"


def loopback_allowed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "TESTING", False))


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_fetch_url(url: str, *, what: str = "address") -> None:
    """Refuse (``SsoConfigError``) an address Charter should not fetch from.

    HTTPS only, except http on loopback in development and tests; no credentials in the
    address; a host that is, or whose name resolves to, anything but a public address is
    refused. A name that does not resolve is left to the fetch, which then says so.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise SsoConfigError(f"The {what} is not a web address.") from exc
    host = (parts.hostname or "").lower()
    scheme = parts.scheme.lower()
    loopback = host in LOOPBACK_NAMES
    if scheme != "https" and not (scheme == "http" and loopback and loopback_allowed()):
        raise SsoConfigError(f"The {what} must start with https://.")
    if not host:
        raise SsoConfigError(f"The {what} has no host name.")
    if parts.username or parts.password:
        raise SsoConfigError(f"The {what} may not contain a user name or password.")
    try:
        answers = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return
    for info in answers:
        address = str(info[4][0])
        if _public(address):
            continue
        if loopback_allowed() and ipaddress.ip_address(address.split("%", 1)[0]).is_loopback:
            continue
        raise SsoConfigError(f"{INSIDE} ({host}): give the provider's public {what}.")
