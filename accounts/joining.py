"""Joining a further institution is the person's choice.

When an institution invites an address that already has an account (a member elsewhere, or
someone who has chosen a password), no password link is sent and nothing becomes active: the
membership waits (``Membership.awaiting_acceptance``) until the person, signed in as
themselves, accepts it. Declining leaves it inactive. The institution Charter opens at sign-in
never changes because of an invitation (see ``accounts.middleware.default_membership``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone

from audit.services import record
from config.mail import send_to_each

from .models import Invitation, Membership, Organization, User
from .signals import members_joined


def needs_consent(user: User | None, organization: Organization) -> bool:
    """True when adding this person to ``organization`` must wait for them to accept: their
    account is not only this institution's (a place in another one, or a password chosen
    without ever being a member here). A former member coming back to their only
    institution is not asked."""
    if user is None:
        return False
    places = set(
        Membership.objects.filter(user_id=user.pk).values_list("organization_id", flat=True)
    )
    if places - {organization.pk}:
        return True
    return user.has_usable_password() and organization.pk not in places


def send_join_request_email(*, membership: Membership, invited_by: User | None) -> None:
    """Tell the person an institution invites them, with a link to answer after signing in."""
    send_to_each(
        [membership.user],
        "join_request",
        f"{membership.organization.name} invites you to join it on Charter",
        {
            "organization": membership.organization,
            "invited_by": invited_by,
            "link": settings.SITE_URL + reverse("accounts:invitations"),
            "reset_link": settings.SITE_URL + reverse("accounts:password_reset"),
        },
    )


def pending_for(user: User) -> list[Membership]:
    """The invitations waiting for this person's answer."""
    return list(
        Membership.objects.filter(user_id=user.pk, awaiting_acceptance=True)
        .select_related("organization")
        .order_by("organization__name")
    )


def pending_one(user: User, membership_id: int) -> Membership:
    """One open invitation of this person; anything else is a 404."""
    membership = (
        Membership.objects.filter(pk=membership_id, user_id=user.pk, awaiting_acceptance=True)
        .select_related("organization")
        .first()
    )
    if membership is None:
        raise Http404("No such invitation")
    return membership


def _locked_pending(user: User, membership_id: int) -> Membership:
    User.objects.select_for_update().filter(pk=user.pk).first()
    membership = (
        Membership.objects.select_for_update()
        .filter(pk=membership_id, user_id=user.pk, awaiting_acceptance=True)
        .select_related("organization")
        .first()
    )
    if membership is None:
        # Someone else's, already answered, or withdrawn: nothing here for this person.
        raise Http404("No such invitation")
    return membership


def accept(*, user: User, membership_id: int, request: HttpRequest | None = None) -> Membership:
    """The invited person joins: the membership becomes active from now."""
    with transaction.atomic():
        membership = _locked_pending(user, membership_id)
        now = timezone.now()
        membership.awaiting_acceptance = False
        membership.is_active = True
        membership.deactivated_at = None
        # Joined now: the institution the person already works in stays their default.
        membership.joined_at = now
        membership._history_user = user  # type: ignore[attr-defined]
        membership.save()
        Invitation.objects.filter(membership=membership, accepted_at=None).update(accepted_at=now)
        record(
            "accounts.invitation.accepted",
            actor=user,
            organization=membership.organization,
            obj=membership,
            request=request,
        )
        organization, ids = membership.organization, [membership.pk]
        transaction.on_commit(
            lambda: members_joined.send(
                sender=Membership, organization=organization, membership_ids=ids
            )
        )
    return membership


def decline(*, user: User, membership_id: int, request: HttpRequest | None = None) -> Membership:
    """The invited person says no: the membership stays inactive and the institution sees it."""
    with transaction.atomic():
        membership = _locked_pending(user, membership_id)
        membership.awaiting_acceptance = False
        membership._history_user = user  # type: ignore[attr-defined]
        membership.save()
        record(
            "accounts.invitation.declined",
            actor=user,
            organization=membership.organization,
            obj=membership,
            request=request,
        )
    return membership
