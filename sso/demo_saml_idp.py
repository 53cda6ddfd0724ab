"""A DEMO SAML 2.0 identity provider for loopback, built on pysaml2's server side: the tests'
real SAML provider process. Never for real use: anyone can sign in as anyone.

Run: python -m sso.demo_saml_idp --port 8801

It publishes its metadata at /metadata (signed with its own key at /metadata?signed=1, the
certificate at /cert), answers the HTTP-Redirect binding at /sso/redirect with
a signed assertion posted back to the service provider, and learns the service provider's
metadata through POST /control (as tests do), together with the next person and any
misbehaviour (unsigned, another audience, another recipient, a stale sign-in time).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime
import html
import json
import shutil
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server

DEMO_BANNER = "DEMO SAML identity provider — for trying Charter only, never for real sign-in"
PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
MULTIFACTOR = "http://schemas.microsoft.com/claims/multipleauthn"


def _key_pair(folder: Path) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Demo SAML IdP")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / "idp.key", folder / "idp.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


class SamlProvider:
    def __init__(self, base: str, folder: Path) -> None:
        self.base = base
        key_file, cert_file = _key_pair(folder)
        config = IdPConfig()
        config.load(
            {
                "entityid": f"{base}/metadata",
                "xmlsec_binary": shutil.which("xmlsec1"),
                "key_file": key_file,
                "cert_file": cert_file,
                "service": {
                    "idp": {
                        "name": "Demo SAML IdP",
                        "endpoints": {
                            "single_sign_on_service": [
                                (f"{base}/sso/redirect", BINDING_HTTP_REDIRECT)
                            ]
                        },
                        "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                        "policy": {"default": {"lifetime": {"minutes": 5}}},
                    }
                },
            }
        )
        self.server = Server(config=config)
        self.auto_user: dict[str, Any] | None = None
        self.tamper: dict[str, Any] = {}
        self.lock = threading.Lock()

    def metadata(self, *, signed: bool = False) -> str:
        text = create_metadata_string(None, config=self.server.config, sign=signed)
        return text.decode() if isinstance(text, bytes) else str(text)

    def certificate(self) -> str:
        return Path(self.server.config.cert_file).read_text()

    def learn_sp(self, xml: str) -> None:
        store = self.server.config.load_metadata({"inline": [xml]})
        self.server.config.metadata = store
        self.server.metadata = store

    def answer(self, saml_request: str, relay_state: str) -> bytes:
        parsed = self.server.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT)
        request = parsed.message
        person = self.auto_user or {"email": "nobody@example.invalid"}
        tamper = self.tamper
        acs = request.assertion_consumer_service_url
        if not acs:
            acs = self.server.metadata.assertion_consumer_service(
                request.issuer.text, BINDING_HTTP_POST
            )[0]["location"]
        destination = tamper.get("recipient", acs)
        identity = {"mail": [person["email"]]}
        if person.get("name"):
            identity["displayName"] = [person["name"]]
        # Further attributes as a provider's claim rules would send them (any names, e.g. the
        # HR attributes under Microsoft's claim URIs).
        for name, value in (person.get("attributes") or {}).items():
            identity[str(name)] = [str(value)]
        response = self.server.create_authn_response(
            identity,
            in_response_to=request.id,
            destination=destination,
            sp_entity_id=tamper.get("audience", request.issuer.text),
            name_id=NameID(
                format=NAMEID_FORMAT_PERSISTENT, text=person.get("sub") or person["email"]
            ),
            authn={
                "class_ref": MULTIFACTOR if person.get("mfa") else PASSWORD,
                "authn_auth": self.base,
                "authn_instant": int(time.time()) + int(tamper.get("authn_instant_offset", 0)),
            },
            sign_assertion=not tamper.get("unsigned"),
            sign_response=False,
        )
        encoded = base64.b64encode(str(response).encode()).decode()
        return (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Demo SAML IdP"
            f"</title></head><body><p>{html.escape(DEMO_BANNER)}</p>"
            f"<form method='post' action='{html.escape(acs)}' id='answer'>"
            f"<input type='hidden' name='SAMLResponse' value='{encoded}'>"
            f"<input type='hidden' name='RelayState' value='{html.escape(relay_state)}'>"
            "<button type='submit'>Continue to Charter</button></form></body></html>"
        ).encode()


def make_handler(provider: SamlProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/metadata":
                signed = query.get("signed") == "1"
                body = provider.metadata(signed=signed).encode()
                return self._send(200, body, "application/samlmetadata+xml")
            if url.path == "/cert":
                return self._send(200, provider.certificate().encode(), "text/plain")
            if url.path == "/sso/redirect":
                try:
                    body = provider.answer(
                        query.get("SAMLRequest", ""), query.get("RelayState", "")
                    )
                except Exception as exc:  # a demo: say what went wrong
                    return self._send(400, f"Refused: {exc}".encode(), "text/plain")
                return self._send(200, body, "text/html")
            return self._send(404, b"not found", "text/plain")

        def do_POST(self) -> None:
            if urlsplit(self.path).path != "/control":
                return self._send(404, b"not found", "text/plain")
            length = int(self.headers.get("Content-Length") or 0)
            data = json.loads(self.rfile.read(length) or b"{}")
            with provider.lock:
                if data.get("sp_metadata"):
                    try:
                        provider.learn_sp(data["sp_metadata"])
                    except Exception as exc:  # a demo: say what went wrong
                        return self._send(400, f"Refused: {exc!r}".encode(), "text/plain")
                provider.auto_user = data.get("auto_user")
                provider.tamper = data.get("tamper") or {}
            return self._send(200, b'{"ok": true}', "application/json")

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=DEMO_BANNER)
    parser.add_argument("--port", type=int, default=8801)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        provider = SamlProvider(f"http://127.0.0.1:{args.port}", Path(folder))
        server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(provider))
        print(f"{DEMO_BANNER}\nListening on http://127.0.0.1:{args.port}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()


if __name__ == "__main__":
    main()
