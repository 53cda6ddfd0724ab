"""The benchmark in miniature, for CI: the seed code of ``make bench`` builds two institutions
(1,000 and 5,000 employees) and the pages that must not grow with staff numbers are held to
the same SQL query count at both sizes; the roster export must stream."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from bench.seed import SeedConfig, SeedResult, seed
from publishing.models import Acknowledgement, AckRequest
from publishing.roster_csv import BATCH as EXPORT_BATCH

SMALL, LARGE = 1_000, 5_000
# Pinned: a signed-in page's baseline is the session, the person (with memberships, roles and
# unread count) and, at most once a minute, the session's save; acknowledging adds one read of
# the publication and one transaction of two statements on PostgreSQL (BEGIN, claim with the
# chain head locked, then record, quiz try, notice and audit event, COMMIT) and, at most once
# a minute per institution, one read of the events its webhooks want (then cached): 8, was 11.
# Then 7: the published version is kept per worker and the claim checks it is still in force
# (no read of the publication once someone has acknowledged it in that worker). Now 6: BEGIN
# travels with the claim and COMMIT with the write (publishing.ack_statements.sent_together).
MAX_QUERIES = {
    "trivial": 3,
    "trivial_insert": 3,
    # The dashboard reads each roster row's latest e-mail with the row (was a query of its own).
    "dashboard": 9,
    "roster": 11,
    "acknowledge": 6,
    "compare": 10,  # the first comparison of a pair reads both texts; later ones neither
    # The export reads the institution's staff groups once (the filter the dashboard shares).
    "export": 9,
    # A wizard step: the baseline, the guideline, the open draft (with the latest version's
    # number, once a query of the threads panel), the draft's sections and the panel (the
    # decision, the carried threads, their replies on this section, suggested edits).
    "wizard_step": 10,
}


def _seed(slug: str, employees: int) -> SeedResult:
    return seed(
        SeedConfig(
            employees=employees,
            groups=10,
            versions=4,
            audit_events=0,  # only the events the data implies: acknowledgements, saves
            saves_per_section=1,
            open_draft_saves=2,
            comments=4,
            org_slug=slug,
            org_name=f"Bench {slug}",
        )
    )


@pytest.fixture
def institutions(db) -> dict[int, SeedResult]:
    return {SMALL: _seed("small-bench", SMALL), LARGE: _seed("large-bench", LARGE)}


def _client(seeded: SeedResult, role: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(email=seeded.personas[role]))
    return client


def _pending_staff(seeded: SeedResult, nth: int = 0) -> User:
    request = (
        AckRequest.objects.filter(
            campaign_id=seeded.campaign_id,
            acknowledged_at__isnull=True,
            user__email__startswith="staff",
        )
        .select_related("user")
        .order_by("pk")[nth : nth + 1]
        .first()
    )
    assert request is not None
    return request.user


def _count(client: Client, method: str, url: str, data: dict | None = None) -> tuple[int, str]:
    """Queries the request ran, and what it answered: status and page (or where it redirects)."""
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, data or {})
        if isinstance(response, StreamingHttpResponse):
            body = response.getvalue()
        else:
            body = response.content
    answer = f"{response.status_code} {response.get('Location', '')} {body.decode()}"
    return len(ctx.captured_queries), answer


# What each counted request must answer (its start, and a word of the page), so a refusal or
# a redirect to sign in cannot pass as a cheap page.
ANSWERS = {
    "dashboard": ("200  ", "Acknowledgements"),
    "roster": ("200  ", "Page 2 of"),
    "trivial": ("200  ok", ""),
    "trivial_insert": ("204  ", ""),
    "acknowledge": ("302 /my-guidelines/", ""),  # acknowledged: on to the person's list
    "compare": ("200  ", "3 of 12 sections changed"),
    "export": ("200  name,email", "@"),
    "wizard_step": ("200  ", "Checks for this section"),
}


def _page_queries(seeded: SeedResult) -> dict[str, tuple[int, str]]:
    serial = "bigserial" if connection.vendor == "postgresql" else "integer"
    with connection.cursor() as cursor:  # the one-INSERT reference view's table
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS bench_ping (id {serial} PRIMARY KEY, user_id bigint)"
        )
    admin = _client(seeded, "admin")
    author = _client(seeded, "author")
    person = Client()
    person.force_login(_pending_staff(seeded))
    # A worker serves many people: someone else's acknowledgement has already kept the
    # published version (publishing.frozen), as in any busy campaign.
    first = Client()
    first.force_login(_pending_staff(seeded, 1))
    first.post(
        reverse("publishing:acknowledge", args=[seeded.published_version_id]), {"confirm": "on"}
    )
    tracking = reverse("publishing:tracking", args=[seeded.campaign_id])
    return {
        "trivial": _count(person, "get", reverse("bench:ping")),
        "trivial_insert": _count(person, "post", reverse("bench:ping_insert")),
        "dashboard": _count(admin, "get", tracking),
        "roster": _count(
            admin, "get", tracking + f"?group={seeded.big_group_id}&status=pending&page=2"
        ),
        "acknowledge": _count(
            person,
            "post",
            reverse("publishing:acknowledge", args=[seeded.published_version_id]),
            {"confirm": "on"},
        ),
        "compare": _count(
            author,
            "get",
            reverse("guidelines:compare", args=[seeded.guideline_id]) + "?old=1&new=4",
        ),
        "export": _count(
            admin, "get", reverse("publishing:tracking_export", args=[seeded.campaign_id])
        ),
        "wizard_step": _count(
            author, "get", reverse("guidelines:step", args=[seeded.guideline_id, "accounts"])
        ),
    }


def test_seed_builds_the_benchmark_institution_with_an_intact_audit_chain(institutions):
    from audit.verify import verify_chain

    seeded = institutions[LARGE]
    assert seeded.counts["ack_requests"] == LARGE + 6  # the staff plus six personas
    acknowledged = AckRequest.objects.filter(
        campaign_id=seeded.campaign_id, acknowledged_at__isnull=False
    ).count()
    assert acknowledged == seeded.counts["acknowledged"]
    assert 0.5 * LARGE < acknowledged < 0.7 * LARGE
    assert Acknowledgement.objects.filter(version_id=seeded.published_version_id).count() == (
        acknowledged
    )
    assert verify_chain(seeded.organization_id) is None
    assert verify_chain(institutions[SMALL].organization_id) is None


@pytest.mark.urls("tests.bench.urls")
def test_dashboard_roster_acknowledge_compare_and_export_queries_do_not_grow_with_staff(
    institutions,
):
    small = _page_queries(institutions[SMALL])
    large = _page_queries(institutions[LARGE])
    print({page: count for page, (count, _answer) in large.items()})
    for page, (count, answer) in large.items():
        start, word = ANSWERS[page]
        for counted in (answer, small[page][1]):
            assert counted.startswith(start) and word in counted, f"{page}: {counted[:80]}"
            assert "/accounts/login" not in counted[:80], page
        # The export reads each batch's quiz tries in one query: one more per EXPORT_BATCH rows.
        batches = -(-(LARGE - SMALL) // EXPORT_BATCH) if page == "export" else 0
        assert small[page][0] <= count <= small[page][0] + batches, (
            f"{page}: {small[page][0]} queries at {SMALL:,} staff, {count} at {LARGE:,}"
        )
        # Elsewhere than PostgreSQL acknowledging takes the ORM path: the claim, the record,
        # the notice, the head's lock, the event and the head's move are a statement each.
        # It also reads the publication each time (the kept one is PostgreSQL's only).
        limit = MAX_QUERIES[page] + 5 * (
            page == "acknowledge" and connection.vendor != "postgresql"
        )
        limit += batches
        assert count <= limit, f"{page} runs {count} queries"


def test_roster_export_streams_before_the_whole_roster_is_read(institutions):
    seeded = institutions[LARGE]
    made = []

    def count(sender, instance, **kwargs):
        made.append(1)

    response = _client(seeded, "admin").get(
        reverse("publishing:tracking_export", args=[seeded.campaign_id])
    )
    assert isinstance(response, StreamingHttpResponse)
    chunks = iter(response.streaming_content)
    post_init.connect(count, sender=AckRequest)
    try:
        header = next(chunks)
        first_row = next(chunks)
        read_for_first_row = len(made)
        rest = b"".join(chunks)
    finally:
        post_init.disconnect(count, sender=AckRequest)
    assert header.startswith(b"name,email")
    assert 1 <= first_row.count(b"\n") <= EXPORT_BATCH
    assert read_for_first_row < seeded.counts["ack_requests"] / 2
    assert (header + first_row + rest).count(b"\n") == seeded.counts["ack_requests"] + 1


def test_small_bench_seeds_quickly_with_bulk_paths(db):
    start = time.perf_counter()
    seeded = _seed("timed-bench", 2_000)
    assert time.perf_counter() - start < 20
    assert seeded.total_seconds < 20
