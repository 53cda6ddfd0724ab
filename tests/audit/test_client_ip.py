"""Where a request came from: never forged by a header, never a crash on a bad one."""

from django.test import RequestFactory
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import client_ip


def request(forwarded: str = "", remote: str = "10.0.0.5"):
    meta = {"REMOTE_ADDR": remote}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    built = RequestFactory().get("/")
    built.META.update(meta)
    return built


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request("203.0.113.9")) == "10.0.0.5"


def test_behind_one_proxy_the_address_it_appended_counts_not_what_the_client_wrote(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request("198.51.100.1, 203.0.113.9")) == "203.0.113.9"
    assert client_ip(request("203.0.113.9")) == "203.0.113.9"


def test_behind_two_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request("198.51.100.1, 203.0.113.9, 10.0.0.2")) == "203.0.113.9"
    assert client_ip(request("10.0.0.2")) == "10.0.0.5"  # fewer hops than promised


def test_something_that_is_not_an_address_is_never_stored(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request("not-an-ip")) == "10.0.0.5"
    assert client_ip(request("", remote="garbage")) is None
    assert client_ip(request(" 2001:db8::1 ")) == "2001:db8::1"


def test_a_hostile_header_on_sign_in_is_recorded_safely_not_a_500(client, employee, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    response = client.post(
        reverse("accounts:login"),
        {"username": employee.email, "password": "wrong"},
        HTTP_X_FORWARDED_FOR="'; drop table--",
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="accounts.user.sign_in_failed")
    assert event.ip_address == "127.0.0.1"


def test_lockout_counts_the_real_client_behind_the_proxy(client, employee, password, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("accounts:login")
    for _ in range(5):
        client.post(
            url, {"username": employee.email, "password": "bad"}, HTTP_X_FORWARDED_FOR="203.0.113.9"
        )
    locked = client.post(
        url, {"username": employee.email, "password": password}, HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert locked.status_code == 429
    # The same person on another ward PC (another address) is not locked out.
    elsewhere = client.post(
        url, {"username": employee.email, "password": password}, HTTP_X_FORWARDED_FOR="203.0.113.10"
    )
    assert elsewhere.status_code == 302
