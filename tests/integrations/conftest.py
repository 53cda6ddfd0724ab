"""Integration fixtures: Riverside's published guideline, tokens, and receiver processes."""

from __future__ import annotations

import pytest

from tests.integrations.support import Receiver
from tests.publishing.conftest import (  # noqa: F401  (fixtures)
    approved,
    do_publish,
    guideline,
    make_version,
    published,
)


@pytest.fixture
def receivers(tmp_path):
    """Make receiver processes; each is killed at the end of the test."""
    made: list[Receiver] = []

    def make(name: str = "receiver", **kwargs) -> Receiver:
        r = Receiver(tmp_path / name, **kwargs)
        made.append(r)
        return r

    yield make
    for r in made:
        r.kill()
