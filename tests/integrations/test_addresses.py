"""No server-side request forgery: private and loopback addresses are refused in production."""

from __future__ import annotations

import socket

import pytest

from integrations import services
from integrations.addresses import UnsafeAddress, check_url, resolve
from integrations.models import Endpoint, EventType
from integrations.signing import sign, verify


@pytest.fixture
def production(settings):
    settings.CHARTER_WEBHOOKS_ALLOW_PRIVATE = False


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.org/charter",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.0.0.8/hook",
        "https://192.168.1.20/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://user:pass@hooks.example.org/",
        "https://printer.internal/hook",
        "ftp://hooks.example.org/",
    ],
)
def test_unsafe_addresses_are_refused(production, url):
    with pytest.raises(UnsafeAddress):
        check_url(url)


def test_a_name_that_resolves_inside_the_network_is_refused(production, monkeypatch):
    def fake(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    assert check_url("https://hooks.example.org/x")[1] == "hooks.example.org"
    with pytest.raises(UnsafeAddress, match="private network"):
        resolve("https://hooks.example.org/x")


def test_a_public_answer_is_pinned(production, monkeypatch):
    def fake(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    target = resolve("https://hooks.example.org/x")
    assert (target.address, target.host, target.port) == ("93.184.215.14", "hooks.example.org", 443)


def test_the_admin_is_told_why(production, admin):
    with pytest.raises(services.IntegrationError, match="inside the hospital's network"):
        services.create_endpoint(
            organization=admin.org,
            by=admin.user,
            kind=Endpoint.Kind.WEBHOOK,
            name="x",
            url="https://127.0.0.1:8443/",
            events=[EventType.GUIDELINE_PUBLISHED],
        )


def test_tests_may_use_loopback(settings):
    settings.CHARTER_WEBHOOKS_ALLOW_PRIVATE = True
    assert check_url("http://127.0.0.1:9999/x") == ("http", "127.0.0.1", 9999)


def test_signatures_bind_the_timestamp_and_the_body():
    header = sign("whsec_a", b'{"id":1}', timestamp=1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert verify("whsec_a", b'{"id":1}', header, now=1_700_000_010)
    assert not verify("whsec_b", b'{"id":1}', header, now=1_700_000_010)
    assert not verify("whsec_a", b'{"id":2}', header, now=1_700_000_010)
    assert not verify("whsec_a", b'{"id":1}', header, now=1_700_000_000 + 301)
    assert not verify("whsec_a", b'{"id":1}', "garbage", now=1_700_000_000)
