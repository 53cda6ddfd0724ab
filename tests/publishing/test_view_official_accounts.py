"""The public "is this account official?" check, as patients and the press use it."""

import copy
import datetime as dt
import re

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from guidelines.models import Version
from publishing.official_check import MAX_INPUT
from publishing.selectors import accounts_in_force
from tests.factories import GuidelineFactory, VersionFactory, starter

# Every way a visitor may paste a profile of each platform ({h}: the handle without "@").
PROFILE_FORMS = {
    "Instagram": [
        "https://www.instagram.com/{h}",
        "instagram.com/{h}/",
        "https://m.instagram.com/{h}/?igsh=MWx0a2V4#posts",
        "http://instagram.com/{h}?utm_source=qr",
    ],
    "Facebook": [
        "https://www.facebook.com/{h}",
        "m.facebook.com/{h}/",
        "https://web.facebook.com/{h}?ref=page_internal#about",
    ],
    "LinkedIn": [
        "https://www.linkedin.com/company/{h}",
        "linkedin.com/company/{h}/?trk=public_profile",
    ],
    "YouTube": [
        "https://www.youtube.com/@{h}",
        "m.youtube.com/@{h}/videos",
        "https://youtube.com/@{h}?si=abc",
    ],
    "X": ["https://x.com/{h}", "https://twitter.com/{h}", "mobile.twitter.com/{h}/?lang=en"],
    "TikTok": ["https://www.tiktok.com/@{h}", "tiktok.com/@{h}?lang=en#top"],
    "Threads": ["https://www.threads.net/@{h}", "threads.com/@{h}/"],
    "Bluesky": ["https://bsky.app/profile/{h}"],
}


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    """Each test starts with an empty rate-limit window."""
    cache.clear()


def page(client, slug, handle, *, status=200):
    response = client.get(reverse("publishing:official_accounts", args=[slug]), {"handle": handle})
    assert response.status_code == status
    return response.content.decode()


def ask(client, org, handle):
    return page(client, org.slug, handle)


def yes_lines(html):
    """(handle, platform) of every "Yes" line on the page, in order."""
    return re.findall(r"Yes</strong>, @(\S+) on (\w+) is an official account", html)


def every_form(account):
    handle = account["handle"].lstrip("@")
    forms = [f"@{handle}", handle, handle.upper(), f"  @{handle.lower()}  "]
    for template in PROFILE_FORMS[account["platform"]]:
        forms += [template.format(h=handle), template.format(h=handle).upper()]
    if account.get("url"):
        forms.append(account["url"])
    return forms


def answers_yes_for_every_form(client, slug, accounts):
    handles: dict[str, set[str]] = {}
    for account in accounts:
        handles.setdefault(account["handle"].lstrip("@").casefold(), set()).add(account["platform"])
    for account in accounts:
        handle = account["handle"].lstrip("@")
        for form in every_form(account):
            found = yes_lines(page(client, slug, form))
            # Each account once; a bare handle answers for every platform listing it.
            assert len(found) == len(set(found)), (form, found)
            assert (handle, account["platform"]) in found, (form, found)
            if "/" in form or "." in form:
                assert found == [(handle, account["platform"])], (form, found)
            else:
                assert {p for _, p in found} == handles[handle.casefold()], (form, found)


def test_every_form_of_every_official_account_in_the_demo_is_confirmed(client, db, settings):
    settings.CHARTER_OFFICIAL_CHECK_LIMIT = 10_000
    call_command("load_demo")
    checked = 0
    for organization in Organization.objects.all():
        accounts, _, _ = accounts_in_force(organization)
        answers_yes_for_every_form(client, organization.slug, accounts)
        checked += len(accounts)
    assert checked >= 4  # the demo lists Riverside's accounts on four platforms


def test_every_platform_and_address_form_is_confirmed(
    client, make_version, do_publish, org, settings
):
    settings.CHARTER_OFFICIAL_CHECK_LIMIT = 10_000
    content = copy.deepcopy(starter(org))
    content["accounts"]["accounts"] = [
        {"platform": p, "handle": f"@Riverside{p}", "url": "", "department": ""}
        for p in PROFILE_FORMS
    ] + [{"platform": "Bluesky", "handle": "@riverside.bsky.social", "url": "", "department": ""}]
    do_publish(make_version(1, content=content))
    answers_yes_for_every_form(client, org.slug, content["accounts"]["accounts"])


