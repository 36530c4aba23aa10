import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from .sijin_check import database_advice, unwritable_dir_advice


class Command(BaseCommand):
    help = "用 gunicorn 启动网站(数据目录不可写或数据库连不上时拒绝启动,并给出处理建议)"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=settings.SIJIN_BIND)
        parser.add_argument("--workers", type=int, default=settings.SIJIN_WORKERS)

    def handle(self, *args, **options):
        # Refuse here, with advice, rather than start workers that fail on every request.
        if advice := unwritable_dir_advice() or database_advice():
            raise CommandError(f"四进未启动。{advice}")
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"四进 正在 http://{options['bind']} 提供服务(Ctrl+C 停止)")
        self.stdout.flush()
        os.execvp(
            sys.executable,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "sijin.wsgi:application",
                "--bind",
                options["bind"],
                "--workers",
                str(options["workers"]),
                "--access-logfile",
                "-",
            ],
        )
