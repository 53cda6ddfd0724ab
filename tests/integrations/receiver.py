"""A webhook receiver for tests, run as its own process on loopback.

It does what Charter asks of a real receiver: checks the signature (its own HMAC code, not
Charter's), then handles each event id once, keeping an idempotency log on disk that
survives its own crash. Every request that reaches it is also written to ``received.jsonl``
(duplicates at the HTTP level show there). Chat mode keeps bodies without a signature.

    python receiver.py PORT DIRECTORY [--secret S] [--chat] [--die-after N] [--status CODE]

``--die-after N`` ends the process abruptly right after logging its Nth new event and before
answering: the sender sees no answer for an event the receiver did handle.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path


def valid(secret: str, body: bytes, header: str) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    stamp, mac = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
        return False
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, mac)


def append(path: Path, record: dict) -> None:
    with path.open("a") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()
        os.fsync(f.fileno())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("directory")
    parser.add_argument("--secret", default="")
    parser.add_argument("--chat", action="store_true")
    parser.add_argument("--die-after", type=int, default=0)
    parser.add_argument("--status", type=int, default=200)
    args = parser.parse_args()
    folder = Path(args.directory)
    folder.mkdir(parents=True, exist_ok=True)
    log, received = folder / "log.jsonl", folder / "received.jsonl"
    lines = log.read_text().splitlines() if log.exists() else []
    seen = {json.loads(line)["id"] for line in lines}
    handled_here = 0

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def answer(self, status: int, text: str = "ok") -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            nonlocal handled_here
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if args.chat:
                append(
                    received,
                    {"path": self.path, "host": self.headers.get("Host"), "body": json.loads(body)},
                )
                self.answer(args.status)
                return
            signature = self.headers.get("Charter-Signature", "")
            ok = valid(args.secret, body, signature)
            event = json.loads(body) if ok else {}
            append(
                received,
                {
                    "id": event.get("id"),
                    "valid": ok,
                    "delivery": self.headers.get("Charter-Delivery-Id"),
                    "host": self.headers.get("Host"),
                },
            )
            if not ok:
                self.answer(400, "bad signature")
                return
            if event["id"] not in seen:
                append(log, {"id": event["id"], "type": event["type"]})
                seen.add(event["id"])
                handled_here += 1
                if args.die_after and handled_here == args.die_after:
                    os._exit(1)  # handled, never answered
            self.answer(args.status)

    server = HTTPServer(("127.0.0.1", args.port), Handler)
    print("ready", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
