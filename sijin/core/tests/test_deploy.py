"""Production settings pass ``manage.py check --deploy`` with no warning (the same step runs in .ci/run), and
behind nginx they do what the check asks for: HTTPS only, HSTS, Secure cookies."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

# Each test starts real processes (the `sijin` command, gunicorn, LibreOffice): CI runs them; `make test` does not.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
HOST = "sijin.example.gov.cn"


def production(tmp_path) -> dict[str, str]:
    """The environment of a deployment behind nginx (README, "Deployment"), as .ci/run sets it."""
    # Nothing of this test run's own (DJANGO_ALLOW_ASYNC_UNSAFE, set by the browser tests, fails the check).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIJIN_", "DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="sijin.settings",
        SIJIN_VAR_DIR=str(tmp_path),
        SIJIN_SECURE_COOKIES="1",
        SIJIN_SECRET_KEY=secrets.token_urlsafe(64),
        SIJIN_ALLOWED_HOSTS=HOST,
        SIJIN_DEBUG="0",
    )
    return env


def test_it_passes_the_deployment_check_with_no_warning(tmp_path):
    r = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=production(tmp_path),
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "System check identified no issues" in r.stdout


REQUESTS = f"""
import django; django.setup()
from django.test import Client
client = Client(HTTP_HOST="{HOST}")
plain = client.get("/login/")
print(plain.status_code, plain["Location"])
secure = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
print(secure.status_code, secure["Strict-Transport-Security"])
print(secure.cookies["csrftoken"]["secure"])
"""


def test_it_sends_http_to_https_and_https_with_hsts_behind_nginx(tmp_path):
    r = subprocess.run(
        [sys.executable, "-c", REQUESTS],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=production(tmp_path),
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        f"301 https://{HOST}/login/",
        "200 max-age=31536000; includeSubDomains",
        "True",
    ]
