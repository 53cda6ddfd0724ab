"""Audit fixtures: Riverside's published guideline, for the acknowledgements that fill the
personal lanes."""

from tests.publishing.conftest import (  # noqa: F401  (fixtures)
    approved,
    do_publish,
    guideline,
    make_version,
    published,
)
