"""Idle sessions end after SESSION_IDLE_MINUTES (30 by default) with a clear message."""

from datetime import timedelta

import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.middleware_idle import MARKER_COOKIE
from audit.models import AuditEvent

PAGE = reverse("accounts:notifications")
LOGIN = reverse("accounts:login")


def _signed_in(persona, password) -> Client:
    client = Client()
    client.post(LOGIN, {"username": persona.email, "password": password})
    return client


def test_activity_within_the_limit_keeps_the_session(employee, password):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = _signed_in(employee, password)
        for _ in range(3):
            traveller.shift(timedelta(minutes=25))
            assert client.get(PAGE).status_code == 200


def test_idle_session_ends_with_a_clear_message(employee, password):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = _signed_in(employee, password)
        assert client.get(PAGE).status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = client.get(PAGE)
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next=/accounts/notifications/"
        login_page = client.get(response["Location"]).content.decode()
    assert "Your session ended after 30 minutes without activity" in login_page
    assert "Log in to Charter" in login_page


def test_the_message_is_shown_once(employee, password):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = _signed_in(employee, password)
        client.get(PAGE)
        traveller.shift(timedelta(minutes=31))
        client.get(PAGE, follow=True)
        again = client.get(LOGIN).content.decode()
    assert "without activity" not in again


def test_signing_out_is_not_reported_as_idle(employee, password):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = _signed_in(employee, password)
        client.get(PAGE)
        client.post(reverse("accounts:logout"))
        assert MARKER_COOKIE not in client.cookies or not client.cookies[MARKER_COOKIE].value
        traveller.shift(timedelta(minutes=45))
        page = client.get(PAGE, follow=True).content.decode()
    assert "without activity" not in page


def test_shorter_limit_ends_a_session_that_the_store_still_holds(employee, password):
    """Sessions saved under a longer limit still end once the configured idle time passed."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = _signed_in(employee, password)
        client.get(PAGE)
        with override_settings(SESSION_COOKIE_AGE=10 * 60):
            traveller.shift(timedelta(minutes=11))
            response = client.get(PAGE)
            assert response.status_code == 302 and response["Location"].startswith(LOGIN)
            page = client.get(response["Location"]).content.decode()
    assert "Your session ended after 10 minutes without activity" in page
    event = AuditEvent.objects.filter(action="accounts.user.signed_out").first()
    assert event is not None and event.actor == employee.user


def test_a_forged_marker_cookie_is_ignored(client, db):
    client.cookies[MARKER_COOKIE] = "0"
    page = client.get(LOGIN).content.decode()
    assert "Your session" not in page


def test_anonymous_visitors_see_no_message(client, db):
    response = client.get(PAGE, follow=True)
    assert "without activity" not in response.content.decode()


def test_idle_ended_htmx_request_sends_the_whole_page_to_login(employee, password):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = _signed_in(employee, password)
        client.get(PAGE)
        traveller.shift(timedelta(minutes=31))
        response = client.get(PAGE, headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"] == LOGIN


def test_a_session_ended_for_another_reason_says_so_without_blaming_idleness(employee, password):
    client = _signed_in(employee, password)
    assert client.get(PAGE).status_code == 200
    employee.user.is_active = False  # e.g. the person's account was closed meanwhile
    employee.user.save()
    page = client.get(PAGE, follow=True).content.decode()
    assert "Your session has ended" in page and "without activity" not in page
