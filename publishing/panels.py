"""Home page panels: what each person has to acknowledge, and campaign progress for admins."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.access import can
from accounts.models import Role
from config.home import Panel, panel

from .models import Campaign
from .selectors import campaign_figures, pending_requests


@panel
def to_acknowledge(request: HttpRequest) -> Panel | None:
    """Every employee: the guidelines waiting for their acknowledgement."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return None
    pending = list(pending_requests(request.user, membership.organization)[:10])
    return "publishing/panels/to_acknowledge.html", {"pending": pending}


@panel
def campaigns(request: HttpRequest) -> Panel | None:
    """Admins: progress of the open acknowledgement campaigns."""
    membership = getattr(request, "membership", None)
    if membership is None or not can(membership, Role.ADMIN):
        return None
    open_campaigns = list(
        Campaign.objects.filter(
            organization=membership.organization, status=Campaign.Status.OPEN
        ).select_related("version__guideline")[:3]
    )
    if not open_campaigns:
        return None
    rows = [(c, campaign_figures(c, by_group=False)["overall"]) for c in open_campaigns]
    return "publishing/panels/campaigns.html", {"rows": rows}
