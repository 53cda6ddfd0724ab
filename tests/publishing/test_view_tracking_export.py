import csv
import io

from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from config.csv_export import safe_cell
from publishing.services import acknowledge


def url(p):
    return reverse("publishing:tracking_export", args=[p.campaign.pk])


def rows(response):
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_export_streams_the_roster_as_csv(published, admin, employee):
    acknowledge(version=published.version, user=employee.user, confirmed=True)
    response = admin.client().get(url(published))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    data = rows(response)
    assert data[0][:5] == ["name", "email", "staff_group", "due_date", "status"]
    by_email = {r[1]: r for r in data[1:]}
    assert by_email[employee.email][4] == "acknowledged"
    assert by_email[admin.email][4] == "pending"
    assert AuditEvent.objects.filter(action="publishing.campaign.exported").exists()


def test_export_follows_the_filters(published, admin, employee):
    data = rows(admin.client().get(url(published), {"q": "emma"}))
    assert [r[1] for r in data[1:]] == [employee.email]


def test_cells_that_would_run_as_formulas_are_escaped(published, admin, employee):
    User.objects.filter(pk=employee.user.pk).update(full_name='=HYPERLINK("http://x","y")')
    data = rows(admin.client().get(url(published), {"q": "riverside.test"}))
    names = {r[1]: r[0] for r in data[1:]}
    assert names[employee.email] == '\'=HYPERLINK("http://x","y")'
    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(risky) == "'" + risky
    assert safe_cell("Ada") == "Ada" and safe_cell(None) == ""


def test_members_without_the_role_get_403(published, employee):
    assert employee.client().get(url(published)).status_code == 403


def test_anonymous_is_sent_to_login(client, published):
    assert client.get(url(published)).status_code == 302


def test_other_institution_gets_404(published, outsider):
    assert outsider.client().get(url(published)).status_code == 404
