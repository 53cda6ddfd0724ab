"""SAML 2.0 with pysaml2: the service provider built per institution from the provider's
metadata; pysaml2 checks the XML signature (signed assertions required), the audience, the
recipient and destination, the validity window and that the answer is to a request we sent.
Charter adds the one-use rule: an assertion already seen is refused.
"""

from __future__ import annotations

import calendar
import hashlib
import shutil
import tempfile
import textwrap
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from defusedxml.ElementTree import fromstring as defused_fromstring
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_PERSISTENT
from saml2.sigver import CryptoBackendXmlSec1
from saml2.time_util import str_to_time

from . import addresses
from .errors import SsoConfigError, SsoError
from .models import IdentityProvider, SamlRequest, SeenAssertion

REQUEST_MINUTES = 10
DSIG = "{http://www.w3.org/2000/09/xmldsig#}"
MD_NS = "urn:oasis:names:tc:SAML:2.0:metadata"
TIMEOUT = 8.0

EMAIL_ATTRIBUTES = (
    "mail",
    "email",
    "emailaddress",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "urn:oid:0.9.2342.19200300.100.1.3",
)
NAME_ATTRIBUTES = (
    "displayName",
    "name",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
    "http://schemas.microsoft.com/identity/claims/displayname",
)
GIVEN = ("givenName", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname")
FAMILY = ("sn", "surname", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname")
# AuthnContextClassRef values that mean more than one factor.
MFA_MARKERS = ("multifactor", "multipleauthn", "mfa", "timesynctoken", "smartcard", "2fa")


@dataclass(frozen=True)
class Urls:
    entity_id: str
    acs: str


def xmlsec_binary() -> str:
    found = shutil.which("xmlsec1")
    if not found:
        raise SsoConfigError("xmlsec1 is not installed on the server (see scripts/system-deps.sh).")
    return found


def metadata_xml(provider: IdentityProvider) -> str:
    """The provider's metadata, its signature checked (see check_metadata_signature)."""
    cert = provider.metadata_signing_cert
    digest = hashlib.sha256(
        f"{provider.metadata_url}\n{provider.metadata_xml}\n{cert}".encode()
    ).hexdigest()
    key = f"sso:saml:metadata:{digest}"
    if (hit := cache.get(key)) is not None:
        return str(hit)
    if provider.metadata_xml.strip():
        text = provider.metadata_xml
    elif provider.metadata_url:
        text = fetch_metadata(provider.metadata_url)
    else:
        raise SsoConfigError("Give the provider's metadata URL or its metadata XML.")
    check_metadata_signature(text, cert)
    cache.set(key, text, 300)
    return text


def fetch_metadata(url: str) -> str:
    response = addresses.get(url, timeout=TIMEOUT, what="metadata URL")
    if response.status_code != 200:
        raise SsoConfigError(f"{url} answered {response.status_code}.")
    return response.text


def check_metadata_signature(xml: str, cert_pem: str = "") -> None:
    """Refuse metadata whose signature does not verify (xmlsec1, through pysaml2).

    With a signing certificate from the admin, the metadata must be signed with it. Without
    one, signed metadata is checked against the certificate it carries, which shows it was
    not altered on the way (not who signed it); unsigned metadata is taken as given.
    """
    try:
        root = defused_fromstring(xml.encode())
    except Exception as exc:  # defusedxml refuses entities and malformed XML alike
        raise SsoConfigError("The metadata is not readable XML.") from exc
    signature = root.find(f"{DSIG}Signature")
    given = cert_pem.strip()
    if signature is None:
        if given:
            raise SsoConfigError(
                "The metadata is not signed, but you gave a signing certificate, so Charter "
                "accepts only metadata signed with it. Check the metadata address, or remove "
                "the certificate."
            )
        return
    if given:
        pem = given
    else:
        embedded = signature.find(f".//{DSIG}X509Certificate")
        body = "".join((embedded.text or "").split()) if embedded is not None else ""
        if not body:
            raise SsoConfigError(
                "The metadata is signed but carries no certificate: give the provider's "
                "signing certificate."
            )
        pem = (
            "-----BEGIN CERTIFICATE-----\n"
            + "\n".join(textwrap.wrap(body, 64))
            + "\n-----END CERTIFICATE-----\n"
        )
    node_name = f"{MD_NS}:{root.tag.rpartition('}')[2]}"
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as cert_file:
        cert_file.write(pem)
        cert_file.flush()
        try:
            verified = CryptoBackendXmlSec1(xmlsec_binary()).validate_signature(
                xml, cert_file.name, "pem", node_name, root.get("ID")
            )
        except SsoConfigError:
            raise
        except Exception:  # pysaml2 raises SignatureError (and others) for a failed check
            verified = False
    if not verified:
        raise SsoConfigError(
            "The metadata's signature does not verify"
            + (" with the signing certificate you gave" if given else "")
            + ": it was altered or signed with another key, so Charter did not use it. Ask "
            "the provider's admin for their current metadata and signing certificate."
        )


def _config(provider: IdentityProvider, urls: Urls, *, with_idp: bool = True) -> SPConfig:
    conf: dict[str, Any] = {
        "entityid": urls.entity_id,
        "xmlsec_binary": xmlsec_binary(),
        "allow_unknown_attributes": True,
        "accepted_time_diff": 60,
        "service": {
            "sp": {
                "name": "Charter",
                "endpoints": {"assertion_consumer_service": [(urls.acs, BINDING_HTTP_POST)]},
                "allow_unsolicited": False,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "authn_requests_signed": False,
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            }
        },
    }
    if with_idp:
        conf["metadata"] = {"inline": [metadata_xml(provider)]}
    config = SPConfig()
    try:
        config.load(conf)
    except Exception as exc:  # pysaml2 raises many kinds for unreadable metadata
        raise SsoConfigError(f"The provider's metadata could not be read ({exc}).") from exc
    return config


def sp_metadata(provider: IdentityProvider, urls: Urls) -> str:
    """Charter's own metadata for this provider, to give to the provider's admin."""
    return create_metadata_string(None, config=_config(provider, urls, with_idp=False)).decode()


def idp_entity_id(client: Saml2Client) -> str:
    ids = list(client.metadata.identity_providers())
    if len(ids) != 1:
        raise SsoConfigError(
            f"The metadata must describe exactly one identity provider (it describes {len(ids)})."
        )
    return str(ids[0])


def begin(
    provider: IdentityProvider,
    urls: Urls,
    *,
    next_url: str,
    test_by: int | None,
    reauth_for: int | None = None,
    session_tag: str = "",
) -> str:
    """The provider's sign-in address with a fresh authentication request, remembered.

    ``reauth_for`` (a person's id) asks the provider to sign them in again even if it has a
    session of its own (ForceAuthn), to confirm a signature."""
    client = Saml2Client(config=_config(provider, urls))
    extra: dict[str, Any] = {"force_authn": "true"} if reauth_for is not None else {}
    try:
        request_id, info = client.prepare_for_authenticate(
            entityid=idp_entity_id(client), binding=BINDING_HTTP_REDIRECT, **extra
        )
    except SsoError:
        raise
    except Exception as exc:
        raise SsoConfigError(f"No sign-in request could be made ({exc}).") from exc
    SamlRequest.objects.filter(
        created_at__lt=timezone.now() - timedelta(minutes=REQUEST_MINUTES)
    ).delete()
    SamlRequest.objects.create(
        request_id=request_id,
        provider=provider,
        next_url=next_url[:500],
        test_by_id=test_by,
        reauth_for_id=reauth_for,
        session_tag=session_tag,
    )
    return str(dict(info["headers"])["Location"])


@dataclass(frozen=True)
class Answer:
    subject: str
    claims: dict[str, Any]
    mfa: str | None
    request: SamlRequest
    # When the provider says the person signed in (AuthnInstant), epoch seconds, if it said.
    authenticated_at: float | None = None


def finish(provider: IdentityProvider, urls: Urls, saml_response: str) -> Answer:
    """Check the posted response; refuse anything unsigned, misaddressed, stale or replayed."""
    if not saml_response:
        raise SsoError("The provider sent no SAML response.")
    client = Saml2Client(config=_config(provider, urls))
    recent = SamlRequest.objects.filter(
        provider=provider, created_at__gte=timezone.now() - timedelta(minutes=REQUEST_MINUTES)
    )
    outstanding = {r.request_id: urls.acs for r in recent}
    try:
        response = client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding=outstanding
        )
    except Exception as exc:  # pysaml2 has a dozen refusal types; each is a refusal here
        raise SsoError(_explain(exc)) from exc
    if response is None or response.assertion is None:
        # pysaml2 answers None (rather than raising) for a response addressed elsewhere.
        raise SsoError(
            "The SAML response was refused: it was addressed to another recipient or could not "
            "be checked."
        )
    pending = recent.filter(request_id=response.in_response_to).first()
    if pending is None:
        raise SsoError("This SAML response does not answer a sign-in Charter started.")
    # An assertion is valid for minutes; a day of memory outlasts any that could come back.
    SeenAssertion.objects.filter(seen_at__lt=timezone.now() - timedelta(days=1)).delete()
    try:
        with transaction.atomic():
            SeenAssertion.objects.create(provider=provider, assertion_id=response.assertion.id)
            pending.delete()
    except IntegrityError as exc:
        raise SsoError("This SAML assertion was already used (replayed).") from exc
    identity = response.get_identity() or {}
    claims: dict[str, Any] = {k: v[0] if len(v) == 1 else v for k, v in identity.items()}
    email = _first(identity, EMAIL_ATTRIBUTES)
    name_id = response.name_id
    if not email and name_id is not None and "@" in str(name_id.text or ""):
        email = str(name_id.text)
    claims["email"] = email
    name = _first(identity, NAME_ATTRIBUTES) or " ".join(
        filter(None, (_first(identity, GIVEN), _first(identity, FAMILY)))
    )
    claims["name"] = name
    authn = [info for info in response.authn_info() if info]
    refs = [str(info[0]) for info in authn if info[0]]
    instants = [_epoch(str(info[2])) for info in authn if len(info) > 2 and info[2]]
    authenticated_at = max((i for i in instants if i is not None), default=None)
    claims["authn_context_class_ref"] = refs
    mfa = next((r for r in refs if any(m in r.lower() for m in MFA_MARKERS)), None)
    subject = str(name_id.text) if name_id is not None and name_id.text else ""
    pending.pk = None  # deleted above; kept as a value for the caller
    return Answer(
        subject=subject,
        claims=claims,
        mfa=mfa,
        request=pending,
        authenticated_at=authenticated_at,
    )


def _epoch(stamp: str) -> float | None:
    try:
        return float(calendar.timegm(str_to_time(stamp)))
    except (ValueError, TypeError):
        return None


def _first(identity: dict[str, list[Any]], names: tuple[str, ...]) -> str:
    for name in names:
        values = identity.get(name)
        if values:
            return str(values[0]).strip()
    return ""


def _explain(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    lowered = f"{type(exc).__name__} {text}".lower()
    if "audience" in lowered:
        return "The SAML assertion was issued for another application (audience mismatch)."
    if "signature" in lowered or "signed" in lowered:
        return "The SAML assertion is not signed by the provider's key."
    if "destination" in lowered or "recipient" in lowered or "subjectconfirmation" in lowered:
        return "The SAML response was addressed to another recipient."
    if "unsolicited" in lowered or "in_response_to" in lowered or "inresponseto" in lowered:
        return "This SAML response does not answer a sign-in Charter started (or was replayed)."
    if "expired" in lowered or "too old" in lowered or "not on or after" in lowered:
        return "The SAML assertion has expired."
    return f"The SAML response was refused ({type(exc).__name__})."
