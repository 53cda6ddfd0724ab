"""Production settings pass Django's deployment checklist."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_is_clean_with_production_settings():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "CHARTER_TESTING", "EMAIL_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        SECRET_KEY="a-long-random-production-secret-" + "x" * 40,
        AUDIT_HMAC_KEY="a-different-long-random-audit-key-" + "y" * 40,
        DEBUG="0",
        ALLOWED_HOSTS="charter.example.org",
        DATABASE_URL=os.environ.get("DATABASE_URL", "sqlite:////tmp/charter-deploy-check.sqlite3"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "CHARTER_TESTING"}}
    env["DEBUG"] = "0"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_an_audit_key():
    env = {k: v for k, v in os.environ.items() if k not in {"AUDIT_HMAC_KEY", "CHARTER_TESTING"}}
    env.update(DEBUG="0", SECRET_KEY="a-long-random-production-secret-" + "x" * 40)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "AUDIT_HMAC_KEY must be set" in result.stderr
