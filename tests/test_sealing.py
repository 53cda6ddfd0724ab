"""Secrets at rest, sealed by one helper for webhooks, chat channels and sign-in providers.

The stored form did not change when the two copies became one: values sealed before still
open (the tokens below were written by the earlier code, under LEGACY_KEY). Rotating
SECRET_KEY with the old key in SECRET_KEY_FALLBACKS keeps every sealed value readable.
"""

from __future__ import annotations

import pytest

from config.sealing import Sealer, Unreadable
from integrations import sealing as endpoint_sealing
from sso import secrets as sso_secrets

LEGACY_KEY = "legacy-sealing-key-" + "k" * 40
LEGACY_ENDPOINT = (
    "gAAAAABrExM1bfToiSPHV8jgfozMUsb9pLrKaZoF0D-l4phZWjCs9gp92K4pf0CZT14wFPng00wICIyLIUWSvGrH"
    "K13Gii3R5l6GaHxzo7mUghHPpszrFxw-NKehAkxbzPrrf6BJ9l7W"
)
LEGACY_CLIENT_SECRET = (
    "gAAAAABrExM1chZyrsIIqdSb5SiZTDH0tTNGElcgh8HBognlIwQulL2nTNf547NmujKc7AlyTZfSUKwyFPM7yHbY"
    "38KDtHnMFwOurLlKQKKKNeVlJ1mYK0s="
)
NEW_KEY = "rotated-sealing-key-" + "n" * 40


def test_values_sealed_before_the_merge_still_open(settings):
    settings.SECRET_KEY = LEGACY_KEY
    settings.SECRET_KEY_FALLBACKS = []
    assert (
        endpoint_sealing.unseal(LEGACY_ENDPOINT) == "https://hooks.slack.com/services/T0/B0/legacy"
    )
    assert sso_secrets.unseal(LEGACY_CLIENT_SECRET) == "legacy-client-secret"


def test_after_rotation_the_old_key_in_the_fallbacks_still_opens_both(settings):
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [LEGACY_KEY]
    assert endpoint_sealing.unseal(LEGACY_ENDPOINT).endswith("/legacy")
    assert sso_secrets.unseal(LEGACY_CLIENT_SECRET) == "legacy-client-secret"
    # New seals use the current key: they open once the old key is dropped.
    resealed = sso_secrets.seal("legacy-client-secret")
    settings.SECRET_KEY_FALLBACKS = []
    assert sso_secrets.unseal(resealed) == "legacy-client-secret"


def test_without_the_old_key_each_caller_says_so_its_own_way(settings):
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(endpoint_sealing.Unreadable, match="connect it again"):
        endpoint_sealing.unseal(LEGACY_ENDPOINT)
    assert sso_secrets.unseal(LEGACY_CLIENT_SECRET) == ""  # the admin types it again


def test_a_purpose_opens_only_its_own_values(settings):
    settings.SECRET_KEY = LEGACY_KEY
    with pytest.raises(Unreadable):
        Sealer(sso_secrets.PURPOSE).unseal(LEGACY_ENDPOINT)
    sealed = Sealer("a").seal("x")
    assert Sealer("a").unseal(sealed) == "x" and sealed != "x"
    assert Sealer("a").seal("") == "" and Sealer("a").unseal("") == ""
