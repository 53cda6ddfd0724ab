"""The public "is this account official?" check: what a visitor typed, read as an account.

A visitor may paste a handle (``@RiversideHealth``, ``riversidehealth``) or a profile web
address copied from a browser or an app (``https://www.instagram.com/RiversideHealth/?igsh=…``).
Both are reduced to a platform (when the address names one) and a handle compared without case
or the leading "@". Every step is a split or a strip, so reading an input is linear in its
length, and the input is bounded by ``MAX_INPUT`` before it gets here.

Matching rule: a bare handle matches that handle on every platform the guideline lists; a
profile address matches only an account listed on that address's platform. An address on a
platform where the institution lists no such account answers "no", because that is exactly
what an impostor on another platform looks like.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

# Long enough for any profile address with a tracking query string; anything longer is refused.
MAX_INPUT = 300

# Host (without "www." or "m.") → the platform name as the guideline's account table spells it.
HOSTS: dict[str, str] = {
    "instagram.com": "Instagram",
    "instagr.am": "Instagram",
    "x.com": "X",
    "twitter.com": "X",
    "facebook.com": "Facebook",
    "fb.com": "Facebook",
    "linkedin.com": "LinkedIn",
    "tiktok.com": "TikTok",
    "youtube.com": "YouTube",
    "threads.net": "Threads",
    "threads.com": "Threads",
    "bsky.app": "Bluesky",
}
# Subdomains that show the same profile as the bare host.
_SAME_SITE_PREFIXES = ("www.", "m.", "mobile.", "web.")
# Path words that come before the handle on some platforms (linkedin.com/company/<handle>).
_PATH_PREFIXES: dict[str, tuple[str, ...]] = {
    "LinkedIn": ("company", "school", "showcase", "in"),
    "YouTube": ("c", "user"),
    "Bluesky": ("profile",),
}


@dataclass(frozen=True)
class Asked:
    """What the visitor asked about: a handle, and the platform when an address named one."""

    handle: str  # casefolded, without "@"
    platform: str | None  # None for a bare handle: any listed platform answers


def key(handle: str) -> str:
    """A handle as compared: no surrounding space, no leading "@", no case."""
    return handle.strip().lstrip("@").strip().casefold()


def _looks_like_address(text: str) -> bool:
    if "://" in text or "/" in text:
        return True
    host = text.split("?", 1)[0].split("#", 1)[0].casefold()
    return _platform_of(host) is not None


def _platform_of(host: str) -> str | None:
    host = host.casefold().rstrip(".")
    for prefix in _SAME_SITE_PREFIXES:
        if host.startswith(prefix):
            host = host[len(prefix) :]
            break
    return HOSTS.get(host)


def read(text: str) -> Asked | None:
    """The account a visitor's input names, or None when it names none (empty, unknown site)."""
    text = text.strip()
    if not text or len(text) > MAX_INPUT:
        return None
    if not _looks_like_address(text):
        handle = key(text)
        return Asked(handle, None) if handle and " " not in handle else None
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    platform = _platform_of(parts.hostname or "")
    if platform is None:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[0].casefold() in _PATH_PREFIXES.get(platform, ()):
        segments = segments[1:]
    if not segments:
        return None
    handle = key(segments[0])
    return Asked(handle, platform) if handle else None


def matches(asked: Asked, account: dict[str, str]) -> bool:
    """Whether one listed account is the one asked about (see the module's matching rule)."""
    if asked.platform is not None:
        listed = read(account.get("url") or "")
        by_address = listed is not None and listed == asked
        same_platform = (account.get("platform") or "") == asked.platform
        return by_address or (same_platform and key(account.get("handle") or "") == asked.handle)
    return key(account.get("handle") or "") == asked.handle


def find(asked: Asked, accounts: list[dict[str, str]]) -> list[dict[str, str]]:
    """The listed accounts asked about, each once (the same platform and handle listed twice,
    in two guidelines in force, is one account)."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for account in accounts:
        if matches(asked, account):
            found.setdefault(
                (account.get("platform") or "", key(account.get("handle") or "")), account
            )
    return list(found.values())
