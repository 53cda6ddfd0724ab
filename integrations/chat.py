"""Notices for Slack and Microsoft Teams, in the formats their incoming webhooks document.

Slack: a JSON body with ``text`` (the notification and fallback) and Block Kit ``blocks``.
Teams (Workflows "post to a channel when a webhook request is received"): a message whose
attachment is an Adaptive Card. Text is written here, in Charter's words, from event data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .models import Endpoint, Event, EventType


@dataclass(frozen=True)
class Notice:
    title: str
    lines: list[str]
    link: str = ""
    link_label: str = "Open in Charter"


def _name(data: dict[str, Any]) -> str:
    guideline = (data.get("guideline") or {}).get("title") or "A guideline"
    number = (data.get("version") or {}).get("number")
    return f"{guideline}, version {number}" if number else guideline


def notice(event: Event, institution: str) -> Notice:
    data = event.payload or {}
    if event.type == EventType.GUIDELINE_PUBLISHED:
        lines = [f"Takes effect on {data.get('effective_date') or 'the date set'}."]
        if data.get("requires_acknowledgement"):
            lines.append(f"Everyone asked should acknowledge it by {data.get('due_date')}.")
        return Notice(f"Published: {_name(data)}", lines, data.get("url") or "", "Read it")
    if event.type == EventType.REVIEW_WAITING:
        role = data.get("role") or "the reviewers"
        return Notice(
            f"Review waiting: {_name(data)}",
            [f"Stage {data.get('stage')} waits for {role}; due {str(data.get('due_at'))[:10]}."],
            data.get("url") or "",
            "Open the review",
        )
    if event.type == EventType.OVERDUE_SUMMARY:
        lines = [
            f"{c['guideline']}, version {c['version']}: {c['overdue']} of {c['total']} "
            f"overdue ({c['overdue_percent']}%)"
            for c in data.get("campaigns", [])
        ] or ["Nobody is overdue."]
        return Notice(f"Overdue acknowledgements at {institution}", lines, data.get("url", ""))
    if event.type == EventType.OVERDUE_THRESHOLD:
        return Notice(
            f"Overdue above {data.get('threshold_percent')}%: {_name(data)}",
            [f"{data.get('overdue')} of {data.get('total')} people are overdue."],
            data.get("url", ""),
        )
    if event.type == EventType.TEST:
        return Notice(
            "Test message from Charter",
            [f"If you can read this, {institution}'s notices will arrive in this channel."],
        )
    return Notice(event.get_type_display(), [])


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(n: Notice) -> dict[str, Any]:
    body = "\n".join(_slack_escape(line) for line in n.lines) or " "
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": n.title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": body[:3000]}},
    ]
    if n.link:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"<{n.link}|{_slack_escape(n.link_label)}>"},
            }
        )
    return {"text": n.title, "blocks": blocks}


def teams_message(n: Notice) -> dict[str, Any]:
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": n.title, "weight": "Bolder", "size": "Medium",
             "wrap": True},
            *({"type": "TextBlock", "text": line, "wrap": True} for line in n.lines),
        ],
    }  # fmt: skip
    if n.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": n.link_label, "url": n.link}]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def message(endpoint: Endpoint, event: Event) -> dict[str, Any]:
    n = notice(event, endpoint.organization.name)
    return teams_message(n) if endpoint.kind == Endpoint.Kind.TEAMS else slack_message(n)
