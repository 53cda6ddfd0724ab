"""Mail servers for the outbox tests: one that writes what it accepted to a file (so a killed
process's deliveries can be counted), one that refuses, one that is down, one not listening."""

from __future__ import annotations

import os
import smtplib
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend

ACCEPTED_FILE = "CHARTER_TEST_ACCEPTED_FILE"


class FileServer(BaseEmailBackend):
    """Accepts each message by appending its recipient to a file, flushed at once."""

    def send_messages(self, email_messages: Any) -> int:
        path = os.environ[ACCEPTED_FILE]
        with open(path, "a", encoding="utf-8") as handle:
            for message in email_messages:
                handle.write(f"{os.getpid()} {message.to[0]}\n")
                handle.flush()
                os.fsync(handle.fileno())
        return len(email_messages)


class RefusingServer(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        to = email_messages[0].to[0]
        raise smtplib.SMTPRecipientsRefused({to: (550, b"5.1.1 No such mailbox")})


class DownServer(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class UnreachableServer(BaseEmailBackend):
    """No mail server listens: opening the connection fails."""

    def open(self) -> bool:
        raise ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, email_messages: Any) -> int:
        raise AssertionError("never reached: the connection did not open")
