"""A DEMO OpenID Connect identity provider for loopback: the demo's "hospital account" and the
tests' real provider process. Never for real use: anyone can sign in as anyone.

Run: python -m sso.demo_idp --port 8800 --client-id charter-demo --client-secret demo-secret

It publishes discovery and its signing keys, shows a sign-in form, checks the client secret,
the redirect URI and the PKCE verifier, and signs ID tokens (RS256). Tests may POST JSON to
/control to choose the next person without a form, or to make it misbehave (wrong audience,
expired token, foreign key, wrong nonce), as a hostile or broken provider would.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import html
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

DEMO_BANNER = "DEMO identity provider — for trying Charter only, never for real sign-in"


def subject_for(email: str) -> str:
    return "demo-" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:20]


class Provider:
    def __init__(self, issuer: str, client_id: str, client_secret: str) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "demo-1", "use": "sig"})
        self.stranger = RSAKey.generate_key(2048, parameters={"kid": "demo-1", "use": "sig"})
        self.codes: dict[str, dict[str, Any]] = {}
        self.auto_user: dict[str, Any] | None = None
        self.tamper: dict[str, Any] = {}
        self.lock = threading.Lock()

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "email", "profile"],
            "claims_supported": ["sub", "email", "email_verified", "name", "amr", "acr"],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    def issue_code(self, params: dict[str, str], person: dict[str, Any]) -> str:
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = {"params": params, "person": person, "at": time.time()}
        return code

    def id_token(self, entry: dict[str, Any]) -> str:
        params, person = entry["params"], entry["person"]
        tamper = self.tamper
        now = int(time.time()) + int(tamper.get("exp_offset", 0))
        claims = {
            "iss": tamper.get("iss", self.issuer),
            "sub": person.get("sub") or subject_for(person["email"]),
            "aud": tamper.get("aud", self.client_id),
            "iat": now - 5,
            "exp": now + 300,
            "auth_time": now - 5 + int(tamper.get("auth_time_offset", 0)),
            "nonce": tamper.get("nonce", params.get("nonce", "")),
            "email": person["email"],
            "email_verified": True,
        }
        for extra in (
            "name",
            "amr",
            "acr",
            "department",
            "job_title",
            "site",
            "employee_type",
            "manager",
        ):
            if person.get(extra):
                claims[extra] = person[extra]
        key = self.stranger if tamper.get("bad_signature") else self.key
        return jwt.encode({"alg": "RS256", "kid": "demo-1"}, claims, key)


def page(title: str, body: str) -> bytes:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width'><title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}"
        ".demo{background:#7a1f00;color:#fff;padding:.75rem;font-weight:bold}"
        "label{display:block;margin-top:1rem}input[type=email],input[type=text]{width:100%;"
        "padding:.4rem}button{margin-top:1rem;padding:.5rem 1rem}</style></head><body>"
        f"<p class='demo' role='note'>{html.escape(DEMO_BANNER)}</p>{body}</body></html>"
    ).encode()


def make_handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet: no codes in logs
            return

        def _send(
            self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: Any) -> None:
            self._send(status, json.dumps(data).encode(), "application/json")

        def _form(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            if "json" in (self.headers.get("Content-Type") or ""):
                return json.loads(raw or "{}")
            return {k: v[0] for k, v in parse_qs(raw).items()}

        def _redirect_with_code(self, params: dict[str, str], person: dict[str, Any]) -> None:
            code = provider.issue_code(params, person)
            target = (
                params["redirect_uri"]
                + "?"
                + urlencode({"code": code, "state": params.get("state", "")})
            )
            self._send(302, b"", "text/plain", {"Location": target})

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                return self._json(200, provider.discovery())
            if url.path == "/jwks":
                return self._json(200, provider.jwks())
            if url.path == "/authorize":
                problem = self._check_authorize(query)
                if problem:
                    return self._send(
                        400, page("Refused", f"<p>{html.escape(problem)}</p>"), "text/html"
                    )
                if provider.auto_user is not None:
                    return self._redirect_with_code(query, provider.auto_user)
                hidden = "".join(
                    f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>"
                    for k, v in query.items()
                )
                hint = html.escape(query.get("login_hint", ""))
                body = (
                    "<h1>Sign in to the demo hospital</h1>"
                    "<p>Type any demo address; no password is asked.</p>"
                    f"<form method='post' action='/authorize'>{hidden}"
                    "<label for='email'>E-mail</label>"
                    f"<input id='email' type='email' name='email' value='{hint}' required>"
                    "<label for='name'>Name (optional)</label>"
                    "<input id='name' type='text' name='name'>"
                    "<label><input type='checkbox' name='mfa' value='1'> "
                    "I also used a second factor</label>"
                    "<button type='submit'>Sign in</button></form>"
                )
                return self._send(200, page("Demo hospital sign-in", body), "text/html")
            if url.path == "/":
                return self._send(
                    200, page("Demo identity provider", "<p>Running.</p>"), "text/html"
                )
            return self._send(404, b"not found", "text/plain")

        def _check_authorize(self, query: dict[str, str]) -> str:
            if query.get("client_id") != provider.client_id:
                return "Unknown client."
            if query.get("response_type") != "code":
                return "Only the authorization code flow is offered."
            if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
                return "PKCE (S256) is required."
            if "openid" not in query.get("scope", "").split():
                return "The openid scope is required."
            if not query.get("redirect_uri"):
                return "A redirect URI is required."
            return ""

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            form = self._form()
            if url.path == "/control":
                provider.auto_user = form.get("auto_user")
                provider.tamper = form.get("tamper") or {}
                return self._json(200, {"ok": True})
            if url.path == "/authorize":
                params = {k: v for k, v in form.items() if k not in {"email", "name", "mfa"}}
                problem = self._check_authorize(params)
                if problem or not form.get("email"):
                    return self._send(400, page("Refused", "<p>Refused.</p>"), "text/html")
                person: dict[str, Any] = {
                    "email": form["email"].strip(),
                    "name": form.get("name", ""),
                }
                person["amr"] = ["pwd", "mfa"] if form.get("mfa") else ["pwd"]
                return self._redirect_with_code(params, person)
            if url.path == "/token":
                return self._token(form)
            return self._send(404, b"not found", "text/plain")

        def _token(self, form: dict[str, str]) -> None:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                decoded = base64.b64decode(auth[6:]).decode()
                client_id, _, secret = decoded.partition(":")
                client_id, secret = unquote(client_id), unquote(secret)
            if client_id != provider.client_id or not secrets.compare_digest(
                secret, provider.client_secret
            ):
                return self._json(401, {"error": "invalid_client"})
            with provider.lock:
                entry = provider.codes.pop(form.get("code", ""), None)
            if entry is None or time.time() - entry["at"] > 60:
                return self._json(400, {"error": "invalid_grant"})
            params = entry["params"]
            if form.get("redirect_uri") != params["redirect_uri"]:
                return self._json(
                    400, {"error": "invalid_grant", "error_description": "redirect_uri"}
                )
            verifier = form.get("code_verifier", "")
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if not verifier or challenge != params.get("code_challenge"):
                return self._json(400, {"error": "invalid_grant", "error_description": "PKCE"})
            return self._json(
                200,
                {
                    "access_token": secrets.token_urlsafe(24),
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": provider.id_token(entry),
                },
            )

    return Handler


def serve(host: str, port: int, client_id: str, client_secret: str) -> ThreadingHTTPServer:
    provider = Provider(f"http://{host}:{port}", client_id, client_secret)
    return ThreadingHTTPServer((host, port), make_handler(provider))


def main() -> None:
    parser = argparse.ArgumentParser(description=DEMO_BANNER)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8800)
    parser.add_argument("--client-id", default="charter-demo")
    parser.add_argument("--client-secret", default="demo-secret")
    args = parser.parse_args()
    if args.host not in {"127.0.0.1", "localhost", "::1"}:
        parser.error("The demo provider listens on loopback only.")
    server = serve(args.host, args.port, args.client_id, args.client_secret)
    print(f"{DEMO_BANNER}\nListening on http://{args.host}:{args.port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