NEAR_MISSES = [
    "@RiversideHealths",  # an extra letter
    "@RiversideHealt",  # a missing letter
    "@Riverside_Health",
    "Riverside Health",  # the name, not a handle
    "https://www.tiktok.com/@RiversideHealth",  # a platform where none is listed
    "https://x.com/RiversideHealth",
    "https://www.instagram.com/RiversideHealth.official",
    "https://instagram.com.verify-account.example/RiversideHealth",  # a look-alike site
    "https://notinstagram.com/RiversideHealth",
    "https://www.instagram.com/",
    "https://www.linkedin.com/company/",
    "https://www.instagram.com/p/RiversideHealth",
    "https://www.riverside-health.example/RiversideHealth",
    "@",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("handle", NEAR_MISSES)
def test_near_misses_are_not_official(client, db, settings, handle):
    call_command("load_demo")
    html = page(client, "riverside-health", handle)
    assert yes_lines(html) == []
    assert "No</strong>" in html


def test_a_handle_listed_in_two_guidelines_in_force_is_answered_once(
    client, published, org, author, do_publish
):
    other = GuidelineFactory(organization=org, slug="volunteers", created_by=author.user)
    do_publish(
        VersionFactory(
            guideline=other,
            number=1,
            status=Version.Status.APPROVED,
            content=copy.deepcopy(starter(org)),
            created_by=author.user,
        )
    )
    found = yes_lines(ask(client, org, "@Riverside"))
    assert len(found) == len(set(found))
    assert {p for _, p in found} == {"Facebook", "Instagram", "LinkedIn", "YouTube"}


def test_official_handle_is_confirmed_with_platform_and_department(client, published, org):
    html = ask(client, org, "@Riverside")
    assert "Yes</strong>, @Riverside on Instagram is an official account of Riverside" in html
    assert "department: Communications" in html


def test_unknown_handle_is_not_official_and_says_where_to_report(client, published, org):
    html = ask(client, org, "@Riverside_Donations")
    assert (
        "No</strong>, “<span" in html and "@Riverside_Donations</span>” is not an official" in html
    )
    assert "social@hospital.example" in html


def test_superseded_accounts_are_no_longer_official(
    client, published, make_version, do_publish, org
):
    content = copy.deepcopy(starter(org))
    content["accounts"]["accounts"] = [
        {"platform": "Facebook", "handle": "@RiversideNew", "url": "", "department": "Comms"}
    ]
    do_publish(make_version(2, content=content))
    assert "No</strong>" in ask(client, org, "@Riverside")
    assert yes_lines(ask(client, org, "@riversidenew")) == [("RiversideNew", "Facebook")]


def test_unknown_institution_answers_like_an_unknown_handle(client, published, org):
    unknown = page(client, "nowhere", "@Riverside")
    assert "No</strong>" in unknown and "Yes</strong>" not in unknown
    assert "social@hospital.example" not in unknown and "Riverside" not in unknown.split(
        "<main", 1
    )[1].replace("@Riverside", "")
    assert "has not published its list" in unknown


def test_page_works_before_anything_is_published(client, org):
    assert "has not published its list" in ask(client, org, "@x")


def test_each_institution_suggests_its_own_handle_or_a_neutral_one(client, published, org, db):
    call_command("load_demo")
    riverside = client.get(reverse("publishing:official_accounts", args=[org.slug])).content
    assert b"for example &quot;@Riverside&quot;" in riverside
    lakeside = client.get(reverse("publishing:official_accounts", args=["lakeside-clinic"]))
    assert b"RiversideHealth" not in lakeside.content
    assert b"for example &quot;@name&quot;" in lakeside.content


def test_too_long_input_is_refused_with_a_message(client, published, org):
    html = ask(client, org, "@" + "a" * MAX_INPUT)
    assert "longer than any handle" in html
    assert "Yes</strong>" not in html


def test_checks_are_rate_limited_per_client_address(client, published, org, settings):
    settings.CHARTER_OFFICIAL_CHECK_LIMIT = 3
    for _ in range(3):
        ask(client, org, "@Riverside")
    limited = client.get(
        reverse("publishing:official_accounts", args=[org.slug]), {"handle": "@Riverside"}
    )
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60  # the seconds left in the window
    assert "Too many checks from your connection" in limited.content.decode()
    # Another address still gets its answer.
    other = client.get(
        reverse("publishing:official_accounts", args=[org.slug]),
        {"handle": "@Riverside"},
        REMOTE_ADDR="192.0.2.7",
    )
    assert other.status_code == 200
    # Unknown institutions count against the same limit: no probing around it.
    assert page(client, "nowhere", "@x", status=429)


def test_checks_with_redis_unreachable_still_answer_and_still_limit(
    client, published, org, settings, caplog, redis_unreachable
):
    """Redis down: the public page keeps answering (no 500 for a patient), and the limit still
    holds, counted by this process until the shared counter is back."""
    settings.CHARTER_OFFICIAL_CHECK_LIMIT = 2
    moment = timezone.now().replace(second=15, microsecond=0) + dt.timedelta(minutes=1)
    with time_machine.travel(moment, tick=False):
        assert "Yes</strong>" in ask(client, org, "@Riverside")
        ask(client, org, "@Riverside")
        limited = client.get(
            reverse("publishing:official_accounts", args=[org.slug]), {"handle": "@Riverside"}
        )
    assert (limited.status_code, limited["Retry-After"]) == (429, "45")
    assert any("counted per process" in r.getMessage() for r in caplog.records)


def test_published_guideline_and_footer_link_to_the_check(published, org, employee):
    check = reverse("publishing:official_accounts", args=[org.slug])
    client = employee.client()
    reader = client.get(reverse("publishing:guideline", args=[org.slug, published.guideline.slug]))
    html = reader.content.decode()
    assert f'href="{check}">Check whether an account is official' in html
    assert f'href="{check}" data-testid="footer-official-check"' in html
    home = client.get(reverse("home")).content.decode()
    assert f'href="{check}" data-testid="footer-official-check"' in home


def test_footer_has_no_check_link_where_no_institution_is_known(client, db):
    login = client.get(reverse("accounts:login")).content.decode()
    assert "footer-official-check" not in login
