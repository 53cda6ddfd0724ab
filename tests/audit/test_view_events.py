import csv
import io

from django.urls import reverse

from audit.models import AuditEvent
from audit.services import record


def test_admin_browses_and_filters_events(admin, employee, org):
    record("approvals.review.signed_off", actor=employee.user, organization=org, guideline_id=7)
    record("accounts.roles.changed", actor=admin.user, organization=org)
    client = admin.client()
    html = client.get(reverse("audit:events")).content.decode()
    assert "approvals.review.signed_off" in html and "accounts.roles.changed" in html
    html = client.get(reverse("audit:events"), {"action": "approvals"}).content.decode()
    assert "approvals.review.signed_off" in html and "accounts.roles.changed" not in html
    html = client.get(reverse("audit:events"), {"guideline": 7}).content.decode()
    assert "accounts.roles.changed" not in html
    html = client.get(reverse("audit:events"), {"person": employee.membership.pk}).content.decode()
    assert "approvals.review.signed_off" in html and "accounts.roles.changed" not in html


def test_bad_date_range_gets_a_message(admin):
    response = admin.client().get(
        reverse("audit:events"), {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    assert "end date is before the start date" in response.content.decode()


def test_auditor_may_read(auditor):
    assert auditor.client().get(reverse("audit:events")).status_code == 200


def test_other_roles_get_403(employee, author, legal):
    for persona in (employee, author, legal):
        assert persona.client().get(reverse("audit:events")).status_code == 403
        assert persona.client().get(reverse("audit:export")).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    assert client.get(reverse("audit:events")).status_code == 302


def test_other_institutions_events_are_invisible(outsider, org):
    record("secret.action", organization=org)
    html = outsider.client().get(reverse("audit:events")).content.decode()
    assert "secret.action" not in html


def test_export_streams_csv_escapes_formulas_and_is_audited(admin, org):
    record("test.one", organization=org, details={"note": "x"}, actor_label="=HYPERLINK(1)")
    response = admin.client().get(reverse("audit:export"))
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "sequence"
    assert any(row[3] == "'=HYPERLINK(1)" for row in rows[1:])
    assert AuditEvent.objects.filter(action="audit.events.exported").exists()


def test_event_list_query_count_is_bounded(admin, org, django_assert_max_num_queries):
    client = admin.client()
    for _i in range(5):
        record("test.small", actor=admin.user, organization=org)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("audit:events"))
    assert response.status_code == 200 and "test.small" in response.content.decode()
    for _i in range(80):
        record("test.large", actor=admin.user, organization=org)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("audit:events"))
    assert response.status_code == 200 and "test.large" in response.content.decode()
