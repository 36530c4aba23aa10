"""``sijin restore FILE [--force]``: put a ``sijin backup`` archive back (sijin/core/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sijin.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "从 sijin backup 的备份文件恢复数据库、上传文件和密钥(先校验;已有数据时需加 --force)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="sijin backup 生成的 .tar.gz 文件")
        parser.add_argument("--force", action="store_true", help="覆盖已有的数据库数据和上传文件")

    def handle(self, *args, **options) -> None:
        try:
            summary = backup_restore(Path(options["file"]), force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"已从 {options['file']}(备份于 {summary.created_at})恢复:数据库({summary.vendor})、"
            f"上传文件 {summary.files} 个{'、密钥' if summary.secret_key else ''}。"
        )
        for warning in summary.warnings:
            self.stdout.write(self.style.WARNING(warning))
        if summary.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    f"备份的数据库结构较旧,有 {summary.pending_migrations} 个迁移未执行:请运行 sijin manage migrate。"
                )
            )
        self.stdout.write("请重启网站和后台任务(sijin serve、sijin worker)。")
