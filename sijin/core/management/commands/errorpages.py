"""Write the styled error pages as static files nginx can serve itself: a request line or header too long
for gunicorn (``limit_request_line``) gets gunicorn's own plain 400, and one too long for nginx never reaches
us at all; nginx's ``error_page 400 414 431 /errors/400.html`` shows ours instead (see README, Behind nginx)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.template.loader import render_to_string

PAGES = ("400", "500")


class Command(BaseCommand):
    help = "把 400/500 错误页写成静态文件(STATIC_ROOT/errors/),供 nginx 的 error_page 使用;先运行 collectstatic。"

    def add_arguments(self, parser):
        parser.add_argument("-o", "--out", help="输出目录(默认 STATIC_ROOT/errors)")

    def handle(self, *args, **options):
        out = Path(options["out"] or Path(settings.STATIC_ROOT) / "errors")
        out.mkdir(parents=True, exist_ok=True)
        for code in PAGES:
            path = out / f"{code}.html"
            path.write_text(render_to_string(f"{code}.html"), encoding="utf-8")
            self.stdout.write(f"已写入 {path}")
