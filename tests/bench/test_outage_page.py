"""While the database is down or restarting, people get a plain 503 page, never a traceback."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import reverse

from tests.a11y import validate_html, validator_available


def _failing(exc: Exception):
    def fail(*args, **kwargs):
        raise exc

    return fail


def _get_home(persona, monkeypatch, exc: Exception):
    # The first query of a signed-in request reads the person with their memberships.
    monkeypatch.setattr("accounts.middleware.signed_in_person", _failing(exc))
    monkeypatch.setattr("sso.backends.signed_in_person", _failing(exc))
    client = Client(raise_request_exception=False)
    client.force_login(persona.user)
    return client.get(reverse("home"))


def test_database_outage_answers_503_with_retry_after_and_no_traceback(employee, monkeypatch):
    response = _get_home(
        employee, monkeypatch, OperationalError("connection to server at 127.0.0.1 failed")
    )
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Charter is briefly unavailable" in body
    assert "Nothing you submitted was half-saved" in body
    assert "Traceback" not in body and "127.0.0.1" not in body
    # Help stays where it is on every other page, even with the database down.
    assert "mailto:" in body and 'href="/accessibility/"' in body


def test_a_connection_lost_mid_request_is_also_a_503(employee, monkeypatch):
    response = _get_home(employee, monkeypatch, InterfaceError("connection already closed"))
    assert response.status_code == 503


def test_a_bug_is_still_a_500_not_an_outage(employee, monkeypatch):
    response = _get_home(employee, monkeypatch, ValueError("a bug"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in body and "a bug" not in body
    assert "Retry-After" not in response


def test_a_session_that_cannot_be_saved_because_the_database_is_down_is_a_503(rf):
    from django.contrib.sessions.exceptions import SessionInterrupted

    from config.errors import bad_request

    # What SessionMiddleware raises when the UPDATE of the session fails mid-outage.
    interrupted = SessionInterrupted("The request's session was deleted")
    interrupted.__context__ = OperationalError("server closed the connection unexpectedly")
    response = bad_request(rf.get("/"), interrupted)
    assert response.status_code == 503
    assert b"briefly unavailable" in response.content


def test_other_bad_requests_stay_400(rf):
    from django.core.exceptions import SuspiciousOperation

    from config.errors import bad_request

    assert bad_request(rf.get("/"), SuspiciousOperation("odd")).status_code == 400


def test_the_plain_error_pages_are_valid_html(employee, monkeypatch):
    if not validator_available():
        pytest.skip("the Nu Html Checker needs Java and vnu.jar")
    pages = {
        "503": _get_home(employee, monkeypatch, OperationalError("down")).content.decode(),
        "500": _get_home(employee, monkeypatch, ValueError("a bug")).content.decode(),
    }
    assert validate_html(pages) == {}, "only pages with errors are listed"
