"""An address is one person whatever its case or stray spaces: the lockout, sign-in, the
re-entered password, password reset, invitations and the database all agree."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.forms import modelform_factory
from django.urls import reverse

from accounts.emails import lockout_username, normalize_email
from accounts.models import Invitation, User
from accounts.services import invite_person
from tests.accounts.twofactor_support import code_for, enrol


def test_an_address_is_trimmed_and_lower_cased():
    assert normalize_email("  Staff150@RIVeRsIde.exAmple\t") == "staff150@riverside.example"
    assert normalize_email(None) == ""


def test_the_lockout_counts_every_case_variant_as_one_address(rf):
    typed = {"username": "Staff150@RIVeRsIde.exAmple "}
    assert lockout_username(rf.post("/", typed)) == "staff150@riverside.example"
    assert lockout_username(rf.post("/"), typed) == "staff150@riverside.example"
    assert lockout_username(rf.post("/"), {}) is None


def test_five_wrong_passwords_lock_the_address_in_every_case(client, employee, password):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": employee.email, "password": "bad"})
    variant = "Employee@RIVERside.TEST"
    response = client.post(reverse("accounts:login"), {"username": variant, "password": password})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_guesses_spread_over_case_variants_add_up(client, employee, password):
    variants = ("EMPLOYEE@riverside.test", "employee@RIVERSIDE.test", " Employee@Riverside.Test")
    for variant in variants:
        for _ in range(2):
            client.post(reverse("accounts:login"), {"username": variant, "password": "bad"})
    response = client.post(
        reverse("accounts:login"), {"username": employee.email, "password": password}
    )
    assert response.status_code == 429


def test_wrong_sign_ins_in_another_case_count_towards_the_re_entered_password(
    client, employee, password
):
    """Sign-in guesses and re-entered-password guesses share one count per address."""
    device = enrol(employee.user)
    signed_in = employee.client()
    signed_in.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)})
    for _ in range(4):
        client.post(
            reverse("accounts:login"), {"username": "EMPLOYEE@Riverside.test", "password": "x"}
        )
    signed_in.post(reverse("accounts:two_factor_disable"), {"password": "guess"})
    response = signed_in.post(
        reverse("accounts:two_factor_disable"), {"password": password}, follow=True
    )
    assert "Too many wrong passwords" in response.content.decode()


def test_sign_in_with_spaces_and_capitals_reaches_the_same_account(client, employee, password):
    response = client.post(
        reverse("accounts:login"),
        {"username": "  EMPLOYEE@Riverside.Test ", "password": password},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(employee.user.pk)


def test_password_reset_finds_the_account_whatever_the_case(client, employee, mailoutbox):
    response = client.post(
        reverse("accounts:password_reset"), {"email": " Employee@RIVERSIDE.test "}
    )
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[employee.email]]


def test_an_invitation_stores_the_normalised_address(client, admin):
    response = admin.client().post(
        reverse("accounts:invite"),
        {"email": "  New.Nurse@Riverside.TEST ", "full_name": "Nina Nurse"},
    )
    assert response.status_code == 302
    assert User.objects.filter(email="new.nurse@riverside.test").exists()
    again = admin.client().post(
        reverse("accounts:invite"), {"email": "NEW.NURSE@riverside.test", "full_name": "Nina"}
    )
    # The same person, found whatever the case: never signed in, so they get a new link.
    assert again.status_code == 302
    assert User.objects.filter(email__iexact="new.nurse@riverside.test").count() == 1
    invitations = Invitation.objects.filter(membership__user__email="new.nurse@riverside.test")
    assert invitations.count() == 2


def test_invite_service_normalises_on_its_own(admin, org):
    membership = invite_person(
        organization=org, invited_by=admin.user, email=" Mixed@Case.Test", full_name="Mia"
    )
    assert membership.user.email == "mixed@case.test"


def test_the_manager_stores_and_finds_the_normalised_address(db):
    user = User.objects.create_user(email=" Ward.Clerk@Riverside.TEST", full_name="Wanda")
    assert user.email == "ward.clerk@riverside.test"
    assert User.objects.get_by_natural_key("WARD.CLERK@riverside.test ") == user


@pytest.mark.parametrize("stored", ["Mixed@riverside.test", " padded@riverside.test"])
def test_the_database_refuses_an_address_that_is_not_normalised(db, stored):
    """A write that skips the manager (bulk import, a script) cannot store a case variant
    that would dodge the unique address and the lockout."""
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email=stored, full_name="Someone")


def test_a_form_over_the_model_normalises_before_checking_uniqueness(employee):
    """The operators' admin edits users through a model form: same rule, a clear error."""
    form_class = modelform_factory(User, fields=["email", "full_name"])
    form = form_class(data={"email": " EMPLOYEE@Riverside.test", "full_name": "Copy"})
    assert not form.is_valid()
    assert "already exists" in str(form.errors)
    fresh = form_class(data={"email": "Fresh@Riverside.TEST", "full_name": "Fresh"})
    assert fresh.is_valid(), fresh.errors
    assert fresh.save().email == "fresh@riverside.test"
