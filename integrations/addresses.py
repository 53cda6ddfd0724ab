"""Where Charter may post: no server-side request forgery through a webhook address.

An address is checked when an admin saves it and again, after resolving its name, before each
delivery: a name that resolved to a public address yesterday may point inside the network
today (DNS rebinding). The connection then goes to the very address that was checked.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeAddress(Exception):
    """The address may not be posted to; the message says why, for the admin."""


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    address: str  # the resolved address the connection goes to


def allow_private() -> bool:
    return bool(getattr(settings, "CHARTER_WEBHOOKS_ALLOW_PRIVATE", False))


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of an address Charter may post to, or ``UnsafeAddress``."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeAddress("That is not a web address.") from exc
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and allow_private()):
        raise UnsafeAddress("The address must start with https://.")
    if not parts.hostname:
        raise UnsafeAddress("The address has no host name.")
    if parts.username or parts.password:
        raise UnsafeAddress("The address may not contain a user name or password.")
    host = parts.hostname.lower()
    local = host == "localhost" or host.endswith((".localhost", ".local", ".internal"))
    if local and not allow_private():
        raise UnsafeAddress("Addresses inside the hospital's network are not allowed.")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not allow_private() and not is_public(host):
        raise UnsafeAddress("Addresses inside the hospital's network are not allowed.")
    return scheme, host, port or (443 if scheme == "https" else 80)


def resolve(url: str) -> Target:
    """Check the address, resolve its name, and refuse it if any answer is not public."""
    scheme, host, port = check_url(url)
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeAddress(f"The name {host} could not be resolved.") from exc
    addresses = [str(info[4][0]) for info in answers]
    if not addresses:
        raise UnsafeAddress(f"The name {host} could not be resolved.")
    if not allow_private():
        private = [a for a in addresses if not is_public(a)]
        if private:
            raise UnsafeAddress(
                f"The name {host} points inside a private network ({private[0]}); refused."
            )
    return Target(url=url.strip(), scheme=scheme, host=host, port=port, address=addresses[0])
