import pytest
from django.urls import reverse

from audit.models import AuditEvent


def test_login_page_has_labelled_fields(client, db):
    response = client.get(reverse("accounts:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'for="id_username"' in html and "Email" in html
    assert 'for="id_password"' in html and "Password" in html
    assert ">Log in</button>" in html


def test_employee_logs_in_with_email_and_password(client, employee, password):
    response = client.post(
        reverse("accounts:login"), {"username": employee.email, "password": password}
    )
    assert response.status_code == 302
    assert response.url == reverse("home")
    home = client.get(reverse("home"))
    assert "Riverside" in home.content.decode()
    assert AuditEvent.objects.filter(action="accounts.user.signed_in", actor=employee.user).exists()


def test_login_email_is_case_insensitive_for_typing(client, employee, password):
    response = client.post(
        reverse("accounts:login"), {"username": employee.email.upper(), "password": password}
    )
    assert response.status_code == 302


def test_wrong_password_keeps_email_and_is_audited(client, employee):
    response = client.post(
        reverse("accounts:login"), {"username": employee.email, "password": "nope"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert employee.email in html
    assert "We could not sign you in with that e-mail address and password." in html
    assert "Please enter a correct" not in html
    event = AuditEvent.objects.get(action="accounts.user.sign_in_failed")
    assert event.actor_label == employee.email


def test_unknown_address_and_deactivated_account_get_the_same_sentence(client, employee, password):
    unknown = client.post(
        reverse("accounts:login"), {"username": "nobody@riverside.example", "password": "x"}
    )
    employee.user.is_active = False
    employee.user.save(update_fields=["is_active"])
    inactive = client.post(
        reverse("accounts:login"), {"username": employee.email, "password": password}
    )
    sentence = "We could not sign you in with that e-mail address and password."
    assert sentence in unknown.content.decode()
    assert sentence in inactive.content.decode()
    assert "inactive" not in inactive.content.decode().lower()


def test_repeated_failures_lock_the_account_with_a_clear_message(client, employee, password):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": employee.email, "password": "bad"})
    response = client.post(
        reverse("accounts:login"), {"username": employee.email, "password": password}
    )
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed attempts" in html
    # Worded the same whether or not the address has an account.
    assert "this e-mail address from your connection is paused" in html


def test_logout_is_a_post_and_ends_the_session(employee):
    client = employee.client()
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.filter(action="accounts.user.signed_out").exists()


def test_anonymous_home_redirects_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_password_reset_sends_a_working_link(client, employee, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": employee.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    link = next(line for line in body.splitlines() if "/password-reset/" in line)
    path = link.split("testserver", 1)[1]
    page = client.get(path, follow=True)
    assert "Choose a password" in page.content.decode()
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else path
    done = client.post(
        form_url,
        {"new_password1": "a new long passphrase", "new_password2": "a new long passphrase"},
    )
    assert done.status_code == 302
    employee.user.refresh_from_db()
    assert employee.user.check_password("a new long passphrase")


@pytest.mark.parametrize("path", ["/healthz"])
def test_unknown_email_reset_says_the_same(client, db, path, mailoutbox):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@x.test"})
    assert response.status_code == 302
    assert mailoutbox == []
