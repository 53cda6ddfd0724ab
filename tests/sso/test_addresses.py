"""An institution's admin cannot make Charter fetch from inside its own network through a
provider's addresses (the issuer, the SAML metadata URL, or what discovery names)."""

from __future__ import annotations

import socket

import httpx
import pytest
from django.urls import reverse

from sso import oidc, saml
from sso.addresses import check_fetch_url
from sso.errors import SsoConfigError

pytestmark = pytest.mark.django_db

INSIDE = [
    "https://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
    "https://10.0.0.5/",
    "https://192.168.1.1/idp",
    "https://[::ffff:127.0.0.1]/",
    "https://[fd00::1]/",
    "https://0.0.0.0/",
]


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.TESTING = False


@pytest.fixture
def no_fetch(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("Charter fetched an address it should have refused")

    monkeypatch.setattr(httpx, "get", refuse)


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
    def inside(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]

    monkeypatch.setattr(socket, "getaddrinfo", inside)
    with pytest.raises(SsoConfigError, match=r"inside its own network \(idp\.example\.org\)"):
        saml.fetch_metadata("https://idp.example.org/metadata")


def test_a_public_name_is_allowed(production, monkeypatch):
    def public(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]

    monkeypatch.setattr(socket, "getaddrinfo", public)
    check_fetch_url("https://idp.example.org/metadata")


@pytest.mark.parametrize("url", ["https://user:pw@idp.example.org/", "ftp://idp.example.org/"])
def test_credentials_and_other_schemes_are_refused(url):
    with pytest.raises(SsoConfigError):
        check_fetch_url(url)


def test_loopback_stays_open_for_the_demo_and_tests(settings):
    settings.DEBUG = True
    check_fetch_url("http://127.0.0.1:8765/")


def test_discovery_naming_an_inside_key_address_is_refused(production, monkeypatch):
    """A public provider whose discovery document points Charter's own requests inside."""

    def public(host, port, *args, **kwargs):
        address = "10.0.0.9" if host == "keys.internal.example" else "93.184.215.14"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    document = {
        "issuer": "https://idp.example.org",
        "authorization_endpoint": "https://idp.example.org/authorize",
        "token_endpoint": "https://idp.example.org/token",
        "jwks_uri": "https://keys.internal.example/jwks",
    }
    monkeypatch.setattr(socket, "getaddrinfo", public)
    monkeypatch.setattr(httpx, "get", lambda *a, **k: httpx.Response(200, json=document))
    with pytest.raises(SsoConfigError, match=r"keys\.internal\.example"):
        oidc.discover("https://idp.example.org", fresh=True)


def test_admin_saving_a_saml_provider_with_an_inside_metadata_url_is_told_why(
    production, no_fetch, admin
):
    response = admin.client().post(
        reverse("sso:provider_new") + "?protocol=saml",
        {
            "name": "Staff account",
            "email_domains": "riverside.test",
            "metadata_url": "http://169.254.169.254/latest/meta-data/",
        },
    )
    assert response.status_code == 400
    assert "https://" in response.content.decode()
    response = admin.client().post(
        reverse("sso:provider_new") + "?protocol=saml",
        {
            "name": "Staff account",
            "email_domains": "riverside.test",
            "metadata_url": "https://169.254.169.254/latest/meta-data/",
        },
    )
    assert response.status_code == 400
    assert "inside its own network" in response.content.decode()
