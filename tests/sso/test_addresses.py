"""An institution's admin cannot make Charter fetch from inside its own network through a
provider's addresses (the issuer, the SAML metadata URL, or what discovery names)."""

from __future__ import annotations

import socket

import httpx
import pytest
from django.urls import reverse

from config.outbound import UnsafeAddress
from sso import oidc, saml
from sso.addresses import check_fetch_url
from sso.errors import SsoConfigError
from sso.models import IdentityProvider

pytestmark = pytest.mark.django_db

INSIDE = [
    "https://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
    "https://10.0.0.5/",
    "https://192.168.1.1/idp",
    "https://[::ffff:127.0.0.1]/",
    "https://[fd00::1]/",
    "https://0.0.0.0/",
]
PUBLIC = "93.184.215.14"


def resolving(monkeypatch, address_of) -> list[str]:
    """Every name resolves to ``address_of(host)``; returns the names asked, in order."""
    asked: list[str] = []

    def resolve(host, port, *args, **kwargs):
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address_of(host), port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return asked


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.TESTING = False


@pytest.fixture
def no_fetch(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("Charter fetched an address it should have refused")

    # Below the pinning transport: where a connection would be made.
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)


@pytest.fixture
def wire(monkeypatch):
    """Stands where the connection is made: records each request that reaches it (its URL
    names the address connected to) and answers with ``wire.answer``."""

    class Wire:
        seen: list[httpx.Request] = []
        answer = httpx.Response(200, json={})

    def handle(transport, request):
        Wire.seen.append(request)
        return Wire.answer

    Wire.seen = []
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle)
    return Wire


@pytest.mark.parametrize("url", INSIDE)
def test_an_address_inside_the_network_is_refused(production, no_fetch, url):
    with pytest.raises(SsoConfigError, match="inside its own network"):
        check_fetch_url(url)
    with pytest.raises(SsoConfigError):
        saml.fetch_metadata(url)
    with pytest.raises(SsoConfigError):
        oidc.discover(url.rstrip("/"), fresh=True)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:6379/", "https://localhost:5432/", "http://10.0.0.5/"]
)
def test_loopback_and_plain_http_are_refused_in_production(production, no_fetch, url):
    with pytest.raises(SsoConfigError):
        saml.fetch_metadata(url)


def test_a_name_that_resolves_inside_the_network_is_refused(production, no_fetch, monkeypatch):
    resolving(monkeypatch, lambda host: "10.1.2.3")
    with pytest.raises(SsoConfigError, match=r"inside its own network \(idp\.example\.org\)"):
        saml.fetch_metadata("https://idp.example.org/metadata")


def test_a_public_name_is_allowed(production, monkeypatch):
    resolving(monkeypatch, lambda host: PUBLIC)
    check_fetch_url("https://idp.example.org/metadata")


@pytest.mark.parametrize("url", ["https://user:pw@idp.example.org/", "ftp://idp.example.org/"])
def test_credentials_and_other_schemes_are_refused(url):
    with pytest.raises(SsoConfigError):
        check_fetch_url(url)


def test_loopback_stays_open_for_the_demo_and_tests(settings):
    settings.DEBUG = True
    settings.TESTING = False
    check_fetch_url("http://127.0.0.1:8765/")


def test_discovery_naming_an_inside_key_address_is_refused(production, monkeypatch, wire):
    """A public provider whose discovery document points Charter's own requests inside."""
    document = {
        "issuer": "https://idp.example.org",
        "authorization_endpoint": "https://idp.example.org/authorize",
        "token_endpoint": "https://idp.example.org/token",
        "jwks_uri": "https://keys.internal.example/jwks",
    }
    resolving(monkeypatch, lambda host: "10.0.0.9" if host == "keys.internal.example" else PUBLIC)
    wire.answer = httpx.Response(200, json=document)
    with pytest.raises(SsoConfigError, match=r"keys\.internal\.example"):
        oidc.discover("https://idp.example.org", fresh=True)


def test_admin_saving_a_saml_provider_with_an_inside_metadata_url_is_told_why(
    production, no_fetch, admin
):
    def save(metadata_url: str):
        return admin.client().post(
            reverse("sso:provider_new") + "?protocol=saml",
            {
                "name": "Staff account",
                "email_domains": "riverside.test",
                "metadata_url": metadata_url,
            },
        )

    response = save("http://169.254.169.254/latest/meta-data/")
    assert response.status_code == 400
    assert "https://" in response.content.decode()
    response = save("https://169.254.169.254/latest/meta-data/")
    assert response.status_code == 400
    assert "inside its own network" in response.content.decode()


