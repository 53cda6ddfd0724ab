"""The index follows the text: a new version, a saved draft section, a closed draft."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from guidelines.models import Draft, DraftSection, Version

from . import indexing


@receiver(post_save, sender=Version, dispatch_uid="search-index-version")
def index_new_version(sender: Any, instance: Version, created: bool, **kw: Any) -> None:
    if created and not kw.get("raw"):
        indexing.index_versions([instance])


@receiver(post_save, sender=DraftSection, dispatch_uid="search-index-draft-section")
def index_saved_section(sender: Any, instance: DraftSection, **kw: Any) -> None:
    if kw.get("raw"):
        return
    if instance.draft.is_open:
        indexing.index_draft_section(instance)


@receiver(post_save, sender=Draft, dispatch_uid="search-forget-closed-draft")
def forget_closed_draft(sender: Any, instance: Draft, created: bool, **kw: Any) -> None:
    if not created and not instance.is_open and not kw.get("raw"):
        indexing.forget_draft(instance)
