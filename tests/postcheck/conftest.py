"""Check my post reuses the publishing fixtures: Riverside's guideline, published."""

from tests.publishing.conftest import (  # noqa: F401  (fixtures)
    approved,
    do_publish,
    guideline,
    make_version,
    published,
)