# --- DNS rebinding: the connection goes to the address that was checked ---------------------


def rebinding(monkeypatch, *answers) -> list[str]:
    """A resolver for idp.example.org that gives ``answers`` in turn (the last one from then
    on): a name whose owner changes what it points to between two look-ups."""

    def next_answer(host: str) -> str:
        # ``asked`` already holds this look-up: the n-th look-up gets the n-th answer.
        return answers[min(len(asked), len(answers)) - 1]

    asked = resolving(monkeypatch, next_answer)
    return asked


def test_a_fetch_connects_to_the_address_it_checked(production, monkeypatch, wire):
    """Public when checked, inside the network afterwards: the connection still goes to the
    public address, with the provider's name kept for the Host header and for TLS."""
    asked = rebinding(monkeypatch, PUBLIC, "10.0.0.5")
    wire.answer = httpx.Response(200, text="<metadata/>")
    assert saml.fetch_metadata("https://idp.example.org/saml/metadata") == "<metadata/>"
    [request] = wire.seen
    assert request.url.host == PUBLIC and request.url.path == "/saml/metadata"
    assert request.headers["Host"] == "idp.example.org"
    assert request.extensions["sni_hostname"] == "idp.example.org"  # certificate checked by name
    assert asked == ["idp.example.org"], "resolved once; the connection asks nobody again"


def test_a_name_that_turns_inside_after_the_check_is_refused_not_fetched(
    production, monkeypatch, wire
):
    """Discovery checks the issuer (public), then the name turns inside before the fetch: the
    fetch checks what it is about to connect to, and refuses."""
    asked = rebinding(monkeypatch, PUBLIC, "169.254.169.254")
    with pytest.raises(SsoConfigError, match=r"inside its own network \(idp\.example\.org\)"):
        oidc.discover("https://idp.example.org", fresh=True)
    assert wire.seen == []
    assert len(asked) == 2  # the check, then the fetch's own look-up, whose answer was refused


def test_the_token_request_is_checked_and_pinned_too(production, monkeypatch, wire):
    """Authlib makes the token request; it goes through the same pinned transport."""
    provider = IdentityProvider(client_id="charter", client_secret_sealed="")
    metadata = {"token_endpoint_auth_methods_supported": ["client_secret_post"]}
    rebinding(monkeypatch, PUBLIC, "10.0.0.5")
    with oidc._client(provider, metadata, "https://charter.example/sso/back") as client:
        assert (
            client.request("POST", "https://idp.example.org/token", withhold_token=True).status_code
            == 200
        )
        [request] = wire.seen
        assert request.url.host == PUBLIC and request.headers["Host"] == "idp.example.org"
        with pytest.raises(UnsafeAddress):  # the next look-up answers inside: refused
            client.request("POST", "https://idp.example.org/token", withhold_token=True)
    assert len(wire.seen) == 1


def test_a_redirect_is_not_followed(production, monkeypatch, wire):
    rebinding(monkeypatch, PUBLIC)
    wire.answer = httpx.Response(302, headers={"Location": "http://169.254.169.254/"})
    with pytest.raises(SsoConfigError, match="answered 302"):
        saml.fetch_metadata("https://idp.example.org/saml/metadata")
    assert len(wire.seen) == 1


# --- the loopback setting --------------------------------------------------------------------


def test_loopback_is_open_in_tests_by_the_setting(settings):
    assert settings.CHARTER_SSO_ALLOW_LOOPBACK  # what the test providers on 127.0.0.1 need
    check_fetch_url("http://127.0.0.1:8765/")
    check_fetch_url("http://localhost:8765/")


def test_loopback_is_closed_when_the_setting_is_off(settings):
    settings.CHARTER_SSO_ALLOW_LOOPBACK = False
    with pytest.raises(SsoConfigError, match="https://"):
        check_fetch_url("http://127.0.0.1:8765/")
    with pytest.raises(SsoConfigError, match="inside its own network"):
        check_fetch_url("https://127.0.0.1:8765/")


def test_the_setting_cannot_open_loopback_in_production(production, settings, no_fetch):
    settings.CHARTER_SSO_ALLOW_LOOPBACK = True
    for url in ("http://127.0.0.1:8765/", "https://127.0.0.1:8765/", "https://localhost/"):
        with pytest.raises(SsoConfigError):
            check_fetch_url(url)
        with pytest.raises(SsoConfigError):
            saml.fetch_metadata(url)
