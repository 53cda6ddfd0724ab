"""The search page: who finds what, in their own institution only, safely highlighted."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guidelines.services import create_guideline, save_section
from search.indexing import rebuild
from search.models import SectionText
from tests.factories import GuidelineFactory, VersionFactory, starter
from tests.publishing.conftest import sign

URL = reverse("search:search")


def content_with(org, privacy: str) -> dict:
    content = starter(org)
    content["privacy"] = {"body": privacy}
    return content


@pytest.fixture
def live(org, guideline, make_version, legal, compliance, do_publish):
    """Version 1 in force, with a privacy section naming a "consent form"."""
    version = make_version(
        1, content=content_with(org, "Ask for the signed consent form before any <b>filming</b>.")
    )
    sign(version, legal, compliance)
    do_publish(version)
    return version


def texts(response) -> str:
    return response.content.decode()


def test_employee_finds_the_section_in_force_with_a_link_to_it(employee, live, org):
    response = employee.client().get(URL, {"q": "consent"})
    assert response.status_code == 200
    page = texts(response)
    assert f"/g/{org.slug}/social-media/#section-privacy" in page
    assert "<mark>consent</mark>" in page
    assert "In force" in page


def test_matches_are_escaped_not_rendered(employee, author, org, guideline, make_version):
    content = starter(org)
    content["accounts"]["hashtags"] = ["#<script>alert(1)</script>zebra"]
    make_version(2, content=content, status="in_review")
    page = texts(author.client().get(URL, {"q": "zebra*"}))
    assert "&lt;script&gt;" in page and "<mark>" in page
    assert "<script>alert" not in page


def test_phrase_and_prefix(employee, live):
    client = employee.client()
    assert "#section-privacy" in texts(client.get(URL, {"q": '"consent form"'}))
    assert "#section-privacy" not in texts(client.get(URL, {"q": '"form consent"'}))
    assert "#section-privacy" in texts(client.get(URL, {"q": "cons*"}))


def test_employee_does_not_find_versions_in_review_or_drafts(
    employee, author, legal, live, guideline, make_version, org
):
    make_version(
        2, content=content_with(org, "A zebracrossing rule in review."), status="in_review"
    )
    draft_guideline = create_guideline(
        organization=org, by=author.user, title="Students", start="template"
    )
    save_section(
        draft=draft_guideline.drafts.get(),
        key="privacy",
        data={"body": "Draft words about zebracrossing."},
        by=author.user,
        revision=draft_guideline.drafts.get().sections.get(key="privacy").revision,
    )
    assert "Nothing found" in texts(employee.client().get(URL, {"q": "zebracrossing"}))
    page = texts(legal.client().get(URL, {"q": "zebracrossing"}))
    assert "In review (version 2)" in page and "Draft" not in page
    page = texts(author.client().get(URL, {"q": "zebracrossing"}))
    assert "In review (version 2)" in page
    assert reverse("guidelines:step", kwargs={"pk": draft_guideline.pk, "key": "privacy"}) in page


def test_superseded_text_is_not_found(
    employee, live, make_version, legal, compliance, org, do_publish
):
    newer = make_version(2, content=content_with(org, "Only the newer wording stays."))
    sign(newer, legal, compliance)
    do_publish(newer)
    client = employee.client()
    assert "Nothing found" in texts(client.get(URL, {"q": "filming"}))
    assert "#section-privacy" in texts(client.get(URL, {"q": "newer"}))


def test_another_institutions_text_is_never_found(outsider, other_org, live, employee):
    theirs = GuidelineFactory(organization=other_org, slug="theirs", created_by=outsider.user)
    VersionFactory(guideline=theirs, number=1, content=content_with(other_org, "Lakeside quokka."))
    assert "Nothing found" in texts(outsider.client().get(URL, {"q": "consent"}))
    assert "Nothing found" in texts(employee.client().get(URL, {"q": "quokka"}))


def test_a_person_in_two_institutions_searches_the_one_they_work_in(shared, live, other_org):
    # ``shared`` works at Riverside (active) and at Lakeside.
    assert "#section-privacy" in texts(shared.client().get(URL, {"q": "consent"}))


def test_too_long_a_query_is_refused_with_the_input_kept(employee, live):
    response = employee.client().get(URL, {"q": "x" * 201})
    assert response.status_code == 400
    page = texts(response)
    assert "too long" in page and 'value="' + "x" * 201 in page


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL, {"q": "consent"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_rebuild_is_safe_to_run_again(live, org, author):
    before = SectionText.objects.count()
    rebuild()
    rebuild()
    assert SectionText.objects.count() == before


@pytest.mark.parametrize("guidelines", [1, 6])
def test_queries_do_not_grow_with_the_guidelines(
    guidelines, author, legal, compliance, org, do_publish, django_assert_max_num_queries
):
    for n in range(guidelines):
        g = GuidelineFactory(organization=org, slug=f"g{n}", created_by=author.user)
        v = VersionFactory(
            guideline=g, number=1, status="approved", content=content_with(org, f"consent {n}")
        )
        sign(v, legal, compliance)
        do_publish(v)
    client = author.client()
    with django_assert_max_num_queries(10):
        response = client.get(URL, {"q": "consent"})
    assert texts(response).count("#section-privacy") == guidelines


def test_punctuation_alone_asks_for_a_word(employee):
    page = texts(employee.client().get(URL, {"q": "*** !!"}))
    assert "Type at least one word" in page


def test_a_guideline_is_found_by_its_title(employee, author, live, org):
    page = texts(employee.client().get(URL, {"q": "social med*"}))
    assert "in their title" in page
    assert f'href="/g/{org.slug}/social-media/"' in page
    assert "<mark>Social</mark> <mark>media</mark> guidelines" in page
    drafted = create_guideline(
        organization=org, by=author.user, title="Night shift handbook", start="template"
    )
    assert "in their title" not in texts(employee.client().get(URL, {"q": "handbook"}))
    page = texts(author.client().get(URL, {"q": "handbook"}))
    assert reverse("guidelines:detail", kwargs={"pk": drafted.pk}) in page


def test_the_section_that_says_it_most_comes_first(
    employee, author, legal, compliance, org, do_publish
):
    for slug, body in (
        ("mentions-once", "Consent is one word among many others about filming on the ward."),
        ("all-about-it", "Consent first. Written consent, recorded consent, consent withdrawn."),
    ):
        g = GuidelineFactory(organization=org, slug=slug, title=slug, created_by=author.user)
        v = VersionFactory(
            guideline=g, number=1, status="approved", content=content_with(org, body)
        )
        sign(v, legal, compliance)
        do_publish(v)
    page = texts(employee.client().get(URL, {"q": "consent"}))
    assert page.index("/all-about-it/#section-privacy") < page.index("/mentions-once/#section")


HOSTILE = [
    "'" * 200,
    '"' * 200,
    "*" * 200,
    '"a*" "b' * 28,
    "a:* & !b | (c <-> d)",
    "x'); DROP TABLE search_sectiontext; --",
    "a <2> b <-> !c",
    ":* :* :*",
    "\\ \\' \\\"",
    "the of and",
    "ø* ß* ﬁ*",
    "１２３ ٣",
    "a" * 200,
    ("word* " * 40)[:200],
    "consent\x00",
]


@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_are_answered_not_failed(employee, author, live, q):
    for who in (employee, author):
        response = who.client().get(URL, {"q": q})
        assert response.status_code in (200, 400), q
        assert "<!doctype html>" in texts(response)
