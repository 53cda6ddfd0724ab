"""A person in two institutions: each institution's admin manages only its own place for
them; the password and two-factor are the person's, and every institution sees changes to
them; joining another institution is the person's choice and never moves their default."""

from __future__ import annotations

import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership, User
from accounts.staff_import import import_staff
from accounts.twofactor import services as twofactor
from audit.models import AuditEvent
from tests.accounts.twofactor_support import code_for, enrol
from tests.factories import PASSWORD


def events(action: str) -> set[str]:
    """Names of the institutions whose audit trail holds ``action``."""
    return {
        e.organization.name if e.organization else "(platform)"
        for e in AuditEvent.objects.filter(action=action).select_related("organization")
    }


def sign_in(client, email: str, password: str = PASSWORD):
    response = client.post(reverse("accounts:login"), {"username": email, "password": password})
    assert response.status_code == 302, "the sign-in itself must work"
    return client.get(reverse("home"))


# --- two-factor is the person's, not one institution's ----------------------------------


def test_another_institutions_admin_cannot_strip_a_shared_persons_two_factor(outsider, shared):
    enrol(shared.user)
    response = outsider.client().post(
        reverse("accounts:two_factor_reset", args=[shared.elsewhere.pk]), follow=True
    )
    assert response.status_code == 200
    assert "also a member of another institution" in response.content.decode()
    assert twofactor.has_device(shared.user)
    assert StaticDevice.objects.filter(user=shared.user, confirmed=True).exists()
    assert not AuditEvent.objects.filter(action="accounts.two_factor.reset").exists()


def test_the_service_refuses_too_whichever_institution_asks(admin, outsider, shared):
    enrol(shared.user)
    for membership, by in ((shared.elsewhere, outsider.user), (shared.membership, admin.user)):
        with pytest.raises(twofactor.TwoFactorError, match="another institution"):
            twofactor.reset(membership=membership, reset_by=by)
    assert twofactor.has_device(shared.user)


def test_a_shared_person_then_signs_off_with_their_code_as_before(outsider, shared):
    """The attack's purpose: legal must not be left signing Riverside reviews on a password."""
    enrol(shared.user)
    outsider.client().post(reverse("accounts:two_factor_reset", args=[shared.elsewhere.pk]))
    client = shared.client()
    assert client.get(reverse("home")).status_code == 302  # still asked for a code


def test_the_person_page_offers_no_reset_and_says_why(outsider, shared):
    enrol(shared.user)
    html = (
        outsider.client()
        .get(reverse("accounts:person", args=[shared.elsewhere.pk]))
        .content.decode()
    )
    assert "also belongs to another institution" in html
    assert reverse("accounts:two_factor_reset", args=[shared.elsewhere.pk]) not in html
    security = outsider.client().get(reverse("accounts:security"), {"q": "shared"})
    assert "theirs to reset" in security.content.decode()


def test_a_single_institution_persons_reset_still_works(admin, employee):
    enrol(employee.user)
    response = admin.client().post(
        reverse("accounts:two_factor_reset", args=[employee.membership.pk])
    )
    assert response.status_code == 302
    assert not twofactor.has_device(employee.user)
    assert events("accounts.two_factor.reset") == {"Riverside"}


def test_the_operator_resets_it_for_every_institution_with_a_reason(shared, capsys):
    enrol(shared.user)
    call_command("reset_two_factor", " Shared@Riverside.TEST", reason="Ticket 42, ID checked")
    assert not TOTPDevice.objects.filter(user=shared.user).exists()
    assert events("accounts.two_factor.reset") == {"Riverside", "Lakeside"}
    reasons = {
        e.details["reason"] for e in AuditEvent.objects.filter(action="accounts.two_factor.reset")
    }
    assert reasons == {"Ticket 42, ID checked"}
    assert "recorded in 2 institution(s)" in capsys.readouterr().out


def test_the_operator_command_refuses_without_reason_or_person(shared):
    enrol(shared.user)
    with pytest.raises(CommandError):
        call_command("reset_two_factor", shared.email, reason="  ")
    with pytest.raises(CommandError, match="No account"):
        call_command("reset_two_factor", "nobody@nowhere.test", reason="x")
    assert twofactor.has_device(shared.user)


# --- every institution sees account-wide changes -----------------------------------------


def test_turning_two_factor_on_and_off_is_recorded_in_both_institutions(shared, password):
    client = shared.client()
    device = twofactor.pending_device(user=shared.user)
    client.post(reverse("accounts:two_factor"), {"code": code_for(device)})
    assert events("accounts.two_factor.enrolled") == {"Riverside", "Lakeside"}
    client.post(
        reverse("accounts:two_factor_recovery"), {"new_codes-code": code_for(device, steps_ahead=1)}
    )
    assert events("accounts.two_factor.recovery_codes_replaced") == {"Riverside", "Lakeside"}
    client.post(reverse("accounts:two_factor_disable"), {"password": password})
    assert not twofactor.has_device(shared.user)
    assert events("accounts.two_factor.disabled") == {"Riverside", "Lakeside"}


