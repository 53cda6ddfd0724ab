"""Demo guidelines, reviews and campaigns; each app registers a loader here."""

from __future__ import annotations

from collections.abc import Callable

from .models import Organization

LOADERS: list[Callable[[Organization], None]] = []


def loader(func: Callable[[Organization], None]) -> Callable[[Organization], None]:
    LOADERS.append(func)
    return func


def load_all(organization: Organization) -> None:
    """Run every app's loader in the order the apps registered them (each idempotent)."""
    import importlib

    # The order matters: each story builds on the one before.
    for module in ("guidelines.demo", "approvals.demo", "publishing.demo", "approvals.demo_story"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    for func in LOADERS:
        func(organization)
