"""``sijin backup FILE`` and ``sijin restore FILE``: the database, the uploads and the keys in one .tar.gz.

The archive holds, in this order:

- ``backup.json``: what it is (format, time, database vendor, what else it holds);
- ``database/sijin.sqlite3``: on SQLite, a consistent copy made with SQLite's online backup API while the
  site keeps running; or ``database/sijin.sql`` on PostgreSQL, ``pg_dump --clean --if-exists --no-owner
  --no-privileges`` (plain SQL, restored with ``psql --single-transaction``);
- ``media/…``: every file under MEDIA_ROOT (photos, evidence, exports);
- ``secret_key``: the key settings read, unless it is given in SIJIN_SECRET_KEY (then it is not in the
  archive, and whoever restores must give the same one);
- ``vapid/private.pem`` and ``vapid/public.txt``: the Web Push key pair (core.webpush.vapid_key_files), when
  there is one: the one generated into the data directory, or the private key of SIJIN_VAPID_PRIVATE_KEY_FILE
  (its public key is a setting, not a file). Every browser's subscription was made for this pair; a site
  restored without it would push to none of them;
- ``SHA256SUMS``: the SHA-256 of each file above, in ``sha256sum -c`` format, last.

A restore unpacks the archive under the data directory, checks every checksum and that nothing was added or
left out, and only then touches anything; it refuses a database with data in Sijin's tables or a non-empty
MEDIA_ROOT unless forced. The archive holds all case data and the key: it is written 0600.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from .audit import audit
from .models import AuditAction
from .webpush import vapid_key_files, vapid_public_key

FORMAT = 1
SUMS = "SHA256SUMS"
META = "backup.json"
KEY = "secret_key"
MEDIA = "media"
VAPID_PRIVATE, VAPID_PUBLIC = "vapid/private.pem", "vapid/public.txt"
DUMPS = {"sqlite": "database/sijin.sqlite3", "postgresql": "database/sijin.sql"}
SIJIN_APPS = {"core", "directory", "accounts", "campaigns", "fieldwork", "problems", "reports", "desk"}
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in Chinese, with advice."""


@dataclass
class BackupSummary:
    path: Path
    vendor: str
    files: int  # uploads
    secret_key: bool
    sha256: str  # of the archive itself
    vapid_keys: bool = False


@dataclass
class RestoreSummary:
    vendor: str
    created_at: str
    files: int
    secret_key: bool
    pending_migrations: int
    warnings: list[str]
    vapid_keys: bool = False


# ---- backup -----------------------------------------------------------------------------------------------
def backup_create(path: Path) -> BackupSummary:
    """Write the archive to ``path`` (through a temporary file next to it, renamed when complete)."""
    vendor = connection.vendor
    if vendor not in DUMPS:
        raise BackupError(f"不支持备份 {vendor} 数据库(只支持 SQLite 和 PostgreSQL)。")
    path = path.resolve()
    if not path.parent.is_dir():
        raise BackupError(f"目录 {path.parent} 不存在。")
    key = _key_file()
    vapid = _vapid_files()
    part = path.with_name(path.name + ".part")
    sums: list[tuple[str, str]] = []
    media = Path(settings.MEDIA_ROOT)
    uploads = sorted(_files(media)) if media.is_dir() else []
    meta = {
        "format": FORMAT,
        "created_at": timezone.localtime().isoformat(timespec="seconds"),
        "database": vendor,
        "media_files": len(uploads),
        "secret_key": key is not None,
        "vapid_keys": bool(vapid),
    }
    with tempfile.TemporaryDirectory(dir=settings.VAR_DIR, prefix="backup-") as work:
        dump = Path(work) / "dump"
        _dump_database(vendor, dump)
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                _add_bytes(tar, META, json.dumps(meta, ensure_ascii=False, indent=2).encode(), sums)
                _add_file(tar, DUMPS[vendor], dump, sums)
                if key is not None:
                    _add_file(tar, KEY, key, sums)
                for name, file in vapid:
                    _add_file(tar, name, file, sums)
                for file in uploads:
                    _add_file(tar, f"{MEDIA}/{file.relative_to(media).as_posix()}", file, sums)
                _add_bytes(tar, SUMS, "".join(f"{digest}  {name}\n" for name, digest in sums).encode(), [])
            os.replace(part, path)
        finally:
            part.unlink(missing_ok=True)
    return BackupSummary(path, vendor, len(uploads), key is not None, _sha256(path), bool(vapid))


def _vapid_files() -> list[tuple[str, Path]]:
    """(archive name, file) of the Web Push key pair's files that exist."""
    private, public = vapid_key_files()
    found = [(VAPID_PRIVATE, private), (VAPID_PUBLIC, public)]
    return [(name, file) for name, file in found if file is not None and file.is_file()]


