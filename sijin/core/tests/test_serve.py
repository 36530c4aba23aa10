"""The data directory is private, and `sijin serve` refuses to start, with advice, when it could not work.

Each test runs Sijin as a real process on a data directory of its own (SIJIN_VAR_DIR), never the one under test.
"""

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

# Each test starts real processes (the `sijin` command, gunicorn, LibreOffice): CI runs them; `make test` does not.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]


def sijin(*args: str, var: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "SIJIN_VAR_DIR": str(var), "SIJIN_SECRET_KEY": "test-only", **env}
    for name in ("DATABASE_URL", "SIJIN_MEDIA_ROOT", "SIJIN_SQLITE_PATH"):
        if name not in env:
            environment.pop(name, None)
    try:
        return subprocess.run(
            [sys.executable, "-m", "sijin.cli", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=environment,
            timeout=60,
        )
    except subprocess.TimeoutExpired as exc:  # `serve` started the server instead of refusing
        pytest.fail(f"still running after {exc.timeout} s: {exc.cmd}")


def free_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])


def test_it_refuses_to_serve_when_the_database_is_unreachable(tmp_path):
    r = sijin(
        "serve",
        "--bind",
        f"127.0.0.1:{free_port()}",
        var=tmp_path / "var",
        DATABASE_URL=f"postgres://sijin@127.0.0.1:{free_port()}/sijin",  # nothing listens there
    )
    assert r.returncode == 1
    assert "四进未启动" in r.stderr
    assert "无法连接数据库" in r.stderr
    assert "建议:检查 DATABASE_URL" in r.stderr


def test_it_refuses_to_serve_when_the_data_directory_cannot_be_written(tmp_path):
    # Not a directory (a file stands where its parent should be): unwritable even for root, who runs CI.
    (tmp_path / "taken").write_text("")
    var = tmp_path / "taken" / "var"
    r = sijin("serve", "--bind", f"127.0.0.1:{free_port()}", var=var)
    assert r.returncode == 1
    assert f"数据目录 {var} 不可写" in r.stderr
    assert "建议:创建该目录并交给运行四进的系统用户" in r.stderr


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


MAKE_DATA = """
import os
os.umask(0o022)  # the usual umask: files 0644, directories 0755, unless Sijin says otherwise
import django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE probe (x integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
default_storage.save("visits/2025/site.png", ContentFile(b"png"))
print(oct(os.stat(connection.settings_dict["NAME"] + "-wal").st_mode & 0o777))
"""


def test_it_creates_the_data_directory_for_its_user_only(tmp_path):
    var = tmp_path / "fresh" / "var"
    environment = {**os.environ, "SIJIN_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "sijin.settings"}
    for name in ("DATABASE_URL", "SIJIN_MEDIA_ROOT", "SIJIN_SQLITE_PATH", "SIJIN_SECRET_KEY"):
        environment.pop(name, None)
    r = subprocess.run(
        [sys.executable, "-c", MAKE_DATA],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "0o600"  # the SQLite write-ahead log, made while the connection was open
    folders = ("", "static", "media", "media/visits", "media/visits/2025")
    assert {name: mode(var / name) for name in folders} == dict.fromkeys(folders, "0o700")
    files = ("sijin.sqlite3", "secret_key", "media/visits/2025/site.png")
    assert {name: mode(var / name) for name in files} == dict.fromkeys(files, "0o600")


def test_the_check_warns_about_a_data_directory_others_can_read(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    var.chmod(0o755)  # made by hand before Sijin ran
    r = sijin("check", var=var)
    assert r.returncode == 0, r.stderr
    assert f"数据目录 {var} 的权限为 755,本机其他用户可以读取。建议:chmod 700 {var}" in r.stdout
