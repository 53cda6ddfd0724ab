"""Refusals of single sign-on, each with a sentence for the person or the admin."""


class SsoError(Exception):
    """A sign-in through a provider was refused."""


class SsoConfigError(SsoError):
    """The provider's configuration is wrong or unreachable: the admin must fix it."""