def _dump_database(vendor: str, out: Path) -> None:
    if vendor == "sqlite":
        if not Path(settings.DATABASES["default"]["NAME"]).is_file():
            raise BackupError(f"数据库文件 {settings.DATABASES['default']['NAME']} 不存在。")
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        target = sqlite3.connect(out)
        try:
            source.backup(target)  # a consistent copy even while the site writes (WAL)
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            target.close()
            source.close()
        return
    _run_pg(
        "pg_dump",
        ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--format=plain", f"--file={out}"],
    )


def _add_file(tar: tarfile.TarFile, name: str, file: Path, sums: list[tuple[str, str]]) -> None:
    info = tar.gettarinfo(str(file), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with open(file, "rb") as f:
        hashing = _Hashing(f)
        tar.addfile(info, hashing)
    sums.append((name, hashing.digest.hexdigest()))


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, sums: list[tuple[str, str]]) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o600
    tar.addfile(info, io.BytesIO(data))
    sums.append((name, hashlib.sha256(data).hexdigest()))


class _Hashing(io.RawIOBase):
    """A file read once: into the archive and through SHA-256 on the way (what is hashed is what is stored)."""

    def __init__(self, f: IO[bytes]) -> None:
        self.f, self.digest = f, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.f.read(size)
        self.digest.update(data)
        return data


