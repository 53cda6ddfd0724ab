"""A real OpenID Connect provider process on loopback, started once for the test session."""

from __future__ import annotations

import html
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from sso.models import IdentityProvider

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "charter-tests"
CLIENT_SECRET = "s3cret-never-shown-again"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class OidcIdp:
    url: str

    def control(self, *, auto_user: dict[str, Any] | None = None, **tamper: Any) -> None:
        httpx.post(f"{self.url}/control", json={"auto_user": auto_user, "tamper": tamper})

    def as_person(self, email: str, **claims: Any) -> None:
        self.control(auto_user={"email": email, **claims})


@pytest.fixture(scope="session")
def oidc_process():
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sso.demo_idp",
            "--port",
            str(port),
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(f"{url}/.well-known/openid-configuration", timeout=1)
            break
        except httpx.HTTPError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                err = proc.stderr.read() if proc.stderr else b""
                raise RuntimeError(f"The test provider did not start: {err!r}") from None
            time.sleep(0.1)
    yield OidcIdp(url)
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def idp(oidc_process):
    oidc_process.control()  # no auto user, no tampering
    yield oidc_process
    oidc_process.control()


@pytest.fixture
def provider(org, idp) -> IdentityProvider:
    p = IdentityProvider(
        organization=org,
        name="Riverside staff account",
        protocol=IdentityProvider.Protocol.OIDC,
        email_domains="riverside.test",
        issuer=idp.url,
        client_id=CLIENT_ID,
        is_enabled=True,
        link_by_email=True,
    )
    p.set_client_secret(CLIENT_SECRET)
    p.save()
    return p


def sso_round_trip(client: Client, email: str, *, follow_to: str | None = None) -> Any:
    """Press "Sign in with your hospital account", let the provider answer, come back."""
    response = client.post(reverse("accounts:login"), {"username": email, "sso": "1"})
    return follow_provider(client, provider_url(response))


def provider_url(response: Any) -> str:
    """Where Charter's "continuing to the provider" page sends the browser."""
    assert response.status_code == 200, response.content[:500]
    found = re.search(r'href="([^"]+)" data-testid="provider-link"', response.content.decode())
    assert found and found.group(1), response.content[:500]
    return html.unescape(found.group(1))


def follow_provider(client: Client, url: str) -> Any:
    at_idp = httpx.get(url, follow_redirects=False, timeout=10)
    assert at_idp.status_code == 302, at_idp.text[:300]
    back = httpx.URL(at_idp.headers["location"])
    return client.get(back.path, dict(back.params))


@dataclass
class SamlIdp:
    url: str

    def control(
        self,
        *,
        sp_metadata: str = "",
        auto_user: dict[str, Any] | None = None,
        **tamper: Any,
    ) -> None:
        answer = httpx.post(
            f"{self.url}/control",
            json={"sp_metadata": sp_metadata, "auto_user": auto_user, "tamper": tamper},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text


def _start(module: str, *args: str, probe: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", module, "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    # Generous: on a busy machine the first answer (a signed metadata document) takes seconds.
    deadline = time.monotonic() + 90
    while True:
        try:
            httpx.get(f"{url}{probe}", timeout=10)
            return proc, url
        except httpx.HTTPError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                err = proc.stderr.read() if proc.stderr else b""
                raise RuntimeError(f"The test provider did not start: {err!r}") from None
            time.sleep(0.1)


@pytest.fixture(scope="session")
def saml_process():
    proc, url = _start("sso.demo_saml_idp", probe="/metadata")
    yield SamlIdp(url)
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def saml_provider(org, saml_process) -> IdentityProvider:
    p = IdentityProvider.objects.create(
        organization=org,
        name="Riverside SAML",
        protocol=IdentityProvider.Protocol.SAML,
        email_domains="riverside.test",
        metadata_url=f"{saml_process.url}/metadata",
        is_enabled=True,
        link_by_email=True,
    )
    return p


def saml_round_trip(
    client: Client,
    provider: IdentityProvider,
    idp: SamlIdp,
    person: dict[str, Any],
    start_url: str = "",
    **tamper: Any,
) -> tuple[Any, dict[str, str]]:
    """Start at Charter, let the SAML provider answer, post its answer back. Returns Charter's
    response and the posted form (to replay it)."""
    sp_metadata = client.get(reverse("sso:saml_metadata", args=[provider.pk])).content.decode()
    idp.control(sp_metadata=sp_metadata, auto_user=person, **tamper)
    start = client.post(start_url or reverse("sso:start"), {"provider": provider.pk})
    assert start.status_code == 200, re.findall(r'refusal">([^<]*)', start.content.decode())
    at_idp = httpx.get(provider_url(start), timeout=10)
    assert at_idp.status_code == 200, at_idp.text[:300]
    action = html.unescape(re.search(r"action='([^']+)'", at_idp.text).group(1))  # type: ignore[union-attr]
    form = {
        name: html.unescape(value)
        for name, value in re.findall(
            r"name='(SAMLResponse|RelayState)' value='([^']*)'", at_idp.text
        )
    }
    return client.post(httpx.URL(action).path, form), form


@pytest.fixture(scope="session")
def third_party_process():
    """`oidc-provider-mock` from PyPI: an OpenID Connect provider Charter did not write, with
    client registration and nonces required (its issuer is its own address)."""
    proc, url = _start(
        "oidc_provider_mock",
        "--require-registration",
        "--require-nonce",
        probe="/.well-known/openid-configuration",
    )
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def register_at(url: str, organization: Any, callback: str) -> IdentityProvider:
    """Register Charter at ``url`` as a confidential client, and connect it as an admin would."""
    answer = httpx.post(
        f"{url}/oauth2/clients",
        json={"redirect_uris": [callback], "token_endpoint_auth_method": "client_secret_basic"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    registered = answer.json()
    provider = IdentityProvider(
        organization=organization,
        name="Riverside staff account",
        protocol=IdentityProvider.Protocol.OIDC,
        email_domains="riverside.test",
        issuer=url,
        client_id=registered["client_id"],
        is_enabled=True,
        link_by_email=True,
    )
    provider.set_client_secret(registered["client_secret"])
    provider.save()
    return provider


def person_at(url: str, sub: str, **claims: Any) -> None:
    """What the provider will say about ``sub`` (its e-mail, name…)."""
    assert httpx.put(f"{url}/users/{sub}", json=claims, timeout=10).status_code == 204
