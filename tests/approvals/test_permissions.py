"""The permission matrix: every approvals view × every persona.

200/204/302 = allowed in, 403 = member without the role, 404 = another institution,
302 to the login page = anonymous.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals.services import add_comment

PERSONAS = ["admin", "author", "legal", "compliance", "auditor", "employee", "outsider"]

# view -> (method, personas let in). Everyone else in Riverside gets 403; outsider gets 404.
MATRIX = {
    "inbox": ("get", {"legal", "compliance"}),
    "route": ("get", {"admin"}),
    "submit": ("get", {"admin", "author"}),
    "review": ("get", {"admin", "author", "legal", "compliance", "auditor"}),
    "seen": ("post", {"admin", "author", "legal", "compliance", "auditor"}),
    "sign_off": ("post", {"legal", "compliance"}),
    "request_changes": ("post", {"legal", "compliance"}),
    "withdraw": ("post", {"admin", "author"}),
    "comment": ("post", {"admin", "author", "legal", "compliance"}),
    # Legal opened the thread: only reviewers of the route close it (see test_view_resolve).
    "resolve": ("post", {"legal", "compliance"}),
    # Replying from the wizard: here nothing is being revised, so the reply is refused politely.
    "reply": ("post", {"admin", "author"}),
    "revise": ("post", {"admin", "author"}),
}
ORG_WIDE = {"inbox", "route"}  # not about one object: the outsider sees their own institution's


@pytest.fixture
def urls(review, legal):
    thread = add_comment(
        review=review, by=legal.user, membership=legal.membership, section_key="scope", body="?"
    )
    return {
        "inbox": reverse("approvals:inbox"),
        "route": reverse("approvals:route"),
        "submit": reverse("approvals:submit", args=[review.guideline_id]),
        "review": reverse("approvals:review", args=[review.pk]),
        "seen": reverse("approvals:seen", args=[review.pk]),
        "sign_off": reverse("approvals:sign_off", args=[review.pk]),
        "request_changes": reverse("approvals:request_changes", args=[review.pk]),
        "withdraw": reverse("approvals:withdraw", args=[review.pk]),
        "comment": reverse("approvals:comment", args=[review.pk]),
        "resolve": reverse("approvals:resolve", args=[thread.pk]),
        "reply": reverse("approvals:reply", args=[thread.pk]),
        "revise": reverse("approvals:revise", args=[review.pk]),
    }


@pytest.mark.parametrize("view", list(MATRIX))
@pytest.mark.parametrize("who", PERSONAS)
def test_permission_matrix(request, urls, view, who):
    method, allowed = MATRIX[view]
    persona = request.getfixturevalue(who)
    response = getattr(persona.client(), method)(urls[view], {})
    if who == "outsider":
        # An admin elsewhere: reviewer-only views refuse first (403), object views never find
        # the object (404), the route page shows their own institution's route.
        expected = {"inbox": 403, "route": 200, "sign_off": 403, "request_changes": 403}
        assert response.status_code == expected.get(view, 404)
    elif who in allowed:
        assert response.status_code in {200, 204, 302, 400}
        if response.status_code == 302:
            assert "/accounts/login" not in response["Location"]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("view", list(MATRIX))
def test_anonymous_is_sent_to_login(client, urls, view):
    method, _ = MATRIX[view]
    response = getattr(client, method)(urls[view], {})
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


@pytest.mark.parametrize("view", [v for v, (m, _) in MATRIX.items() if m == "post"])
def test_actions_refuse_get(urls, legal, admin, view):
    for persona in (legal, admin):
        assert persona.client().get(urls[view]).status_code in {403, 405}


@pytest.mark.parametrize("view", [v for v in MATRIX if v not in ORG_WIDE])
def test_another_institution_never_finds_the_object(urls, outsider_all, view):
    method, _ = MATRIX[view]
    response = getattr(outsider_all.client(), method)(urls[view], {})
    assert response.status_code == 404


@pytest.mark.parametrize("view", ["inbox", "route"])
def test_institution_wide_pages_show_nothing_of_another_institution(
    urls, outsider_all, review, view
):
    html = outsider_all.client().get(urls[view]).content.decode()
    assert review.guideline.title not in html
