"""Operator's reset of one person's two-factor sign-in, for a person no single institution
may reset (they belong to several) who has lost their phone and every recovery code."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.emails import normalize_email
from accounts.models import User
from accounts.twofactor.services import TwoFactorError, operator_reset


class Command(BaseCommand):
    help = (
        "Remove a person's authenticator and recovery codes; the reset is recorded in the "
        "audit trail of every institution they belong to."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The person's e-mail address.")
        parser.add_argument(
            "--reason",
            required=True,
            help="Why (e.g. the support ticket and how identity was checked); recorded.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = normalize_email(options["email"])
        user = User.objects.filter(email=email).first()
        if user is None:
            raise CommandError(f"No account has the address {email}.")
        try:
            removed, told = operator_reset(user=user, reason=options["reason"])
        except TwoFactorError as exc:
            raise CommandError(str(exc)) from exc
        where = f"{told} institution(s)" if told else "the platform trail (no institution)"
        self.stdout.write(
            self.style.SUCCESS(
                f"Two-factor sign-in reset for {email} ({removed} records removed); "
                f"recorded in {where}. They sign in with their password and set it up again."
            )
        )
