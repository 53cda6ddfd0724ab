"""The roster CSV written two ways (PostgreSQL's COPY, Python's csv.writer) must be the same
bytes for the same data, hostile cells included."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffGroup, User
from publishing import roster_csv
from publishing.models import AckRequest, QuizAttempt
from publishing.selectors import roster
from tests.factories import MembershipFactory, UserFactory

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+1 555",
    "-2",
    "@SUM(A1)",
    "\tTabbed",
    "\rReturn",
    "Comma, Inside",
    'Quote "inside"',
    "Two\nLines",
    "Zoë Ünïcode",
    "Back\\slash 'apostrophe'",
]


@pytest.fixture
def hostile_roster(published, admin, employee, author, legal, compliance, auditor):
    """Every persona's request given awkward text and every state the status column names."""
    requests = list(
        AckRequest.objects.filter(campaign=published.campaign).select_related("user").order_by("pk")
    )
    group = StaffGroup.objects.filter(organization=published.organization).first()
    assert group is not None
    StaffGroup.objects.filter(pk=group.pk).update(name="=cmd|' /C calc'!A0")
    moment = timezone.now().replace(microsecond=0)
    for i, name in enumerate(HOSTILE[len(requests) :]):
        user = UserFactory(email=f"=odd{i}@riverside.test", full_name=name)
        membership = MembershipFactory(user=user, organization=published.organization)
        AckRequest.objects.create(
            campaign=published.campaign,
            membership=membership,
            user=user,
            staff_group=group if i % 2 else None,
            due_date=requests[0].due_date,
        )
    for r, name in zip(requests, HOSTILE, strict=False):
        User.objects.filter(pk=r.user_id).update(full_name=name)
    first, second, third, fourth, fifth = requests[:5]
    AckRequest.objects.filter(pk=first.pk).update(acknowledged_at=moment)  # no microseconds
    AckRequest.objects.filter(pk=second.pk).update(
        acknowledged_at=moment.replace(microsecond=120),
        reminder_count=3,
        last_reminded_at=moment - dt.timedelta(days=2, microseconds=5),
    )
    AckRequest.objects.filter(pk=third.pk).update(
        closed_at=moment, closed_reason=AckRequest.ClosedReason.NOT_IN_AUDIENCE
    )
    AckRequest.objects.filter(pk=fourth.pk).update(replaced_at=moment)
    AckRequest.objects.filter(pk=fifth.pk).update(due_date=timezone.localdate() - dt.timedelta(3))
    version = published.version
    for wrong, passed, offset in (
        ([{"number": 2}, {"number": 3}], False, 3),
        ([{"number": 2}], False, 2),
        ([], True, 1),
    ):
        QuizAttempt.objects.create(
            organization=published.organization,
            user=second.user,
            version=version,
            request=second,
            wrong_questions=wrong,
            passed=passed,
            attempted_at=moment - dt.timedelta(hours=offset, microseconds=offset),
        )
    QuizAttempt.objects.create(
        organization=published.organization,
        user=first.user,
        version=version,
        request=first,
        wrong_questions=[{"number": 1}],
        attempted_at=moment,
    )
    return published


def _parsed(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body, newline="")))


def test_the_export_of_hostile_cells_is_formula_safe_on_every_database(hostile_roster, admin):
    response = admin.client().get(
        reverse("publishing:tracking_export", args=[hostile_roster.campaign.pk])
    )
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("name,email,staff_group,") and body.endswith("\r\n")
    data = _parsed(body)
    assert len(data) == 1 + AckRequest.objects.filter(campaign=hostile_roster.campaign).count()
    for row in data[1:]:
        assert len(row) == len(roster_csv.HEADER)
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), row
    names = {row[0] for row in data[1:]}
    assert '\'=HYPERLINK("http://x","y")' in names and "Two\nLines" in names
    assert "'\tTabbed" in names and "Comma, Inside" in names
    statuses = {row[4] for row in data[1:]}
    assert {"acknowledged", "closed (no longer in audience)", "replaced", "overdue"} <= statuses
    quizzed = next(row for row in data[1:] if row[6] == "3")
    assert quizzed[8:] == ["3", "Q2 x2; Q3", quizzed[10]] and quizzed[10].endswith("+00:00")
    assert "." in quizzed[5] and "." in quizzed[7]  # microseconds kept where there are some


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
@pytest.mark.parametrize("filters", [{}, {"status": "pending"}, {"q": "e"}])
def test_copy_and_csv_writer_give_the_same_bytes(hostile_roster, filters):
    today = timezone.localdate()
    qs = roster(hostile_roster.campaign, today=today, **filters)
    copied = b"".join(
        c if isinstance(c, bytes) else c.encode() for c in roster_csv._copied(qs, today=today)
    )
    written = "".join(roster_csv._written(qs, today=today)).encode()
    assert copied.count(b"\r\n") > 1
    assert copied == written


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_the_postgresql_export_is_one_copy(hostile_roster, admin, django_assert_max_num_queries):
    client = admin.client()
    url = reverse("publishing:tracking_export", args=[hostile_roster.campaign.pk])
    response = client.get(url)
    with django_assert_max_num_queries(1) as captured:
        b"".join(response.streaming_content)
    assert captured.captured_queries[0]["sql"].startswith("COPY (SELECT")
