"""Which text was in force on a date: the version, its sign-offs and a way to its evidence."""

import datetime as dt

from django.urls import reverse

from tests.publishing.conftest import sign


def test_text_in_force_on_a_date(auditor, approved, make_version, do_publish, legal, compliance):
    today = dt.date.today()
    first = do_publish(approved, effective=today)
    v2 = make_version(2)
    sign(v2, legal, compliance)
    do_publish(v2, effective=today + dt.timedelta(days=10))
    client = auditor.client()
    url = reverse("publishing:in_force_on")
    guideline_pk = first.guideline_id
    html = client.get(url, {"guideline": guideline_pk, "date": today.isoformat()}).content.decode()
    assert "Version 1 was in force" in html and "Download evidence pack" in html
    later = (today + dt.timedelta(days=11)).isoformat()
    html = client.get(url, {"guideline": guideline_pk, "date": later}).content.decode()
    assert "Version 2 was in force" in html
    earlier = (today - dt.timedelta(days=1)).isoformat()
    html = client.get(url, {"guideline": guideline_pk, "date": earlier}).content.decode()
    assert "No version of this guideline was in force" in html


def test_in_force_on_is_for_admins_and_auditors(employee, author, outsider, published):
    assert employee.client().get(reverse("publishing:in_force_on")).status_code == 403
    assert author.client().get(reverse("publishing:in_force_on")).status_code == 403
    # An outsider cannot pick another institution's guideline: the form refuses it.
    response = outsider.client().get(
        reverse("publishing:in_force_on"),
        {"guideline": published.guideline_id, "date": "2026-01-01"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
