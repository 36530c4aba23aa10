"""``sijin backup FILE``: the database, the uploads and the secret key in one .tar.gz (sijin/core/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sijin.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "备份数据库、上传文件和密钥到一个 .tar.gz 文件(含 SHA-256 校验清单),网站可继续运行"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="备份文件,如 sijin-2025-06-30.tar.gz")

    def handle(self, *args, **options) -> None:
        try:
            summary = backup_create(Path(options["file"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        key = "密钥" if summary.secret_key else "不含密钥(来自环境变量 SIJIN_SECRET_KEY,请另行保管)"
        self.stdout.write(
            f"已备份到 {summary.path}:数据库({summary.vendor})、上传文件 {summary.files} 个、{key}。\n"
            f"SHA-256 {summary.sha256}\n"
            "备份文件含全部案件数据和密钥,请加密保存、限制访问。"
        )
