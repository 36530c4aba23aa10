from django.core.management.base import BaseCommand

from sijin.reports.ledgers import KINDS, ledger_export

from ._cli import ADMIN_NOTE, admin_actor, find_group, parse_day


class Command(BaseCommand):
    help = (
        "导出 Excel 台账/清单:sijin export problems|handling|effect|targets|visits [--group 工作组] "
        f"[--from 日期] [--to 日期] -o FILE.xlsx。{ADMIN_NOTE}"
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(KINDS), help=";".join(f"{k} {v}" for k, v in KINDS.items()))
        parser.add_argument("--group", help="工作组编号,或工作组/派出单位名称的一部分(须只对应一个工作组)")
        parser.add_argument("--from", dest="start", help="起始日期 YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="截止日期 YYYY-MM-DD")
        parser.add_argument("-o", "--output", required=True, help="输出的 .xlsx 文件")
        parser.add_argument("--user", help="以哪个系统管理员账号导出(默认第一个)")

    def handle(self, *args, **options):
        group = find_group(options["group"]) if options["group"] else None
        n = ledger_export(
            options["kind"],
            admin_actor(options["user"]),
            options["output"],
            group=group,
            start=parse_day(options["start"], "--from") if options["start"] else None,
            end=parse_day(options["end"], "--to") if options["end"] else None,
        )
        self.stdout.write(self.style.SUCCESS(f"已导出{KINDS[options['kind']]} {n} 行到 {options['output']}"))
