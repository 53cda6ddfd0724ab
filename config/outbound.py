"""Requests Charter makes to addresses someone else chose: checked, then pinned.

Admins type addresses Charter then calls from the server (a webhook, a chat channel, a sign-in
provider's issuer or metadata URL), and a provider's documents name more (its keys, its token
endpoint). Unchecked, an admin of one institution could make Charter reach into the network
it runs in (a cloud metadata service, the database, the cache). A check alone is not enough:
a name that resolved to a public address when checked may resolve inside the network a
moment later, when the connection is made (DNS rebinding). So the name is resolved once, every
answer must be public, and the connection goes to that very address, with the name kept for
the Host header and for TLS (SNI and certificate checking).

Webhooks and single sign-on both use this module; each words the refusals for its own admins.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
LOCAL_SUFFIXES = (".localhost", ".local", ".internal")


class UnsafeAddress(Exception):
    """The address may not be called; ``reason`` says why (for callers that word it
    themselves), the message says it plainly."""

    def __init__(self, message: str, *, reason: str, host: str = "", address: str = "") -> None:
        super().__init__(message)
        self.reason = reason  # not-url, scheme, no-host, credentials, inside, unresolved
        self.host = host
        self.address = address


@dataclass(frozen=True)
class Policy:
    """What may be reached besides public addresses over HTTPS.

    ``private``: anything at all, plain http included (webhook tests, a closed network).
    ``loopback``: this machine only, plain http included (development and test providers).
    """

    private: bool = False
    loopback: bool = False


STRICT = Policy()


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    address: str  # the resolved, checked address the connection goes to


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_public(address: str) -> bool:
    ip = _ip(address)
    return ip.is_global and not ip.is_multicast


def _allowed(address: str, policy: Policy) -> bool:
    return policy.private or is_public(address) or (policy.loopback and _ip(address).is_loopback)


def _inside(host: str, address: str = "") -> UnsafeAddress:
    message = (
        f"The name {host} points inside a private network ({address}); refused."
        if address
        else "Addresses inside the hospital's network are not allowed."
    )
    return UnsafeAddress(message, reason="inside", host=host, address=address or host)


def check_url(url: str, policy: Policy = STRICT) -> tuple[str, str, int]:
    """The scheme, host and port of an address that may be called, or ``UnsafeAddress``.

    Looks at the address alone (no name is resolved): HTTPS, a host, no credentials, and no
    host that names the inside of a network outright."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeAddress("That is not a web address.", reason="not-url") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    plain_http_ok = policy.private or (policy.loopback and host in LOOPBACK_NAMES)
    if scheme != "https" and not (scheme == "http" and plain_http_ok):
        raise UnsafeAddress("The address must start with https://.", reason="scheme", host=host)
    if not host:
        raise UnsafeAddress("The address has no host name.", reason="no-host")
    if parts.username or parts.password:
        raise UnsafeAddress(
            "The address may not contain a user name or password.", reason="credentials", host=host
        )
    local_name = host == "localhost" or host.endswith(LOCAL_SUFFIXES)
    if local_name and not (policy.private or (policy.loopback and host == "localhost")):
        raise _inside(host)
    try:
        literal: str | None = str(ipaddress.ip_address(host))
    except ValueError:
        literal = None
    if literal is not None and not _allowed(literal, policy):
        raise _inside(host)
    return scheme, host, port or (443 if scheme == "https" else 80)


def resolve(url: str, policy: Policy = STRICT) -> Target:
    """Check the address, resolve its name once, refuse it if any answer may not be reached,
    and return the answer to connect to."""
    scheme, host, port = check_url(url, policy)
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeAddress(
            f"The name {host} could not be resolved.", reason="unresolved", host=host
        ) from exc
    addresses = [str(info[4][0]) for info in answers]
    if not addresses:
        raise UnsafeAddress(
            f"The name {host} could not be resolved.", reason="unresolved", host=host
        )
    for address in addresses:
        if not _allowed(address, policy):
            raise _inside(host, address)
    return Target(url=url.strip(), scheme=scheme, host=host, port=port, address=addresses[0])


def pin(request: httpx.Request, target: Target) -> httpx.Request:
    """Point the request at the checked address; the Host header (set when the request was
    built) and the name TLS checks the certificate against stay the host's."""
    request.url = request.url.copy_with(host=target.address)
    if target.scheme == "https":
        request.extensions = {**request.extensions, "sni_hostname": target.host}
    return request


class PinnedTransport(httpx.BaseTransport):
    """Every request is checked and pinned just before it leaves, whoever builds it (an
    OAuth library's token request included): a redirect or a rebinding name gets no further
    than the check."""

    def __init__(self, policy: Policy = STRICT, inner: httpx.BaseTransport | None = None):
        self.policy = policy
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(pin(request, resolve(str(request.url), self.policy)))

    def close(self) -> None:
        self.inner.close()


def client(policy: Policy = STRICT, *, timeout: float, **kwargs: object) -> httpx.Client:
    """A client whose every request is checked and pinned; no proxy from the environment
    (a proxy would make the connection itself, to whatever the name then means)."""
    return httpx.Client(
        transport=PinnedTransport(policy),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        **kwargs,  # type: ignore[arg-type]
    )
