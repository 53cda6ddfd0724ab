"""Admins connect a provider: discovery checked, the secret write-only, a test before it is on."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from django.urls import reverse
from django.views.debug import SafeExceptionReporterFilter

from accounts.demo import load_people
from audit.models import AuditEvent
from sso import demo
from sso import services as sso_services
from sso.models import IdentityProvider, SignInPolicy

from .support import CLIENT_ID, CLIENT_SECRET, provider_url

pytestmark = pytest.mark.django_db


def new_provider(admin, idp, **extra):
    data = {
        "name": "Riverside staff account",
        "email_domains": "riverside.test",
        "issuer": idp.url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "link_by_email": "on",
        **extra,
    }
    return admin.client().post(reverse("sso:provider_new") + "?protocol=oidc", data)


def test_admin_connects_a_provider_and_the_secret_is_never_shown_again(admin, idp, caplog):
    caplog.set_level(logging.DEBUG)
    response = new_provider(admin, idp)
    assert response.status_code == 302
    provider = IdentityProvider.objects.get()
    assert provider.client_secret() == CLIENT_SECRET
    assert CLIENT_SECRET not in provider.client_secret_sealed
    assert not provider.is_enabled and provider.tested_at is None
    page = admin.client().get(reverse("sso:provider", args=[provider.pk])).content.decode()
    assert CLIENT_SECRET not in page and provider.client_secret_sealed not in page
    assert "never shown again" in page
    # Saving again without typing the secret keeps it.
    admin.client().post(
        reverse("sso:provider", args=[provider.pk]),
        {
            "name": "Staff login",
            "email_domains": "riverside.test",
            "issuer": idp.url,
            "client_id": CLIENT_ID,
            "client_secret": "",
            "link_by_email": "on",
        },
    )
    provider.refresh_from_db()
    assert provider.name == "Staff login" and provider.client_secret() == CLIENT_SECRET
    for event in AuditEvent.objects.filter(action__startswith="sso."):
        assert CLIENT_SECRET not in str(event.details)
        assert provider.client_secret_sealed not in str(event.details)
    assert CLIENT_SECRET not in caplog.text


def test_a_wrong_issuer_gets_a_clear_message_and_nothing_is_saved(admin, idp):
    response = new_provider(admin, idp, issuer="http://127.0.0.1:9")
    assert response.status_code == 400
    assert "could not reach" in response.content.decode()
    assert CLIENT_SECRET not in response.content.decode()  # the form is shown back without it
    assert not IdentityProvider.objects.exists()


def test_an_error_report_while_saving_masks_the_secret(admin, idp, monkeypatch):
    """Whatever fails while a provider is saved, the report of it never holds the secret."""
    seen: list[Any] = []

    def fail(**kwargs: Any) -> bool:
        seen.append(kwargs["request"])
        raise RuntimeError("the database went away")

    monkeypatch.setattr(sso_services, "save_provider", fail)
    with pytest.raises(RuntimeError):
        new_provider(admin, idp)
    report = SafeExceptionReporterFilter().get_post_parameters(seen[0])
    assert report["client_secret"] != CLIENT_SECRET and CLIENT_SECRET not in str(report)


def test_an_issuer_that_names_itself_differently_is_refused(admin, idp):
    response = new_provider(admin, idp, issuer=idp.url + "/")
    # A trailing slash is the same issuer; another host is not.
    assert response.status_code == 302
    response = new_provider(
        admin, idp, name="Other", issuer=idp.url.replace("127.0.0.1", "localhost")
    )
    assert response.status_code == 400
    assert "calls itself" in response.content.decode()


def test_plain_http_issuer_is_refused_off_loopback(admin, idp):
    response = new_provider(admin, idp, issuer="http://login.example.org")
    assert response.status_code == 400
    assert "https://" in response.content.decode()


def test_switching_on_needs_a_test_sign_in_that_worked(admin, employee, idp):
    new_provider(admin, idp)
    provider = IdentityProvider.objects.get()
    client = admin.client()
    client.post(reverse("sso:provider_switch", args=[provider.pk]), {"on": "1"})
    provider.refresh_from_db()
    assert not provider.is_enabled
    # The test sign-in: the admin goes to the provider and comes back; nobody is signed in.
    idp.as_person(employee.email, sub="emp-001", amr=["pwd", "mfa"])
    start = client.post(reverse("sso:provider_test", args=[provider.pk]))
    back = httpx.URL(httpx.get(provider_url(start)).headers["location"])
    result = client.get(back.path, dict(back.params))
    html = result.content.decode()
    assert result.status_code == 200 and "The test worked" in html and employee.email in html
    assert client.session["_auth_user_id"] == str(admin.user.pk)
    provider.refresh_from_db()
    assert provider.tested_at is not None and not provider.identities.exists()
    client.post(reverse("sso:provider_switch", args=[provider.pk]), {"on": "1"})
    provider.refresh_from_db()
    assert provider.is_enabled
    # A change to the connection switches it off until tested again: never a lock-out.
    client.post(
        reverse("sso:provider", args=[provider.pk]),
        {
            "name": provider.name,
            "email_domains": "riverside.test",
            "issuer": idp.url,
            "client_id": "another-client",
            "link_by_email": "on",
        },
    )
    provider.refresh_from_db()
    assert not provider.is_enabled and provider.tested_at is None


def test_a_failed_test_sign_in_says_why(admin, employee, idp):
    new_provider(admin, idp)
    provider = IdentityProvider.objects.get()
    idp.control(auto_user={"email": employee.email}, aud="someone-else")
    client = admin.client()
    start = client.post(reverse("sso:provider_test", args=[provider.pk]))
    back = httpx.URL(httpx.get(provider_url(start)).headers["location"])
    result = client.get(back.path, dict(back.params))
    assert result.status_code == 400
    assert "audience" in result.content.decode()
    provider.refresh_from_db()
    assert provider.tested_at is None and "audience" in provider.last_error


def test_passwords_can_be_turned_off_only_with_a_provider_on_and_a_break_glass_admin(
    admin, employee, idp
):
    client = admin.client()
    client.post(reverse("sso:policy"), {"break_glass": admin.user.pk})
    assert not SignInPolicy.objects.filter(passwords_allowed=False).exists()
    new_provider(admin, idp)
    IdentityProvider.objects.update(is_enabled=True)
    client.post(reverse("sso:policy"), {})
    assert not SignInPolicy.objects.filter(passwords_allowed=False).exists()
    response = client.post(reverse("sso:policy"), {"break_glass": admin.user.pk}, follow=True)
    assert "Sign-in rule saved" in response.content.decode()
    policy = SignInPolicy.objects.get()
    assert not policy.passwords_allowed and policy.break_glass == admin.user


def test_providers_page_lists_and_offers_both_kinds(admin, idp):
    new_provider(admin, idp)
    html = admin.client().get(reverse("sso:providers")).content.decode()
    assert "Riverside staff account" in html and "Not tested" in html
    assert "OpenID Connect" in html and "SAML 2.0" in html


def test_demo_provider_is_configured_for_the_demo_institution(db):
    assert demo.configure("http://127.0.0.1:8800") is None  # no demo loaded: nothing done
    load_people()
    provider = demo.configure("http://127.0.0.1:8800")
    assert provider is not None and provider.is_enabled and "DEMO" in provider.name
    assert provider.accepts_email("employee@riverside.example")
