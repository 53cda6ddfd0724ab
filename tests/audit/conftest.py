"""The publishing fixtures (a signed, published version) serve the evidence-pack tests too."""

from tests.publishing.conftest import (  # noqa: F401 - fixtures re-exported
    approved,
    do_publish,
    guideline,
    make_version,
    published,
)
