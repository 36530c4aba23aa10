from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sijin.directory.models import Region
from sijin.reports.briefing import briefing_docx
from sijin.reports.services import briefing_generate

from ._cli import ADMIN_NOTE, admin_actor, find_group, parse_day


class Command(BaseCommand):
    help = (
        "生成工作组的工作简报(.docx):sijin briefing --group 滨州市教育局 --from 2020-03-09 --to 2020-03-29 "
        f"-o 简报.docx。简报同时保存为草稿,可在网页上修改后报送。{ADMIN_NOTE}"
    )

    def add_arguments(self, parser):
        parser.add_argument("--group", help="工作组编号,或工作组/派出单位名称的一部分(须只对应一个工作组)")
        parser.add_argument("--region", help="或:区划代码,汇总区划内全部工作组,例如 371621")
        parser.add_argument(
            "--targets",
            action="store_true",
            help="区划简报也逐个写出有进展的帮扶对象(默认按地区和工作组汇总,对象多时篇幅很长)",
        )
        parser.add_argument("--from", dest="start", required=True, help="起始日期 YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="截止日期 YYYY-MM-DD")
        parser.add_argument("-o", "--output", required=True, help="输出的 .docx 文件")
        parser.add_argument("--user", help="以哪个系统管理员账号生成(默认第一个)")

    def handle(self, *args, **options):
        start, end = parse_day(options["start"], "--from"), parse_day(options["end"], "--to")
        if end < start:
            raise CommandError("截止日期不能早于起始日期。")
        if bool(options["group"]) == bool(options["region"]):
            raise CommandError("请用 --group 指定一个工作组,或用 --region 指定一个区划。")
        group = find_group(options["group"]) if options["group"] else None
        region = None
        if options["region"]:
            code = options["region"].strip()
            region = Region.objects.filter(code=code.ljust(12, "0")).first() if code.isdigit() else None
            if region is None:
                raise CommandError(f"区划代码“{code}”不存在,例如 371621(惠民县)。")
        briefing = briefing_generate(
            actor=admin_actor(options["user"]),
            group=group,
            region=region,
            period_start=start,
            period_end=end,
            list_targets=True if options["targets"] else None,
        )
        Path(options["output"]).write_bytes(briefing_docx(briefing))
        self.stdout.write(
            self.style.SUCCESS(f"已生成“{briefing.title}”→ {options['output']}(简报编号 {briefing.id})")
        )
