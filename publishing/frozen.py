"""The frozen parts of a published version, kept per worker for the acknowledge POST.

A published version never changes (its text, hash, quiz and cases are frozen), so the
acknowledge POST of a 100,000-person campaign need not read it again for every person. What
can change is whether it is still in force: a later publication of the guideline may take
effect. That is not trusted from here: the claim statement (``ack_statements``) checks that the
publication still exists for the version, with the same content hash, and that nothing
has superseded it, and the view reads it afresh when that check fails.

Only the PostgreSQL path uses it (the claim carries the check); a kept publication has no
``superseded`` answer, so any other path asks the database.

The guideline's title is not frozen: it can be renamed after publishing, and the kept copy
carries it into the success message. Renaming forgets the guideline's kept copies in the
process that renames (``forget_guideline``, from a receiver in ``publishing.signals``), so no
claim has to carry the title; another worker shows the old title in that message until its
copy is dropped (when its store fills up, or it restarts). What gets recorded never reads it.
"""

from __future__ import annotations

import copy

from .models import Publication

# Bounded: a worker sees a handful of publications at a time; when full, start again.
_LIMIT = 256
_KEPT: dict[tuple[int, int], Publication] = {}


def kept(version_id: int, organization_id: int) -> Publication | None:
    """The publication kept for the version in the institution, or None."""
    return _KEPT.get((version_id, organization_id))


def keep(publication: Publication) -> None:
    """Keep a publication read in force (with its version, guideline and institution)."""
    if len(_KEPT) >= _LIMIT:
        _KEPT.clear()
    frozen = copy.copy(publication)
    # Whether it is superseded is checked by the claim, never answered from here.
    frozen.__dict__.pop("superseded", None)
    frozen.frozen_check = (publication.pk, publication.version.content_hash)  # type: ignore[attr-defined]
    _KEPT[(publication.version_id, publication.version.guideline.organization_id)] = frozen


def forget(version_id: int, organization_id: int) -> None:
    _KEPT.pop((version_id, organization_id), None)


def forget_guideline(guideline_id: int) -> None:
    """Forget every kept version of the guideline (its title has changed)."""
    # A copy of the items: another thread of the worker may keep or forget meanwhile.
    for key, publication in list(_KEPT.items()):
        if publication.version.guideline_id == guideline_id:
            _KEPT.pop(key, None)


def forget_all() -> None:
    _KEPT.clear()
