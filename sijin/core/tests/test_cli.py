"""The `sijin` command and `sijin serve`, run as real processes."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

# Each test starts real processes (the `sijin` command, gunicorn, LibreOffice): CI runs them; `make test` does not.
pytestmark = pytest.mark.slow

SIJIN = [sys.executable, "-m", "sijin.cli"]
ROOT = Path(__file__).resolve().parents[3]


def run(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([*SIJIN, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory):
    """A fresh SQLite database of its own, so the commands never touch the database under test."""
    env = {
        **os.environ,
        "SIJIN_VAR_DIR": str(tmp_path_factory.mktemp("var")),
        "SIJIN_SECRET_KEY": "test-only",
    }
    env.pop("DATABASE_URL", None)
    assert run("manage", "migrate", "--noinput", env=env).returncode == 0
    return env


def test_it_lists_the_subcommands():
    out = run("--help").stdout
    for name in ("demo", "serve", "load-regions", "check", "workdays", "manage"):
        assert name in out


def test_it_refuses_an_unknown_command_in_chinese():
    r = run("bogus")
    assert r.returncode == 2
    assert "未知命令" in r.stderr


def test_it_adds_working_days_across_national_day(cli_env):
    r = run("workdays", "add", "2025-09-30", "3", env=cli_env)
    assert r.stdout.startswith("2025-10-11"), r.stderr
    assert run("workdays", "between", "2025-09-30", "2025-10-11", env=cli_env).stdout.strip() == "3"


def test_it_explains_a_bad_date(cli_env):
    r = run("workdays", "add", "30/09/2025", "3", env=cli_env)
    assert r.returncode != 0
    assert "YYYY-MM-DD" in r.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_it_serves_the_login_page_from_a_fresh_database(cli_env):
    env = cli_env
    r = run("check", env=env)
    assert "检查完成" in r.stdout, r.stderr
    port = _free_port()
    server = subprocess.Popen(
        [*SIJIN, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = ""
        for _ in range(60):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as resp:
                    body = resp.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert "四进" in body and 'name="password"' in body
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/static/vendor/bootstrap/bootstrap.min.css"
        ) as resp:
            assert resp.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
