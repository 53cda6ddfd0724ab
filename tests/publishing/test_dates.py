"""Pages, notices, e-mails and date fields of an institution that writes month-day."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from accounts.dates import DateOrder
from accounts.models import Notification, Organization


def test_pages_notices_and_emails_follow_the_institutions_order(
    approved, do_publish, employee, org, mailoutbox
):
    Organization.objects.filter(pk=org.pk).update(date_order=DateOrder.MONTH_DAY)
    approved.guideline.organization.date_order = DateOrder.MONTH_DAY
    due = timezone.localdate() + dt.timedelta(days=14)
    publication = do_publish(approved, due=due)
    written = f"{due:%b} {due.day}, {due.year}"
    notice = Notification.objects.get(user=employee.user, work=Notification.Work.ACKNOWLEDGE)
    assert notice.message.endswith(f"by {written}.")
    mail = next(m for m in mailoutbox if m.to == [employee.email])
    long = f"{due:%B} {due.day}, {due.year}"
    assert long in mail.body and long in mail.alternatives[0][0]
    html = employee.client().get(reverse("home")).content.decode()
    assert f"Due {written}" in html
    page = employee.client().get(
        reverse("publishing:guideline", args=[org.slug, publication.guideline.slug])
    )
    effective = publication.effective_date
    assert f"{effective:%B} {effective.day}, {effective.year}" in page.content.decode()


def test_the_publish_form_tells_today_the_institutions_way(approved, admin, org):
    Organization.objects.filter(pk=org.pk).update(date_order=DateOrder.MONTH_DAY)
    html = admin.client().get(reverse("publishing:publish", args=[approved.pk])).content.decode()
    today = timezone.localdate()
    assert f"Today is {today:%B} {today.day}, {today.year}." in html