def test_a_new_password_is_recorded_in_both_institutions(client, shared, mailoutbox):
    client.post(reverse("accounts:password_reset"), {"email": shared.email})
    link = next(line for line in mailoutbox[0].body.splitlines() if "/password-reset/" in line)
    form = client.get(link.strip(), follow=True)
    response = client.post(
        form.redirect_chain[-1][0],
        {
            "new_password1": "a-Brand-new-passphrase-77",
            "new_password2": "a-Brand-new-passphrase-77",
        },
    )
    assert response.status_code == 302
    assert events("accounts.user.password_set") == {"Riverside", "Lakeside"}


# --- joining a second institution needs the person's yes ---------------------------------


def test_inviting_someone_from_another_institution_asks_them_instead(
    outsider, legal, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = outsider.client().post(
            reverse("accounts:invite"), {"email": "Legal@Riverside.test", "full_name": "X"}
        )
    assert response.status_code == 302
    lakeside = Membership.objects.get(user=legal.user, organization=outsider.org)
    assert not lakeside.is_active and lakeside.awaiting_acceptance
    [mail] = mailoutbox
    assert mail.subject == "Lakeside invites you to join it on Charter"
    assert not re.search(r"/password-reset/[^/\s]+/[^/\s]+/", mail.body), "no working link"
    assert reverse("accounts:invitations") in mail.body
    assert "Nothing changes unless you accept" in mail.body
    # Not yet a member: Lakeside's pages stay shut and the switcher does not offer it.
    client = legal.client()
    switched = client.post(
        reverse("accounts:switch"), {"organization": outsider.org.pk}, follow=True
    )
    assert "not a member of that institution" in switched.content.decode()
    assert client.get(reverse("home")).context["active_org"].name == "Riverside"


def test_the_invited_person_accepts_and_their_default_stays(client, outsider, legal, password):
    outsider.client().post(
        reverse("accounts:invite"), {"email": legal.email, "full_name": "Lee Legal"}
    )
    home = sign_in(client, legal.email, password)
    assert "Invitations" in home.content.decode()
    page = client.get(reverse("accounts:invitations"))
    assert "Lakeside" in page.content.decode()
    lakeside = Membership.objects.get(user=legal.user, organization=outsider.org)
    client.post(reverse("accounts:invitation_respond", args=[lakeside.pk]), {"answer": "accept"})
    lakeside.refresh_from_db()
    assert lakeside.is_active and not lakeside.awaiting_acceptance
    assert events("accounts.invitation.accepted") == {"Lakeside"}
    # A later sign-in opens Riverside, as before (Lakeside comes first alphabetically).
    client.post(reverse("accounts:logout"))
    assert sign_in(client, legal.email, password).context["active_org"].name == "Riverside"


def test_declining_leaves_the_person_out(outsider, legal):
    outsider.client().post(reverse("accounts:invite"), {"email": legal.email, "full_name": "L"})
    lakeside = Membership.objects.get(user=legal.user, organization=outsider.org)
    legal.client().post(
        reverse("accounts:invitation_respond", args=[lakeside.pk]), {"answer": "decline"}
    )
    lakeside.refresh_from_db()
    assert not lakeside.is_active and not lakeside.awaiting_acceptance
    assert events("accounts.invitation.declined") == {"Lakeside"}
    people = outsider.client().get(reverse("accounts:people"), {"status": "inactive"})
    assert "Deactivated" in people.content.decode()


def test_only_the_invited_person_can_answer(outsider, legal, employee):
    outsider.client().post(reverse("accounts:invite"), {"email": legal.email, "full_name": "L"})
    lakeside = Membership.objects.get(user=legal.user, organization=outsider.org)
    url = reverse("accounts:invitation_respond", args=[lakeside.pk])
    assert employee.client().post(url, {"answer": "accept"}).status_code == 404
    assert outsider.client().post(url, {"answer": "accept"}).status_code == 404
    lakeside.refresh_from_db()
    assert lakeside.awaiting_acceptance and not lakeside.is_active


def test_the_admin_cannot_switch_a_waiting_invitation_on(outsider, legal):
    outsider.client().post(reverse("accounts:invite"), {"email": legal.email, "full_name": "L"})
    lakeside = Membership.objects.get(user=legal.user, organization=outsider.org)
    admin = outsider.client()
    admin.post(reverse("accounts:person_active", args=[lakeside.pk]), {"active": "1"})
    lakeside.refresh_from_db()
    assert not lakeside.is_active
    # Deactivating a waiting invitation withdraws it.
    admin.post(reverse("accounts:person_active", args=[lakeside.pk]), {"active": "0"})
    lakeside.refresh_from_db()
    assert not lakeside.awaiting_acceptance
    assert events("accounts.invitation.withdrawn") == {"Lakeside"}


def test_a_brand_new_address_is_invited_as_before(
    outsider, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outsider.client().post(
            reverse("accounts:invite"), {"email": "new@lakeside.test", "full_name": "Nell New"}
        )
    membership = Membership.objects.get(user__email="new@lakeside.test")
    assert membership.is_active and not membership.awaiting_acceptance
    assert "/password-reset/" in mailoutbox[0].body


# --- everything else an admin does stays within their institution ------------------------


def test_deactivating_in_one_institution_leaves_the_other_working(outsider, shared):
    outsider.client().post(
        reverse("accounts:person_active", args=[shared.elsewhere.pk]), {"active": "0"}
    )
    shared.elsewhere.refresh_from_db()
    shared.membership.refresh_from_db()
    assert not shared.elsewhere.is_active
    assert shared.membership.is_active and User.objects.get(pk=shared.user.pk).is_active
    home = shared.client().get(reverse("home"))
    assert home.status_code == 200 and home.context["active_org"].name == "Riverside"


def test_a_shared_person_comes_back_only_by_accepting(outsider, shared):
    admin = outsider.client()
    admin.post(reverse("accounts:person_active", args=[shared.elsewhere.pk]), {"active": "0"})
    response = admin.post(
        reverse("accounts:person_active", args=[shared.elsewhere.pk]), {"active": "1"}, follow=True
    )
    assert "only by accepting" in response.content.decode()
    shared.elsewhere.refresh_from_db()
    assert not shared.elsewhere.is_active


def test_roles_given_in_one_institution_stay_there(outsider, shared):
    outsider.client().post(
        reverse("accounts:person", args=[shared.elsewhere.pk]),
        {"is_admin": "on", "job_title": "Lead"},
    )
    shared.elsewhere.refresh_from_db()
    shared.membership.refresh_from_db()
    assert shared.elsewhere.is_admin
    assert not shared.membership.is_admin and shared.membership.job_title == ""


@pytest.mark.parametrize(
    "name", ["accounts:person", "accounts:person_active", "accounts:two_factor_reset"]
)
def test_the_other_institutions_place_is_not_there_for_this_admin(outsider, shared, name):
    url = reverse(name, args=[shared.membership.pk])
    send = outsider.client().get if name == "accounts:person" else outsider.client().post
    assert send(url).status_code == 404


def test_sign_in_opens_the_institution_joined_first(client, shared, password):
    """Lakeside sorts first, but Sam joined Riverside first: joining never moves the default."""
    assert sign_in(client, shared.email, password).context["active_org"].name == "Riverside"


def test_a_staff_file_cannot_make_someone_elsewhere_a_member(
    outsider, legal, mailoutbox, django_capture_on_commit_callbacks
):
    raw = f"email,name\n{legal.email.upper()},Lee\nnew@lakeside.test,Nell\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        result = import_staff(
            organization=outsider.org, imported_by=outsider.user, raw=raw, invite=True
        )
    assert result.ok and result.created == 2
    lakeside = Membership.objects.get(user=legal.user, organization=outsider.org)
    assert not lakeside.is_active and lakeside.awaiting_acceptance
    assert lakeside.pk not in result.membership_ids
    to_legal = [m for m in mailoutbox if m.to == [legal.email]]
    assert [m.subject for m in to_legal] == ["Lakeside invites you to join it on Charter"]
    assert not re.search(r"/password-reset/[^/\s]+/[^/\s]+/", to_legal[0].body)
    # The same file again changes nothing and asks nobody twice.
    with django_capture_on_commit_callbacks(execute=True):
        again = import_staff(organization=outsider.org, imported_by=outsider.user, raw=raw)
    assert again.unchanged == 2 and len([m for m in mailoutbox if m.to == [legal.email]]) == 1


def test_a_former_member_of_only_this_institution_is_simply_invited_back(
    admin, employee, mailoutbox, django_capture_on_commit_callbacks
):
    admin.client().post(
        reverse("accounts:person_active", args=[employee.membership.pk]), {"active": "0"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        admin.client().post(
            reverse("accounts:invite"), {"email": employee.email, "full_name": "Emma"}
        )
    employee.membership.refresh_from_db()
    assert employee.membership.is_active and not employee.membership.awaiting_acceptance
    assert re.search(r"/password-reset/[^/\s]+/[^/\s]+/", mailoutbox[-1].body)
