"""The real identity provider processes and their helpers, for every single sign-on test."""

from tests.sso.support import (  # noqa: F401
    idp,
    oidc_process,
    provider,
    saml_process,
    saml_provider,
    third_party_process,
)
