"""The request types in accounts/http.py describe what the middleware really sets, so a view
typed ``MemberRequest`` reads attributes that exist, with the types it was promised."""

from typing import cast

from django.urls import reverse

from accounts.http import CharterRequest, MemberRequest, SignedInRequest
from accounts.models import Membership, User


def declared(*types: type) -> set[str]:
    return {name for cls in types for name in cls.__annotations__}


def test_an_anonymous_visitor_gets_every_attribute_a_charter_request_declares(client, db):
    request = cast(CharterRequest, client.get(reverse("accounts:login")).wsgi_request)
    assert declared(CharterRequest) <= set(dir(request))
    assert request.membership is None and request.memberships == []


def test_a_member_gets_a_user_and_a_membership_of_the_promised_types(author):
    request = cast(MemberRequest, author.client().get(reverse("home")).wsgi_request)
    assert declared(CharterRequest, SignedInRequest, MemberRequest) <= set(dir(request))
    assert isinstance(request.user, User) and request.user == author.user
    assert isinstance(request.membership, Membership)
    assert request.membership == author.membership
