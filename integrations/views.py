"""Admins' pages: API tokens, webhooks and chat channels, deliveries and replays."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import active_org, get_for_org, require_role
from accounts.http import MemberRequest
from accounts.models import Role

from . import services
from .forms import ChatForm, TokenForm, WebhookForm
from .models import ApiToken, Delivery, Endpoint, Scope
from .services import IntegrationError

RECENT_DELIVERIES = 50


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"  # a secret is on this page only once
    return response


@require_role(Role.ADMIN)
def index(request: MemberRequest) -> HttpResponse:
    """Everything connected to the institution, on one page."""
    org = active_org(request)
    return render(
        request,
        "integrations/index.html",
        {
            "tokens": ApiToken.objects.filter(organization=org).select_related("created_by")[:100],
            "endpoints": Endpoint.objects.filter(organization=org),
        },
    )


@require_role(Role.ADMIN)
def tokens(request: MemberRequest) -> HttpResponse:
    """Make an API token (its value is shown once) and see the others."""
    org = active_org(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made, raw = services.issue_token(
                organization=org,
                by=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                days=form.cleaned_data["days"],
                request=request,
            )
        except IntegrationError as exc:
            form.add_error(None, str(exc))
        else:
            return _no_store(
                render(request, "integrations/token_made.html", {"token": made, "raw": raw})
            )
    return render(
        request,
        "integrations/tokens.html",
        {
            "form": form,
            "tokens": ApiToken.objects.filter(organization=org).select_related("created_by")[:100],
            "scopes": Scope.choices,
        },
    )


@require_POST
@require_role(Role.ADMIN)
def token_revoke(request: MemberRequest, pk: int) -> HttpResponse:
    token = get_for_org(ApiToken.objects.all(), request, pk=pk)
    if services.revoke_token(token=token, by=request.user, request=request):
        messages.success(request, f"The token {token.name} no longer works.")
    return redirect("integrations:tokens")


@require_role(Role.ADMIN)
def endpoint_new(request: MemberRequest) -> HttpResponse:
    """Subscribe a webhook address, or connect a Slack or Teams channel."""
    org = active_org(request)
    chat = request.GET.get("kind") == "chat" or request.POST.get("form") == "chat"
    form: WebhookForm | ChatForm
    form = ChatForm(request.POST or None) if chat else WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint, secret = services.create_endpoint(
                organization=org,
                by=request.user,
                kind=data["kind"] if chat else Endpoint.Kind.WEBHOOK,
                name=data["name"],
                url=data["url"],
                events=data["events"],
                overdue_threshold=data.get("overdue_threshold") or 10,
                request=request,
            )
        except IntegrationError as exc:
            form.add_error("url" if "address" in str(exc).lower() else None, str(exc))
        else:
            if secret:
                return _no_store(
                    render(
                        request,
                        "integrations/endpoint_made.html",
                        {"endpoint": endpoint, "secret": secret},
                    )
                )
            messages.success(request, f"{endpoint.name} is connected.")
            return redirect("integrations:endpoint", pk=endpoint.pk)
    return render(request, "integrations/endpoint_new.html", {"form": form, "chat": chat})


@require_role(Role.ADMIN)
def endpoint(request: MemberRequest, pk: int) -> HttpResponse:
    """One endpoint: its subscription and its latest deliveries, with status and timing."""
    found = get_for_org(Endpoint.objects.all(), request, pk=pk)
    if request.method == "POST":
        active = request.POST.get("active") == "1"
        if services.set_active(endpoint=found, active=active, by=request.user, request=request):
            messages.success(
                request, f"{found.name} is {'switched on' if active else 'switched off'}."
            )
        return redirect("integrations:endpoint", pk=found.pk)
    deliveries = Paginator(
        Delivery.objects.filter(endpoint=found).select_related("event"), RECENT_DELIVERIES
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "integrations/endpoint.html",
        {"endpoint": found, "deliveries": deliveries},
    )


@require_POST
@require_role(Role.ADMIN)
def endpoint_test(request: MemberRequest, pk: int) -> HttpResponse:
    found = get_for_org(Endpoint.objects.all(), request, pk=pk)
    try:
        delivery = services.send_test(endpoint=found, by=request.user, request=request)
    except IntegrationError as exc:
        messages.error(request, str(exc))
    else:
        if delivery.status == Delivery.Status.SUCCEEDED:
            messages.success(request, "The test message was delivered.")
        elif delivery.status == Delivery.Status.PENDING:
            messages.info(request, "The test message is on its way.")
        else:
            messages.error(
                request, f"The test message did not arrive: {delivery.last_error} It is retried."
            )
    return redirect("integrations:endpoint", pk=found.pk)


@require_POST
@require_role(Role.ADMIN)
def delivery_replay(request: MemberRequest, pk: int) -> HttpResponse:
    delivery = get_for_org(
        Delivery.objects.select_related("endpoint"), request, "endpoint__organization", pk=pk
    )
    try:
        services.replay(delivery=delivery, by=request.user, request=request)
    except IntegrationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The event is being sent again, with the same id.")
    return redirect("integrations:endpoint", pk=delivery.endpoint_id)
