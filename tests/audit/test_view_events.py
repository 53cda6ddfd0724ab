"""The audit trail page: a compliance officer reads sentences, filters, checks the chain and
exports what they filtered."""

import csv
import io

from django.db import connection
from django.urls import reverse

from approvals import workflow
from approvals.models import ApprovalRoute, ApprovalStage
from audit.models import AuditEvent
from audit.sentences import readable_action
from audit.services import record
from guidelines import services as guidelines
from tests.conftest import make_persona
from tests.factories import confirm_draft_facts

PASSWORD = "correct horse battery"


def page(persona, **params) -> str:
    response = persona.client().get(reverse("audit:events"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_sign_off_reads_as_a_sentence_naming_person_version_guideline_and_role(
    admin, author, legal, org
):
    route = ApprovalRoute.objects.create(organization=org)
    ApprovalStage.objects.create(
        route=route, order=1, reviewer_role=legal.membership.reviewer_roles.get()
    )
    guideline = guidelines.create_guideline(
        organization=org, by=author.user, title="Guidelines for volunteers", start="template"
    )
    confirm_draft_facts(guideline.drafts.get(is_open=True), author.user)
    review = workflow.submit(
        draft=guideline.drafts.get(is_open=True),
        by=author.user,
        membership=author.membership,
        change_summary="First version",
    )
    workflow.sign_off(review=review, by=legal.user, membership=legal.membership, password=PASSWORD)
    html = page(admin)
    assert "Lee Legal signed version 1 of Guidelines for volunteers as Legal" in html
    assert "Arthur Author submitted version 1 of Guidelines for volunteers for review" in html
    assert "Arthur Author created the guideline Guidelines for volunteers" in html
    assert "approvals.review.signed_off" not in html


def test_an_unknown_action_reads_as_words_not_a_code(admin, org):
    record("publishing.campaign.something_new", actor=admin.user, organization=org)
    html = page(admin)
    assert "Ada Admin: campaign something new" in html
    assert "publishing.campaign.something_new" not in html
    assert readable_action("publishing.campaign.reminders_requested") == (
        "Campaign reminders requested"
    )


def test_a_guideline_title_finds_every_event_of_that_guideline(admin, author, org):
    volunteers = guidelines.create_guideline(
        organization=org, by=author.user, title="Guidelines for volunteers", start="template"
    )
    guidelines.create_guideline(
        organization=org, by=author.user, title="Pharmacy posting rules", start="template"
    )
    record(
        "guidelines.quiz.saved",
        actor=author.user,
        organization=org,
        guideline_id=volunteers.pk,
        details={"questions": 3},
    )
    html = page(admin, guideline="volunteers")
    assert "saved the quiz of Guidelines for volunteers (3 questions)" in html
    assert "Pharmacy posting rules" not in html


def test_the_person_filter_matches_name_or_email_and_suggests_at_most_ten(admin, employee, org):
    record("accounts.user.signed_in", actor=employee.user, organization=org)
    record("accounts.user.signed_in", actor=admin.user, organization=org)
    html = page(admin, person="emma")
    assert "Emma Employee signed in" in html and "Ada Admin signed in" not in html
    html = page(admin, person="employee@riverside")
    assert "Emma Employee signed in" in html and "Ada Admin signed in" not in html
    html = page(admin)
    assert 'list="audit-people"' in html and '<select name="person"' not in html
    for i in range(15):
        make_persona(org, f"nurse{i}@riverside.test", f"Nina Nurse {i}")
    response = admin.client().get(reverse("audit:people"), {"person": "nina"})
    assert response.status_code == 200
    assert response.content.decode().count("<option") == 10


def test_the_kind_filter_keeps_one_group_of_events(admin, org):
    record("accounts.user.signed_in", actor=admin.user, organization=org)
    record("audit.events.exported", actor=admin.user, organization=org)
    html = page(admin, kind="sign_in")
    assert "Ada Admin signed in" in html and "exported the audit trail" not in html
    html = page(admin, kind="audit")
    assert "Ada Admin signed in" not in html and "exported the audit trail" in html


def test_the_date_range_sits_in_a_labelled_fieldset_and_a_bad_range_is_explained(admin):
    html = page(admin, date_from="2026-02-01", date_to="2026-01-01", person="ada")
    assert "end date is before the start date" in html
    assert "<legend" in html and "Date range" in html
    assert 'value="ada"' in html  # what was typed stays
    assert 'for="id_date_from"' in html and 'for="id_date_to"' in html
    assert "manage.py" not in html


def test_checking_the_chain_shows_the_outcome_and_is_recorded(auditor, org):
    record("accounts.user.signed_in", actor=auditor.user, organization=org)
    client = auditor.client()
    response = client.post(reverse("audit:check"), follow=True)
    html = response.content.decode()
    assert "The audit trail is intact" in html
    assert "Audrey Auditor checked the audit trail&#x27;s chain: intact" in html
    event = AuditEvent.objects.get(action="audit.chain.checked")
    assert event.actor == auditor.user and event.details["problem"] == ""


def test_a_broken_chain_is_named_on_the_page(admin, org):
    first = record("accounts.user.signed_in", actor=admin.user, organization=org)
    record("accounts.user.signed_out", actor=admin.user, organization=org)
    # Someone with database access rewrites history behind Charter's back.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET action = %s WHERE id = %s", ["forged", first.pk]
        )
    html = admin.client().post(reverse("audit:check"), follow=True).content.decode()
    assert "The audit trail is broken. First problem:" in html
    assert f"position {first.sequence}" in html
    assert AuditEvent.objects.get(action="audit.chain.checked").details["outcome"] == "broken"


def test_checking_the_chain_is_a_post_for_auditors_and_admins_only(employee, author, legal, admin):
    assert admin.client().get(reverse("audit:check")).status_code == 405
    for persona in (employee, author, legal):
        assert persona.client().post(reverse("audit:check")).status_code == 403


def test_other_roles_get_403(employee, author, legal):
    for persona in (employee, author, legal):
        client = persona.client()
        for name in ("audit:events", "audit:export", "audit:people"):
            assert client.get(reverse(name)).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    assert client.get(reverse("audit:events")).status_code == 302


def test_other_institutions_events_and_people_are_invisible(outsider, org, employee):
    record("accounts.user.signed_in", actor=employee.user, organization=org)
    html = page(outsider)
    assert "Emma Employee" not in html
    response = outsider.client().get(reverse("audit:people"), {"person": "emma"})
    assert "Emma" not in response.content.decode()


def test_export_keeps_the_filters_escapes_formulas_and_is_audited(admin, org):
    record("accounts.user.signed_in", organization=org, actor_label="=HYPERLINK(1)")
    record("audit.events.exported", actor=admin.user, organization=org)
    response = admin.client().get(reverse("audit:export"), {"kind": "sign_in"})
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "sequence"
    assert {row[2] for row in rows[1:]} == {"accounts.user.signed_in"}
    assert any(row[3] == "'=HYPERLINK(1)" for row in rows[1:])
    assert AuditEvent.objects.filter(action="audit.events.exported").count() == 2


def test_event_list_query_count_is_bounded(admin, author, org, django_assert_max_num_queries):
    client = admin.client()

    def fill(n: int) -> None:
        guideline = guidelines.create_guideline(
            organization=org, by=author.user, title=f"Rules {n}", start="template"
        )
        for _i in range(n):
            record(
                "guidelines.quiz.saved",
                actor=author.user,
                organization=org,
                guideline_id=guideline.pk,
                details={"questions": 2},
            )
            record("accounts.user.signed_in", actor=admin.user, organization=org)

    fill(3)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("audit:events"), {"guideline": "rules"})
    assert response.status_code == 200 and "quiz of Rules 3" in response.content.decode()
    fill(60)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("audit:events"))
    assert response.status_code == 200 and "quiz of Rules 60" in response.content.decode()
    with django_assert_max_num_queries(8):
        response = client.get(reverse("audit:people"), {"person": "a"})
    assert response.status_code == 200


def test_a_renamed_guideline_is_found_by_old_or_new_title_and_read_by_its_new_one(
    admin, author, org
):
    guideline = guidelines.create_guideline(
        organization=org, by=author.user, title="Old rules", start="template"
    )
    record(
        "guidelines.guideline.renamed",
        actor=author.user,
        organization=org,
        obj=guideline,
        guideline_id=guideline.pk,
        details={"old_title": "Old rules", "new_title": "Guidelines for volunteers"},
    )
    record(
        "guidelines.quiz.saved",
        actor=author.user,
        organization=org,
        guideline_id=guideline.pk,
        details={"questions": 1},
    )
    for typed in ("old rules", "volunteers"):
        html = page(admin, guideline=typed)
        assert "saved the quiz of Guidelines for volunteers (1 questions)" in html
    assert "renamed the guideline Old rules to Guidelines for volunteers" in html
