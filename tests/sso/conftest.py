"""The real OpenID Connect provider process and its helpers, for every single sign-on test."""

from tests.sso.support import idp, oidc_process, provider  # noqa: F401
