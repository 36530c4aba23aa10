"""``sijin backup`` → wipe → ``sijin restore`` gives back the same rows, files and key, run as real commands.

On SQLite the site is a data directory of its own (the test database's world copied into it); on PostgreSQL
the source is the test database and the restore goes into a new, empty database.
"""

import io
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from sijin.core.webpush import vapid_key_pair

# Each test starts real processes (the `sijin` command, gunicorn, LibreOffice): CI runs them; `make test` does not.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
SIJIN = [sys.executable, "-m", "sijin.cli"]
# What a site holds besides its database: photos and evidence, with the names people give them.
UPLOADS = {
    "visits/2025/06/入户走访.jpg": b"\xff\xd8\xff\xe0" + secrets.token_bytes(3000),
    "evidence/2025/06/整改报告.pdf": b"%PDF-1.4 " + secrets.token_bytes(5000),
    "exports/7-visits-a1.xlsx": b"PK\x03\x04" + secrets.token_bytes(800),
}


def sijin(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([*SIJIN, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def environment(var: Path, **variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIJIN_", "DATABASE_URL"))}
    env.update(DJANGO_SETTINGS_MODULE="sijin.settings", SIJIN_VAR_DIR=str(var), **variables)
    return env


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def sqlite_rows(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as db:
        tables = [
            t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ]
        # WITHOUT ROWID tables (the title search's FTS5 shadow tables) in key order, the others by rowid.
        keyed = {t for (t,) in db.execute("SELECT name FROM pragma_table_list WHERE wr = 1")}
        return {
            t: db.execute(f'SELECT * FROM "{t}" ORDER BY {"1, 2" if t in keyed else "rowid"}').fetchall()
            for t in tables
        }


def assert_same_but_the_restore_row(before: dict[str, list], after: dict[str, list]) -> None:
    """Every table as it was; the audit log has one row more at its end: the restore's own."""
    assert before.keys() == after.keys()
    for table in before:
        if table == "core_auditlog":
            assert after[table][: len(before[table])] == before[table]
            [restore] = after[table][len(before[table]) :]
            assert "data_restore" in restore
        elif table != "sqlite_sequence":  # which grows with that row
            assert after[table] == before[table], table
    assert len(before["accounts_user"]) > 5 and len(before["directory_region"]) > 3000  # not a vacuous check


@dataclass
class Site:
    var: Path  # SIJIN_VAR_DIR: var/sijin.sqlite3, var/media, var/secret_key, var/vapid_*
    archive: Path  # what `sijin backup` made of it
    rows: dict[str, list[tuple]]  # its database at that moment
    key: str
    vapid: dict[str, bytes]  # the Web Push key pair generated into var/


def vapid_pair(var: Path) -> dict[str, bytes]:
    """A Web Push key pair generated into ``var`` as the site generates it (core.webpush.vapid_keys)."""
    pem, public = vapid_key_pair()
    (var / "vapid_private.pem").write_bytes(pem)
    (var / "vapid_private.pem").chmod(0o600)
    (var / "vapid_public.txt").write_text(public)
    return {"vapid_private.pem": pem, "vapid_public.txt": public.encode()}


def vapid_files(var: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(var.glob("vapid_*"))}


@pytest.fixture(scope="module")
def site(tmp_path_factory, django_db_setup, django_db_blocker) -> Site:
    """A data directory as a server has it, backed up once with ``sijin backup``: the test database (the
    world, committed) in var/sijin.sqlite3, uploads under var/media, the generated key in var/secret_key.
    Module-scoped, so the copy is made before any test's transaction begins."""
    if connection.vendor != "sqlite":
        pytest.skip("copies SQLite's test database; on PostgreSQL the pg_dump test below runs")
    root = tmp_path_factory.mktemp("site")
    var = root / "var"
    var.mkdir()
    with django_db_blocker.unblock():
        connection.ensure_connection()
        target = sqlite3.connect(var / "sijin.sqlite3")
        connection.connection.backup(target)
        target.close()
    for name, data in UPLOADS.items():
        (var / "media" / name).parent.mkdir(parents=True, exist_ok=True)
        (var / "media" / name).write_bytes(data)
    (var / "secret_key").write_text(secrets.token_urlsafe(50))
    vapid = vapid_pair(var)
    archive = root / "sijin-backup.tar.gz"
    r = sijin("backup", str(archive), env=environment(var))
    assert r.returncode == 0, r.stderr
    assert "SHA-256" in r.stdout and "上传文件 3 个" in r.stdout
    return Site(var, archive, sqlite_rows(var / "sijin.sqlite3"), (var / "secret_key").read_text(), vapid)


@pytest.mark.django_db  # so that the test database (and its world) is made
def test_it_backs_up_wipes_and_restores_the_same_rows_files_and_key(site):
    assert site.archive.stat().st_mode & 0o777 == 0o600  # all case data and the key
    with tarfile.open(site.archive) as tar:
        names = tar.getnames()
    assert names[0] == "backup.json" and names[-1] == "SHA256SUMS"
    assert {"database/sijin.sqlite3", "secret_key", *(f"media/{n}" for n in UPLOADS)} <= set(names)
    assert {"vapid/private.pem", "vapid/public.txt"} <= set(names)

    shutil.rmtree(site.var)
    r = sijin("restore", str(site.archive), env=environment(site.var))
    assert r.returncode == 0, r.stderr
    assert_same_but_the_restore_row(site.rows, sqlite_rows(site.var / "sijin.sqlite3"))
    assert files(site.var / "media") == UPLOADS
    assert (site.var / "secret_key").read_text() == site.key
    assert (site.var / "secret_key").stat().st_mode & 0o777 == 0o600
    assert vapid_files(site.var) == site.vapid  # the browsers' subscriptions still match the server's key
    assert (site.var / "vapid_private.pem").stat().st_mode & 0o777 == 0o600

    (site.var / "media" / "visits/2025/06/入户走访.jpg").write_bytes(b"changed after the backup")
    (site.var / "media" / "visits/2025/06/later.jpg").write_bytes(b"added after the backup")
    vapid_pair(site.var)  # a pair generated meanwhile, as a site started before the restore would have
    forced = sijin("restore", str(site.archive), "--force", env=environment(site.var))
    assert forced.returncode == 0, forced.stderr
    assert files(site.var / "media") == UPLOADS
    assert vapid_files(site.var) == site.vapid


@pytest.mark.django_db
def test_it_refuses_to_restore_over_data_without_force(site, settings, tmp_path):
    settings.VAR_DIR, settings.MEDIA_ROOT = tmp_path, tmp_path / "media"  # this process's database: the world
    with pytest.raises(CommandError, match=r"数据库已有数据.*确认要覆盖请加 --force"):
        call_command("restore", str(site.archive))
    (tmp_path / "media" / "photo.jpg").parent.mkdir()
    (tmp_path / "media" / "photo.jpg").write_bytes(b"an upload")
    with pytest.raises(CommandError, match=r"上传目录 .* 已有文件"):
        call_command("restore", str(site.archive))


def tampered(archive: Path, out: Path, name: str, data: bytes) -> Path:
    """The archive with one member's content replaced and its checksum list left as it was."""
    with tarfile.open(archive) as source, tarfile.open(out, "w:gz") as target:
        for member in source.getmembers():
            content = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == name:
                content, member.size = data, len(data)
            target.addfile(member, io.BytesIO(content))
    return out


@pytest.mark.django_db
def test_it_checks_every_checksum_before_anything_else(site, settings, tmp_path):
    settings.VAR_DIR, settings.MEDIA_ROOT = tmp_path, tmp_path / "media"
    photo = "media/visits/2025/06/入户走访.jpg"
    bad = tampered(site.archive, tmp_path / "bad.tar.gz", photo, b"not the photo")
    with pytest.raises(CommandError, match=rf"校验失败.*{re.escape(photo)}.*未做任何改动"):
        call_command("restore", str(bad))
    with tarfile.open(site.archive) as source, tarfile.open(tmp_path / "short.tar.gz", "w:gz") as target:
        for member in source.getmembers():
            if member.name != photo:
                target.addfile(member, source.extractfile(member))
    with pytest.raises(CommandError, match=f"不完整,缺少:{re.escape(photo)}"):
        call_command("restore", str(tmp_path / "short.tar.gz"))
    assert not (tmp_path / "media").exists()


# ---- PostgreSQL: pg_dump into the archive, psql out of it ------------------------------------------------
def pg_url(db: dict[str, Any], name: str) -> str:
    from urllib.parse import quote

    user, password = quote(db["USER"] or ""), quote(db["PASSWORD"] or "")
    return f"postgres://{user}:{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"


def pg_rows(url: str) -> dict[str, list[tuple]]:
    import psycopg

    with psycopg.connect(url) as db:
        tables = [
            t
            for (t,) in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        return {t: db.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}


@pytest.mark.skipif(
    connection.vendor != "postgresql" or not (shutil.which("pg_dump") and shutil.which("psql")),
    reason="runs when the suite runs on PostgreSQL (DATABASE_URL) and pg_dump and psql are installed",
)
@pytest.mark.django_db  # the world, committed when the test database was made, is what pg_dump sees
def test_it_backs_up_and_restores_postgresql_into_an_empty_database(world, tmp_path):
    import psycopg

    db = connection.settings_dict
    source, target = db["NAME"], f"{db['NAME']}_restore"
    (tmp_path / "var" / "media" / "visits").mkdir(parents=True)
    (tmp_path / "var" / "media" / "visits" / "入户走访.jpg").write_bytes(
        UPLOADS["visits/2025/06/入户走访.jpg"]
    )
    (tmp_path / "var" / "secret_key").write_text(secrets.token_urlsafe(50))
    vapid = vapid_pair(tmp_path / "var")
    archive = tmp_path / "sijin-backup.tar.gz"
    r = sijin("backup", str(archive), env=environment(tmp_path / "var", DATABASE_URL=pg_url(db, source)))
    assert r.returncode == 0, r.stderr
    rows = pg_rows(pg_url(db, source))

    with psycopg.connect(pg_url(db, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
        admin.execute(f'CREATE DATABASE "{target}"')
    try:
        env = environment(tmp_path / "restored", DATABASE_URL=pg_url(db, target))
        r = sijin("restore", str(archive), env=env)
        assert r.returncode == 0, r.stderr
        restored = pg_rows(pg_url(db, target))
        assert restored.keys() == rows.keys()
        for table in rows:
            if table == "core_auditlog":
                assert restored[table][: len(rows[table])] == rows[table]
                assert len(restored[table]) == len(rows[table]) + 1
            else:
                assert restored[table] == rows[table], table
        assert files(tmp_path / "restored" / "media") == {
            "visits/入户走访.jpg": UPLOADS["visits/2025/06/入户走访.jpg"]
        }
        assert vapid_files(tmp_path / "restored") == vapid
        again = sijin("restore", str(archive), env=env)
        assert again.returncode != 0 and "--force" in again.stderr
    finally:
        with psycopg.connect(pg_url(db, "postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
