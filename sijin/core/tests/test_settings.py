"""Settings are read from the environment once, at start-up: each case starts a Python of its own."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Each test starts real processes (the `sijin` command, gunicorn, LibreOffice): CI runs them; `make test` does not.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
SHOW = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.EMAIL_PORT, s.SIJIN_WORKERS, s.LOG_LEVEL)"
)


def start(tmp_path, **variables: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sijin.settings",
        "SIJIN_VAR_DIR": str(tmp_path),
        "SIJIN_SECRET_KEY": "test-only",
    }
    for name in (
        "SIJIN_DEBUG",
        "SIJIN_SECURE_COOKIES",
        "SIJIN_EMAIL_PORT",
        "SIJIN_WORKERS",
        "SIJIN_LOG_LEVEL",
    ):
        env.pop(name, None)
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-c", SHOW], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )


def test_it_starts_with_the_defaults(tmp_path):
    r = start(tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False", "25", "2", "WARNING"]


def test_it_reads_yes_and_no_in_any_case_and_empty_as_the_default(tmp_path):
    r = start(
        tmp_path,
        SIJIN_DEBUG="TRUE",
        SIJIN_SECURE_COOKIES=" On ",
        SIJIN_EMAIL_PORT="587",
        SIJIN_WORKERS="",
        SIJIN_LOG_LEVEL="info",
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "True", "587", "2", "INFO"]
    r = start(tmp_path, SIJIN_DEBUG="off", SIJIN_SECURE_COOKIES="0")
    assert r.stdout.split()[:2] == ["False", "False"], r.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "SIJIN_DEBUG",
            "ture",
            "环境变量 SIJIN_DEBUG='ture' 无法识别:开启请写 1/true/yes/on,关闭请写 0/false/no/off",
        ),
        ("SIJIN_SECURE_COOKIES", "2", "环境变量 SIJIN_SECURE_COOKIES='2' 无法识别"),
        ("SIJIN_WORKERS", "four", "环境变量 SIJIN_WORKERS='four' 应为不小于 1 的整数"),
        ("SIJIN_EMAIL_PORT", "25.0", "环境变量 SIJIN_EMAIL_PORT='25.0' 应为不小于 1 的整数"),
        ("SIJIN_LOG_LEVEL", "LOUD", "环境变量 SIJIN_LOG_LEVEL 应为 DEBUG/INFO/WARNING/ERROR/CRITICAL 之一"),
    ],
)
def test_it_refuses_to_start_with_a_value_it_cannot_read(tmp_path, name, value, message):
    r = start(tmp_path, **{name: value})
    assert r.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in r.stderr
    assert message in r.stderr
