"""Check my post, end to end: nothing kept by default, plain answers linked to the guideline's
sections, and a second look only when the person asks for one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Notification
from audit.models import AuditEvent
from postcheck.models import DailyCount, SecondLook

URL = reverse("postcheck:check")
POST = "Selfie with Mrs Okafor in room 412 before she was discharged #RiversideProud"


def form(text: str = POST, **extra: str) -> dict[str, str]:
    return {"text": text, "platform": "Instagram", "sponsorship": "none", **extra}


def test_the_page_says_it_is_a_helper_not_an_approval(employee):
    page = employee.client().get(URL).content.decode()
    assert "This is a helper, not an approval." in page
    assert "not kept" in page


def test_findings_link_to_the_section_in_force(employee, published, org):
    response = employee.client().post(URL, form())
    page = response.content.decode()
    assert response.status_code == 200
    assert "A name appears next to words about someone" in page
    assert "A room or bed number is mentioned." in page
    assert f"/g/{org.slug}/social-media/#section-privacy" in page
    assert "Mrs Okafor" in page  # quoted back, escaped by the template


def test_nothing_pasted_is_stored_only_a_count(employee, published, org):
    client = employee.client()
    events = AuditEvent.objects.count()
    client.post(URL, form())
    client.post(URL, form("Another draft"))
    assert SecondLook.objects.count() == 0
    assert AuditEvent.objects.count() == events
    assert DailyCount.objects.get(organization=org).checks == 2


def test_quoted_text_is_escaped(employee, published):
    page = employee.client().post(URL, form("<script>x</script> Mrs Okafor was discharged"))
    text = page.content.decode()
    assert "<script>x</script>" not in text
    assert "&lt;script&gt;x&lt;/script&gt;" in text


def test_bad_input_keeps_what_was_typed(employee):
    long = "word " * 1001
    response = employee.client().post(URL, form(long, posting_as="@me"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "keep it under 5000 characters" in page
    assert "word word word" in page and 'value="@me"' in page
    assert DailyCount.objects.count() == 0


def test_without_a_guideline_in_force_it_says_so(employee, org):
    page = employee.client().post(URL, form()).content.decode()
    assert "has no guideline in force yet" in page


def test_an_official_account_may_use_the_name(employee, published, org):
    text = f"{org.name} welcomes new nurses"
    personal = employee.client().post(URL, form(text)).content.decode()
    assert "is not one of its official accounts" in personal
    official = (
        employee.client().post(URL, form(text, posting_as=f"@{org.handle_base}")).content.decode()
    )
    assert "is not one of its official accounts" not in official


def test_sending_for_a_second_look_stores_it_and_tells_the_team(
    employee, author, admin, legal, published, org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = employee.client().post(URL, form(note="Is this OK?", action="send"))
    assert response.status_code == 302
    look = SecondLook.objects.get()
    assert look.text == POST and look.note == "Is this OK?" and look.sent_by == employee.user
    assert {f["code"] for f in look.findings} >= {"patient_name", "room_bed"}
    told = set(
        Notification.objects.filter(message__contains="second look").values_list("user", flat=True)
    )
    assert told == {author.user.pk, admin.user.pk}
    event = AuditEvent.objects.get(action="postcheck.second_look.sent")
    assert "Okafor" not in str(event.details)


def test_the_team_reads_and_closes_it(employee, author, legal, outsider, org):
    look = SecondLook.objects.create(organization=org, sent_by=employee.user, text="Draft")
    url = reverse("postcheck:second_look", kwargs={"pk": look.pk})
    assert "Draft" in author.client().get(url).content.decode()
    assert legal.client().get(url).status_code == 403
    assert employee.client().get(url).status_code == 403
    assert outsider.client().get(url).status_code == 404
    assert outsider.client().post(url).status_code == 404
    assert legal.client().post(url).status_code == 403
    assert author.client().post(url).status_code == 302
    look.refresh_from_db()
    assert look.done_by == author.user
    # A second press says it was done already and changes nothing.
    author.client().post(url)
    assert AuditEvent.objects.filter(action="postcheck.second_look.done").count() == 1


def test_the_list_shows_only_this_institutions_drafts(author, employee, outsider, org, other_org):
    SecondLook.objects.create(organization=org, sent_by=employee.user, text="Ours")
    SecondLook.objects.create(organization=other_org, sent_by=outsider.user, text="Theirs")
    page = author.client().get(reverse("postcheck:second_looks")).content.decode()
    assert "Ours" in page and "Theirs" not in page


@pytest.mark.parametrize("guidelines", [1, 3])
def test_a_check_takes_few_queries(
    guidelines, employee, org, author, legal, compliance, do_publish, django_assert_max_num_queries
):
    from tests.factories import GuidelineFactory, VersionFactory
    from tests.publishing.conftest import sign

    for n in range(guidelines):
        g = GuidelineFactory(organization=org, slug=f"g{n}", created_by=author.user)
        v = VersionFactory(guideline=g, number=1, status="approved")
        sign(v, legal, compliance)
        do_publish(v)
    client = employee.client()
    with django_assert_max_num_queries(13):
        response = client.post(URL, form())
    assert "room or bed number" in response.content.decode()


def test_the_team_sees_how_many_checks_were_run(author, employee, org):
    client = employee.client()
    client.post(URL, form("One"))
    client.post(URL, form("Two"))
    page = author.client().get(reverse("postcheck:second_looks")).content.decode()
    assert "Staff ran 2 checks in the last 30 days" in page
