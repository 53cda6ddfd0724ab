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

    for app in ("guidelines", "approvals", "publishing"):
        try:
            importlib.import_module(f"{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.demo":
                raise
    for func in LOADERS:
        func(organization)
