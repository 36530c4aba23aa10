from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from sijin.core.workdays import coverage_warning


class Command(BaseCommand):
    help = "检查配置与数据库是否可用,并给出处理建议"

    def handle(self, *args, **options):
        db = settings.DATABASES["default"]
        self.stdout.write(f"数据库:{db['ENGINE'].rsplit('.', 1)[-1]} {db.get('NAME')}")
        try:
            connection.ensure_connection()
        except Exception as exc:
            raise CommandError(
                f"无法连接数据库:{exc}\n建议:检查 DATABASE_URL(如 postgres://用户@主机:5432/库名)是否正确、"
                "数据库服务是否已启动;不设置 DATABASE_URL 时使用 var/ 下的 SQLite 文件。"
            ) from exc
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
        year = timezone.localdate().year
        warnings = [w for y in (year, year + 1) if (w := coverage_warning(y))]
        for warning in warnings:
            self.stdout.write(self.style.WARNING(warning))
        if not warnings:
            self.stdout.write(f"工作日日历:已收录{year}年和{year + 1}年的法定节假日。")
        self.stdout.write(self.style.SUCCESS("检查完成。"))
