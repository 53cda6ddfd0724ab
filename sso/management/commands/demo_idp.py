"""Serve the demo with a DEMO identity provider on loopback: "Sign in with your hospital
account" for the demo institution. Never for real use: anyone can sign in as anyone."""

from __future__ import annotations

import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from sso import demo, demo_idp


class Command(BaseCommand):
    help = "Serve Charter with a demo OpenID Connect provider on loopback (demo data only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--idp-port", type=int, default=8800)
        parser.add_argument("--port", type=int, default=8000, help="Charter's own port")
        parser.add_argument(
            "--no-serve",
            action="store_true",
            help="Only start the provider (Charter runs elsewhere)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        issuer = f"http://127.0.0.1:{options['idp_port']}"
        server = demo_idp.serve(
            "127.0.0.1", options["idp_port"], demo.DEMO_CLIENT_ID, demo.DEMO_CLIENT_SECRET
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        if demo.configure(issuer) is None:
            server.shutdown()
            raise CommandError("Load the demo first: manage.py load_demo")
        self.stdout.write(
            f"{demo_idp.DEMO_BANNER}\n  provider: {issuer}\n  Charter:  "
            f"http://127.0.0.1:{options['port']}/accounts/login/ — type "
            "employee@riverside.example and press “Sign in with your hospital account”."
        )
        if options["no_serve"]:
            threading.Event().wait()
        call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)
