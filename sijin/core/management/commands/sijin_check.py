import stat
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from sijin.core.workdays import coverage_warning


def data_dirs() -> list[Path]:
    """The directories Sijin writes to: var/ and the uploads (which may live elsewhere, SIJIN_MEDIA_ROOT)."""
    return list(dict.fromkeys([Path(settings.VAR_DIR), Path(settings.MEDIA_ROOT)]))


def unwritable_dir_advice() -> str | None:
    """What to do when a data directory is missing or cannot be written to; None when all can."""
    for folder in data_dirs():
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            return (
                f"数据目录 {folder} 不可写:{exc.strerror}。\n"
                f"建议:创建该目录并交给运行四进的系统用户(如 chown 用户名 {folder} && chmod 700 {folder}),"
                "或用 SIJIN_VAR_DIR(上传文件为 SIJIN_MEDIA_ROOT)指向可写的目录。"
            )
    return None


def database_advice() -> str | None:
    """What to do when the database cannot be reached; None when it can."""
    try:
        connection.ensure_connection()
    except Exception as exc:
        return (
            f"无法连接数据库:{exc}\n建议:检查 DATABASE_URL(如 postgres://用户@主机:5432/库名)是否正确、"
            "数据库服务是否已启动;不设置 DATABASE_URL 时使用 var/ 下的 SQLite 文件。"
        )
    return None


def open_permission_warnings() -> list[str]:
    """Data directories that other system users may read (made before Sijin created them 0700)."""
    warnings = []
    for folder in data_dirs():
        if folder.is_dir() and (mode := stat.S_IMODE(folder.stat().st_mode)) & 0o077:
            warnings.append(
                f"数据目录 {folder} 的权限为 {mode:o},本机其他用户可以读取。建议:chmod 700 {folder}"
            )
    return warnings


class Command(BaseCommand):
    help = "检查配置与数据库是否可用,并给出处理建议"

    def handle(self, *args, **options):
        db = settings.DATABASES["default"]
        self.stdout.write(f"数据库:{db['ENGINE'].rsplit('.', 1)[-1]} {db.get('NAME')}")
        if advice := database_advice():
            raise CommandError(advice)
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            self.stdout.write(
                self.style.WARNING(f"有 {len(pending)} 个数据库迁移未执行。建议:运行 sijin manage migrate")
            )
        else:
            self.stdout.write("数据库结构:已是最新。")
        if settings.DEBUG:
            self.stdout.write(self.style.WARNING("SIJIN_DEBUG 已开启,生产环境请关闭。"))
        self.stdout.write(f"数据目录:{settings.VAR_DIR}")
        if advice := unwritable_dir_advice():
            raise CommandError(advice)
        for warning in open_permission_warnings():
            self.stdout.write(self.style.WARNING(warning))
        year = timezone.localdate().year
        warnings = [w for y in (year, year + 1) if (w := coverage_warning(y))]
        for warning in warnings:
            self.stdout.write(self.style.WARNING(warning))
        if not warnings:
            self.stdout.write(f"工作日日历:已收录{year}年和{year + 1}年的法定节假日。")
        self.stdout.write(self.style.SUCCESS("检查完成。"))
