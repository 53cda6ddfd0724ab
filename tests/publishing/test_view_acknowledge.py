import re

from django.db import connection
from django.urls import reverse

from guidelines.services import rename_guideline
from publishing import frozen
from publishing.models import Acknowledgement, AckRequest, Publication
from tests.conftest import make_persona

from .conftest import QUIZ


def url(version):
    return reverse("publishing:acknowledge", args=[version.pk])


def test_employee_reads_and_acknowledges(published, employee):
    client = employee.client()
    page = client.get(url(published.version)).content.decode()
    assert "I have read and understood" in page and "Official accounts and hashtags" in page
    response = client.post(
        url(published.version), {"confirm": "on"}, HTTP_USER_AGENT="PhoneBrowser/1.0"
    )
    assert response.status_code == 302
    ack = Acknowledgement.objects.get(user=employee.user)
    assert ack.user_agent == "PhoneBrowser/1.0" and ack.ip_address == "127.0.0.1"
    assert AckRequest.objects.get(user=employee.user).acknowledged_at is not None


def test_quiz_must_be_answered_right_and_keeps_the_answers(make_version, do_publish, employee):
    version = make_version(1, quiz=QUIZ)
    do_publish(version)
    client = employee.client()
    response = client.post(url(version), {"confirm": "on", "q0": "1", "q1": "0"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "check your answer to question 2" in html
    chosen = re.findall(r'<input type="radio"[^>]*name="(q\d)" value="(\d)"[^>]*checked', html)
    assert sorted(chosen) == [("q0", "1"), ("q1", "0")]  # what the person chose is kept
    assert not Acknowledgement.objects.exists()
    response = client.post(url(version), {"confirm": "on", "q0": "1", "q1": "1"})
    assert response.status_code == 302 and Acknowledgement.objects.count() == 1


def test_without_the_tick_nothing_is_recorded(published, employee):
    response = employee.client().post(url(published.version), {})
    assert response.status_code == 200
    assert "read and understood" in response.content.decode()
    assert not Acknowledgement.objects.exists()


def test_second_acknowledgement_is_harmless(published, employee):
    client = employee.client()
    client.post(url(published.version), {"confirm": "on"})
    response = client.post(url(published.version), {"confirm": "on"}, follow=True)
    assert "already acknowledged" in response.content.decode()
    assert Acknowledgement.objects.count() == 1


def test_superseded_version_cannot_be_acknowledged(published, make_version, do_publish, employee):
    do_publish(make_version(2))
    response = employee.client().post(url(published.version), {"confirm": "on"})
    assert response.status_code == 200
    assert "no longer be acknowledged" in response.content.decode()
    assert not Acknowledgement.objects.exists()


def test_unpublished_version_is_404(approved, employee):
    assert employee.client().get(url(approved)).status_code == 404


def test_anonymous_is_sent_to_login(client, published):
    assert client.get(url(published.version)).status_code == 302


def test_other_institution_gets_404(published, outsider):
    response = outsider.client().post(url(published.version), {"confirm": "on"})
    assert response.status_code == 404
    assert not Acknowledgement.objects.exists()


def test_superseded_after_the_publication_was_kept_is_refused(
    org, nursing, published, make_version, do_publish, employee
):
    """The acknowledge POST keeps a published version per worker (PostgreSQL); the claim
    still refuses it once a later version has taken effect."""
    frozen.forget_all()
    assert employee.client().post(url(published.version), {"confirm": "on"}).status_code == 302
    if connection.vendor == "postgresql":
        assert frozen.kept(published.version_id, org.pk) is not None
    do_publish(make_version(2))
    late = make_persona(org, "late@riverside.test", "Lee Late", group=nursing)
    response = late.client().post(url(published.version), {"confirm": "on"})
    assert response.status_code == 200
    assert "no longer be acknowledged" in response.content.decode()
    assert not Acknowledgement.objects.filter(user=late.user).exists()
    assert frozen.kept(published.version_id, org.pk) is None


def test_renaming_forgets_the_kept_versions(
    org, published, author, django_capture_on_commit_callbacks
):
    """The kept copy carries the title into the success message: a rename must not leave the
    old one there."""
    frozen.forget_all()
    kept = Publication.objects.select_related("version__guideline__organization").get(
        pk=published.pk
    )
    frozen.keep(kept)
    assert frozen.kept(published.version_id, org.pk) is not None
    with django_capture_on_commit_callbacks(execute=True):
        rename_guideline(guideline=published.version.guideline, by=author.user, title="Posting")
    assert frozen.kept(published.version_id, org.pk) is None


def test_the_thank_you_names_the_guideline_as_renamed(
    org, nursing, published, author, employee, django_capture_on_commit_callbacks
):
    frozen.forget_all()
    assert employee.client().post(url(published.version), {"confirm": "on"}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        rename_guideline(guideline=published.version.guideline, by=author.user, title="Posting")
    late = make_persona(org, "late@riverside.test", "Lee Late", group=nursing)
    response = late.client().post(url(published.version), {"confirm": "on"}, follow=True)
    assert "you acknowledged Posting, version 1" in response.content.decode()


def test_the_thank_you_is_shown_only_for_the_persons_own_acknowledgement(
    org, nursing, published, employee
):
    client = employee.client()
    response = client.post(url(published.version), {"confirm": "on"})
    assert response["Location"].endswith(f"?acknowledged={published.version.pk}")
    assert "you acknowledged" in client.get(response["Location"]).content.decode()
    # Someone who has not acknowledged that version is not thanked for it, whatever the link.
    other = make_persona(org, "other@riverside.test", "Ona Other", group=nursing)
    mine = reverse("publishing:my_acknowledgements")
    for named in (str(published.version.pk), "x", "9" * 30, ""):
        page = other.client().get(f"{mine}?acknowledged={named}").content.decode()
        assert "you acknowledged" not in page