# ---- restore ----------------------------------------------------------------------------------------------
def backup_restore(path: Path, *, force: bool = False) -> RestoreSummary:
    """Restore the archive at ``path`` into the configured database, MEDIA_ROOT and key file.

    Checks first, changes after: the archive must unpack safely and match its checksums, be made for the
    same kind of database, and the target must be empty (or ``force``).
    """
    if not path.is_file():
        raise BackupError(f"备份文件 {path} 不存在。")
    vendor = connection.vendor
    with tempfile.TemporaryDirectory(dir=settings.VAR_DIR, prefix="restore-") as work:
        root = Path(work)
        try:
            with tarfile.open(path, mode="r:gz") as tar:
                tar.extractall(root, filter="data")  # no absolute paths, no “..”, no links out, no devices
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"备份文件无法解开:{exc}。") from exc
        _verify(root)
        meta = json.loads((root / META).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("database") not in DUMPS:
            raise BackupError("不认识这个备份文件的格式。")
        if meta["database"] != vendor:
            raise BackupError(
                f"备份来自 {meta['database']} 数据库,当前配置的是 {vendor}:不能直接恢复。"
                "请按备份时的数据库配置(DATABASE_URL)恢复。"
            )
        if not force and (busy := _not_empty()):
            raise BackupError(f"{busy},恢复会覆盖现有数据。确认要覆盖请加 --force。")
        key = root / KEY
        archived_key = key.read_text().strip() if key.exists() else None
        key_target = _key_target(archived_key)
        vapid = root / VAPID_PRIVATE
        vapid_targets = _vapid_targets() if vapid.exists() else None
        warnings = []
        if archived_key and _key_file() is None and archived_key != settings.SECRET_KEY:
            warnings.append(
                "备份中的密钥与环境变量 SIJIN_SECRET_KEY 不同,仍用环境变量中的:已登录的会话和未用的重置链接将失效。"
            )
        if vapid_targets and vapid_targets[1] is None:
            try:
                same = vapid_public_key(vapid.read_bytes()) == settings.SIJIN_VAPID_PUBLIC_KEY
            except ValueError:
                same = False
            if not same:
                warnings.append(
                    "备份中的推送私钥与环境变量 SIJIN_VAPID_PUBLIC_KEY 不配对:请把 SIJIN_VAPID_PUBLIC_KEY 改为"
                    "该私钥的公钥,否则浏览器收不到推送。"
                )
        _restore_database(vendor, root / DUMPS[vendor])
        files = _restore_media(root / MEDIA)
        if key_target is not None:
            key_target.write_text(key.read_text())
            key_target.chmod(0o600)
        if vapid_targets is not None:
            _restore_vapid(root, *vapid_targets)
    pending = _pending_migrations()
    if not pending:  # an older schema takes no row of today's shape: `sijin manage migrate` first
        audit(
            None,
            AuditAction.DATA_RESTORE,
            None,
            f"从备份恢复数据(备份于 {meta['created_at']})",
            archive=path.name,
            sha256=_sha256(path),
            forced=force,
        )
    return RestoreSummary(
        vendor,
        meta["created_at"],
        files,
        key_target is not None,
        pending,
        warnings,
        vapid_targets is not None,
    )


def _verify(root: Path) -> None:
    sums = root / SUMS
    if not sums.is_file():
        raise BackupError(f"备份文件缺少校验清单 {SUMS},不能确认完整,未做任何改动。")
    listed: dict[str, str] = {}
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    present = {p.relative_to(root).as_posix() for p in _files(root)} - {SUMS}
    if missing := sorted(set(listed) - present):
        raise BackupError(f"备份文件不完整,缺少:{'、'.join(missing[:5])},未做任何改动。")
    if extra := sorted(present - set(listed)):
        raise BackupError(f"备份文件含有校验清单以外的文件:{'、'.join(extra[:5])},未做任何改动。")
    if bad := [name for name, digest in sorted(listed.items()) if _sha256(root / name) != digest]:
        raise BackupError(f"备份文件校验失败(SHA-256 不符):{'、'.join(bad[:5])},未做任何改动。")
    if META not in listed:
        raise BackupError(f"备份文件缺少 {META},未做任何改动。")


def _not_empty() -> str:
    """What already holds data (“数据库已有数据”, “上传目录已有文件”), or "" when restoring loses nothing."""
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir() and next(_files(media), None) is not None:
        return f"上传目录 {media} 已有文件"
    tables = set(connection.introspection.table_names())
    for model in apps.get_models():
        ours = model._meta.app_label in SIJIN_APPS and model._meta.db_table in tables
        if ours and model._base_manager.exists():
            return f"数据库已有数据(如 {model._meta.verbose_name})"
    return ""


def _restore_database(vendor: str, dump: Path) -> None:
    if vendor == "sqlite":
        connections.close_all()
        target_path = Path(settings.DATABASES["default"]["NAME"])
        target_path.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(dump)
        target = sqlite3.connect(target_path)
        try:
            source.backup(target)  # page by page under SQLite's own locks: safe with WAL files around
        finally:
            target.close()
            source.close()
        return
    connections.close_all()
    _run_pg("psql", ["--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1", f"--file={dump}"])


def _restore_media(source: Path) -> int:
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    for entry in media.iterdir():  # only reached when forced or already empty of files
        shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    if not source.is_dir():
        return 0
    shutil.copytree(source, media, dirs_exist_ok=True)
    return sum(1 for _ in _files(media))


def _key_file() -> Path | None:
    """The file the secret key is read from, or None when it comes from SIJIN_SECRET_KEY."""
    if os.environ.get("SIJIN_SECRET_KEY"):
        return None
    if path := os.environ.get("SIJIN_SECRET_KEY_FILE"):
        return Path(path)
    return Path(settings.VAR_DIR) / "secret_key"


def _key_target(archived: str | None) -> Path | None:
    """Where the archived key goes (checked writable before anything changes); None when it stays as it is:
    there is none in the archive, or the key comes from SIJIN_SECRET_KEY."""
    target = _key_file()
    if archived is None or target is None:
        return None
    if not os.access(target if target.exists() else target.parent, os.W_OK):
        raise BackupError(f"密钥文件 {target} 不可写,未做任何改动。")
    return target


def _vapid_targets() -> tuple[Path, Path | None]:
    """Where the archived Web Push key pair goes (core.webpush.vapid_key_files), checked writable before
    anything changes."""
    private, public = vapid_key_files()
    for target in (private, public):
        if target is not None and not os.access(target if target.exists() else target.parent, os.W_OK):
            raise BackupError(f"推送密钥文件 {target} 不可写,未做任何改动。")
    return private, public


def _restore_vapid(root: Path, private: Path, public: Path | None) -> None:
    """Put the archived pair in place; a public key file the archive lacks is removed, so that it is derived
    again from the restored private key (webpush.vapid_keys)."""
    private.write_bytes((root / VAPID_PRIVATE).read_bytes())
    private.chmod(0o600)
    if public is not None:
        if (root / VAPID_PUBLIC).exists():
            public.write_bytes((root / VAPID_PUBLIC).read_bytes())
        else:
            public.unlink(missing_ok=True)


def _pending_migrations() -> int:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


# ---- helpers ----------------------------------------------------------------------------------------------
def _files(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            yield path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _run_pg(program: str, args: list[str]) -> None:
    """Run pg_dump or psql against the configured database (connection details in PG* variables)."""
    if shutil.which(program) is None:
        raise BackupError(
            f"找不到 {program}:请安装 PostgreSQL 客户端(postgresql-client,主版本不低于服务器)。"
        )
    db = settings.DATABASES["default"]
    given = {
        "PGDATABASE": db.get("NAME"),
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
    }
    env = {**os.environ, **{name: str(value) for name, value in given.items() if value}}
    result = subprocess.run([program, *args], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{program} 失败:{result.stderr.strip()[-2000:]}")
