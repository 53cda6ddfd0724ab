"""Tokens, API calls and a receiver process for the integration tests."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.test import Client

from integrations import services

RECEIVER = Path(__file__).with_name("receiver.py")


def make_token(persona: Any, *scopes: str, days: int = 30, name: str = "Learning system") -> str:
    _token, raw = services.issue_token(
        organization=persona.org, by=persona.user, name=name, scopes=list(scopes), days=days
    )
    return raw


def call(raw: str, path: str, **query: Any) -> Any:
    return Client().get(path, query, HTTP_AUTHORIZATION=f"Bearer {raw}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """A receiver process on 127.0.0.1 that can be killed and started again on the same port."""

    def __init__(self, folder: Path, *, secret: str = "", chat: bool = False) -> None:
        self.folder = folder
        self.secret = secret
        self.chat = chat
        self.port = free_port()
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/charter"

    def start(self, *, die_after: int = 0, status: int = 200) -> Receiver:
        command = [sys.executable, str(RECEIVER), str(self.port), str(self.folder)]
        if self.secret:
            command += ["--secret", self.secret]
        if self.chat:
            command.append("--chat")
        if die_after:
            command += ["--die-after", str(die_after)]
        command += ["--status", str(status)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready"
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)
            if self.process.stdout is not None:
                self.process.stdout.close()
        self.process = None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def lines(self, name: str) -> list[dict[str, Any]]:
        path = self.folder / name
        return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []

    @property
    def log(self) -> list[dict[str, Any]]:
        return self.lines("log.jsonl")

    @property
    def received(self) -> list[dict[str, Any]]:
        return self.lines("received.jsonl")
