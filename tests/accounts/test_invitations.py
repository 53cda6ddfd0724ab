"""Imported staff can sign in: the import invites them, password reset reaches them, and an
admin can invite everyone who has never signed in again, in bulk."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, User
from accounts.staff_import import import_staff, resend_invitations_now
from audit.models import AuditEvent

FILE = (
    b"email,name,staff group,job title\n"
    b"ana@riverside.test,Ana Lima,Nursing,Nurse\n"
    b"bo@riverside.test,Bo Chen,Nursing,Nurse\n"
)


def choose_password_with(link_mail, password="a long new passphrase") -> Client:
    """Follow the set-password link in an e-mail and choose a password."""
    client = Client()
    link = next(line for line in link_mail.body.splitlines() if "/password-reset/" in line)
    page = client.get(link.split("testserver", 1)[1], follow=True)
    assert "Choose a password" in page.content.decode()
    done = client.post(
        page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )
    assert done.status_code == 302
    return client


def signs_in(email: str, password: str = "a long new passphrase") -> bool:
    response = Client().post(reverse("accounts:login"), {"username": email, "password": password})
    return response.status_code == 302


def test_importing_with_invitations_lets_each_person_choose_a_password_and_sign_in(
    admin, nursing, mailoutbox, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("staff.csv", FILE, content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.client().post(
            reverse("accounts:import_people"), {"file": upload, "invite": "on"}
        )
    assert response.status_code == 302
    invitations = [m for m in mailoutbox if m.subject == "You are invited to Riverside on Charter"]
    assert sorted(m.to[0] for m in invitations) == ["ana@riverside.test", "bo@riverside.test"]
    assert AuditEvent.objects.filter(action="accounts.invitations.sent").count() == 1
    ana_mail = next(m for m in invitations if m.to == ["ana@riverside.test"])
    choose_password_with(ana_mail)
    assert signs_in("ana@riverside.test")


def test_importing_without_invitations_sends_none(admin, nursing, mailoutbox):
    import_staff(organization=admin.org, imported_by=admin.user, raw=FILE)
    assert not [m for m in mailoutbox if m.subject.startswith("You are invited")]
    assert not Invitation.objects.exists()


def test_imported_person_can_reset_their_password_without_an_invitation(
    admin, nursing, client, mailoutbox
):
    import_staff(organization=admin.org, imported_by=admin.user, raw=FILE)
    assert not User.objects.get(email="bo@riverside.test").has_usable_password()
    response = client.post(reverse("accounts:password_reset"), {"email": "bo@riverside.test"})
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["bo@riverside.test"]]
    choose_password_with(mailoutbox[0])
    assert signs_in("bo@riverside.test")


def test_reset_still_ignores_an_account_without_password_and_without_a_place(
    db, client, mailoutbox
):
    User.objects.create_user(email="nobody@riverside.test", full_name="No Where")
    client.post(reverse("accounts:password_reset"), {"email": "nobody@riverside.test"})
    assert mailoutbox == []


def test_people_page_invites_everyone_who_never_signed_in(
    admin, employee, author, nursing, mailoutbox, django_capture_on_commit_callbacks
):
    import_staff(organization=admin.org, imported_by=admin.user, raw=FILE)
    User.objects.filter(email=author.email).update(last_login=timezone.now())
    client = admin.client()  # signing in sets the admin's last sign-in too
    page = client.get(reverse("accounts:people")).content.decode()
    assert "3 active people have never signed in." in page
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:resend_invitations"), follow=True)
    assert "Invitations are on their way to 3 people" in response.content.decode()
    invited = sorted(m.to[0] for m in mailoutbox)
    assert invited == ["ana@riverside.test", "bo@riverside.test", employee.email]
    requested = AuditEvent.objects.get(action="accounts.invitations.requested")
    assert requested.details["people"] == 3 and requested.actor_id == admin.user.pk
    assert AuditEvent.objects.filter(action="accounts.invitations.sent").count() == 1

    # The task is retried (a worker restarted): nobody is invited twice in the same sending.
    mailoutbox.clear()
    key = requested.details["sending"]
    assert (
        resend_invitations_now(
            organization_id=admin.org.pk, batch_key=key, invited_by_id=admin.user.pk
        )
        == 0
    )
    assert mailoutbox == []


def test_bulk_invitations_go_out_in_batches(
    admin, nursing, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("accounts.staff_import.FOLLOW_UP_BATCH", 2)
    import_staff(organization=admin.org, imported_by=admin.user, raw=FILE)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = resend_invitations_now(
            organization_id=admin.org.pk, batch_key="resend-test", invited_by_id=admin.user.pk
        )
    assert sent == 3 == len(mailoutbox)  # the two imported people and the admin
    assert AuditEvent.objects.filter(action="accounts.invitations.sent").count() == 2


def test_nobody_to_invite_says_so(admin, mailoutbox):
    client = admin.client()
    response = client.post(reverse("accounts:resend_invitations"), follow=True)
    assert "nobody to invite" in response.content.decode()
    assert mailoutbox == []


def test_bulk_invitations_are_for_admins(employee, outsider, client, admin, mailoutbox):
    assert employee.client().post(reverse("accounts:resend_invitations")).status_code == 403
    assert client.post(reverse("accounts:resend_invitations")).status_code == 302
    # Another institution's admin invites only their own people.
    outsider.client().post(reverse("accounts:resend_invitations"))
    assert all(m.to[0].endswith("@lakeside.test") for m in mailoutbox)


def test_inviting_an_imported_person_who_never_signed_in_sends_them_a_new_link(
    admin, nursing, mailoutbox, django_capture_on_commit_callbacks
):
    import_staff(organization=admin.org, imported_by=admin.user, raw=FILE)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.client().post(
            reverse("accounts:invite"), {"email": " Ana@Riverside.test", "full_name": "Ana Lima"}
        )
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["ana@riverside.test"]]
    assert Invitation.objects.filter(membership__user__email="ana@riverside.test").count() == 1
    event = AuditEvent.objects.get(action="accounts.person.invited")
    assert event.details == {"email": "ana@riverside.test", "again": True}
    choose_password_with(mailoutbox[0])
    assert signs_in("ana@riverside.test")


def test_inviting_someone_who_has_signed_in_is_still_refused(admin, employee, mailoutbox):
    User.objects.filter(pk=employee.user.pk).update(last_login=timezone.now())
    response = admin.client().post(
        reverse("accounts:invite"), {"email": employee.email, "full_name": "Emma Employee"}
    )
    assert "already a member" in response.content.decode()
    assert mailoutbox == []
