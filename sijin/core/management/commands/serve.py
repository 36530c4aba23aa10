import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "用 gunicorn 启动网站"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=settings.SIJIN_BIND)
        parser.add_argument("--workers", type=int, default=settings.SIJIN_WORKERS)

    def handle(self, *args, **options):
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
