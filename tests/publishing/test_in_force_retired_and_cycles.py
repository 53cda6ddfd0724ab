""" "In force on a date" and the evidence pack cover retired guidelines and yearly cycles."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import time_machine
from django.urls import reverse
from django.utils import timezone

from publishing import cycles
from publishing.models import AckRequest, Campaign
from publishing.retirement import retire_guideline
from publishing.selectors import campaign_figures

URL = "publishing:in_force_on"


def _ask(client, published, day: dt.date) -> str:
    response = client.get(
        reverse(URL), {"guideline": published.guideline_id, "date": day.isoformat()}
    )
    assert response.status_code == 200
    return response.content.decode()


def _retire_on(published, admin, day: dt.date) -> None:
    with time_machine.travel(dt.datetime.combine(day, dt.time(10)), tick=False):
        retire_guideline(guideline=published.guideline, by=admin.user, reason="Merged into another")


def test_a_retired_guideline_answers_for_the_days_it_was_in_force(published, admin, auditor):
    today = timezone.localdate()
    _retire_on(published, admin, today + dt.timedelta(days=40))
    client = auditor.client()
    form_page = client.get(reverse(URL)).content.decode()
    assert f"{published.guideline.title} (retired)" in form_page
    before = _ask(client, published, today + dt.timedelta(days=39))
    assert "Version 1 was in force" in before and "was retired on" in before
    assert "Download evidence pack" in before
    after = _ask(client, published, today + dt.timedelta(days=40))
    assert "No version of this guideline was in force on that date: it was retired on" in after
    assert "Version 1 was in force" not in after


def test_retiring_closes_unanswered_requests_so_nobody_stays_overdue(published, admin):
    day = published.campaign.due_date + dt.timedelta(days=3)
    _retire_on(published, admin, day)
    requests = AckRequest.objects.filter(campaign=published.campaign)
    assert {r.closed_reason for r in requests} == {"retired"}
    assert requests[0].state(day) == "closed (guideline retired)"
    assert campaign_figures(published.campaign, today=day)["overall"]["overdue"] == 0


def test_each_yearly_cycle_is_named_and_the_one_running_on_the_date_marked(
    published, org, auditor, employee, django_capture_on_commit_callbacks
):
    org.attestation_cycle = "yearly"
    org.save()
    start = timezone.localdate() + dt.timedelta(days=366)
    with (
        time_machine.travel(dt.datetime.combine(start, dt.time(7)), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert cycles.open_due_cycles(today=start) == 1
    client = auditor.client()
    first_year = _ask(client, published, start - dt.timedelta(days=1))
    campaigns = first_year[first_year.index('data-testid="campaigns"') :]
    assert "On publication" in campaigns and "Yearly attestation from" in campaigns
    assert campaigns.index("the one asking staff") < campaigns.index("Yearly attestation from")
    second_year = _ask(client, published, start + dt.timedelta(days=5))
    campaigns = second_year[second_year.index('data-testid="campaigns"') :]
    assert campaigns.index("Yearly attestation from") < campaigns.index("the one asking staff")
    # The evidence pack lists the requests of both campaigns, the replaced one with its reason.
    pack = client.get(reverse("publishing:evidence_pack", args=[published.pk]))
    with zipfile.ZipFile(io.BytesIO(b"".join(pack.streaming_content))) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("acknowledgements.csv").decode())))
    mine = [r for r in rows if r["email"] == employee.email]
    assert [r["campaign"].split(" from")[0] for r in mine] == [
        "On publication",
        "Yearly attestation",
    ]
    assert mine[0]["replaced_reason"] and not mine[1]["replaced_reason"]
    assert Campaign.objects.filter(publication=published).count() == 2
