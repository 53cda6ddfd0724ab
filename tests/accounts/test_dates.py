"""One date format per institution: day-month or month-day, chosen by its admins."""

from __future__ import annotations

import datetime as dt

from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from accounts import dates
from accounts.dates import DateOrder, fmt
from accounts.models import Organization
from audit.models import AuditEvent

DAY = dt.date(2026, 3, 4)
MOMENT = timezone.make_aware(dt.datetime(2026, 3, 4, 14, 5))


def test_each_order_writes_every_style():
    dmy = Organization(date_order=DateOrder.DAY_MONTH)
    mdy = Organization(date_order=DateOrder.MONTH_DAY)
    assert fmt(DAY, organization=dmy) == "4 Mar 2026"
    assert fmt(DAY, organization=mdy) == "Mar 4, 2026"
    assert fmt(DAY, "long", organization=dmy) == "4 March 2026"
    assert fmt(DAY, "long", organization=mdy) == "March 4, 2026"
    assert fmt(MOMENT, "time", organization=mdy).startswith("Mar 4, 2026, ")
    assert fmt(DAY, "time", organization=mdy) == "Mar 4, 2026"  # a date has no time to show
    assert fmt(None) == ""


def test_template_filters_follow_the_order_in_effect():
    template = Template("{{ d|day }} / {{ d|day_long }}")
    assert template.render(Context({"d": DAY})) == "4 Mar 2026 / 4 March 2026"
    with dates.ordered(Organization(date_order=DateOrder.MONTH_DAY)):
        assert template.render(Context({"d": DAY})) == "Mar 4, 2026 / March 4, 2026"
    assert template.render(Context({"d": DAY})) == "4 Mar 2026 / 4 March 2026"


def test_admin_changes_the_order_and_it_is_recorded(admin, org):
    client = admin.client()
    page = client.get(reverse("accounts:institution_settings")).content.decode()
    today = timezone.localdate()
    assert f"{today.day} {today:%B} {today.year}" in page
    response = client.post(
        reverse("accounts:institution_settings"),
        {"date_order": DateOrder.MONTH_DAY, "jurisdiction": "us"},
        follow=True,
    )
    html = response.content.decode()
    assert f"Dates now read like {today:%B} {today.day}, {today.year}" in html
    assert Organization.objects.get(pk=org.pk).date_order == DateOrder.MONTH_DAY
    event = AuditEvent.objects.get(action="accounts.organization.settings_changed")
    assert event.details == {"date_order": {"from": "day_month", "to": "month_day"}}


def test_admin_chooses_where_the_institution_works_and_it_is_recorded(admin, org):
    client = admin.client()
    page = client.get(reverse("accounts:institution_settings")).content.decode()
    assert "Where the institution works" in page and "United Kingdom" in page
    response = client.post(
        reverse("accounts:institution_settings"),
        {"date_order": DateOrder.DAY_MONTH, "jurisdiction": "uk"},
        follow=True,
    )
    assert response.status_code == 200
    assert Organization.objects.get(pk=org.pk).jurisdiction == "uk"
    event = AuditEvent.objects.get(action="accounts.organization.settings_changed")
    assert event.details == {"jurisdiction": {"from": "us", "to": "uk"}}


def test_a_bad_choice_is_refused_and_nothing_changes(admin, org):
    response = admin.client().post(
        reverse("accounts:institution_settings"), {"date_order": "year_first", "jurisdiction": "ZZ"}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert Organization.objects.get(pk=org.pk).date_order == DateOrder.DAY_MONTH


def test_employees_cannot_open_the_settings(employee):
    assert employee.client().get(reverse("accounts:institution_settings")).status_code == 403


def test_a_date_written_again_follows_the_zone_and_order_in_effect():
    """Formatted dates are kept for reuse: the zone in effect, the value's own zone and the
    institution's order still decide the text each time."""
    moment = dt.datetime(2026, 12, 2, 14, 5, tzinfo=dt.UTC)
    dmy = Organization(date_order=DateOrder.DAY_MONTH)
    mdy = Organization(date_order=DateOrder.MONTH_DAY)
    with timezone.override("UTC"):
        assert fmt(moment, "long_time", organization=dmy) == "2 December 2026, 14:05 UTC"
        assert fmt(moment, "long_time", organization=mdy) == "December 2, 2026, 14:05 UTC"
    with timezone.override("America/New_York"):
        assert fmt(moment, "long_time", organization=dmy) == "2 December 2026, 09:05 EST"
        same_instant = moment.astimezone(timezone.get_current_timezone())
        assert fmt(same_instant, "time", organization=dmy) == "2 Dec 2026, 09:05"
    with timezone.override("UTC"):
        assert fmt(moment, "time", organization=dmy) == "2 Dec 2026, 14:05"
        assert fmt(moment.date(), "time", organization=dmy) == "2 Dec 2026"
