"""The admin's forms: a new API token, a new webhook or chat endpoint."""

from __future__ import annotations

from django import forms

from .models import CHAT_EVENTS, WEBHOOK_EVENTS, Endpoint, EventType, Scope

EXPIRY_CHOICES = [(30, "30 days"), (90, "90 days"), (180, "180 days"), (365, "One year")]


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="Who uses it, e.g. “Learning system” or “SIEM”."
    )
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Give only what the system needs.",
    )
    days = forms.TypedChoiceField(
        label="Expires after", choices=EXPIRY_CHOICES, coerce=int, initial=90
    )


def _labels(kinds: tuple[EventType, ...]) -> list[tuple[str, str]]:
    return [(k.value, k.label) for k in kinds]


class WebhookForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Which system receives it.")
    url = forms.URLField(
        label="Address (https)", max_length=2000, assume_scheme="https",
        help_text="Charter posts signed JSON here. Addresses inside private networks are refused.",
    )  # fmt: skip
    events = forms.MultipleChoiceField(
        choices=_labels(WEBHOOK_EVENTS), widget=forms.CheckboxSelectMultiple
    )
    overdue_threshold = forms.IntegerField(
        label="Overdue threshold (%)",
        min_value=1,
        max_value=100,
        initial=10,
        help_text="For the overdue event: the share of people overdue in a campaign.",
    )


class ChatForm(forms.Form):
    kind = forms.ChoiceField(
        label="Tool",
        choices=[(Endpoint.Kind.SLACK, "Slack"), (Endpoint.Kind.TEAMS, "Microsoft Teams")],
        widget=forms.RadioSelect,
    )
    name = forms.CharField(max_length=100, label="Channel name", help_text="E.g. #comms-team.")
    url = forms.URLField(
        label="Incoming webhook address", max_length=2000, assume_scheme="https",
        help_text="Slack: an incoming webhook. Teams: a Workflows “post to a channel when a "
        "webhook request is received” address.",
    )  # fmt: skip
    events = forms.MultipleChoiceField(
        label="Notices", choices=_labels(CHAT_EVENTS), widget=forms.CheckboxSelectMultiple
    )
