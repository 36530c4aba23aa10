"""``sijin sweep [--date YYYY-MM-DD]``: the daily round, safe to run twice or in parallel.

临期催办 and 超期督办 once per deadline (problems), background exports and imports whose worker died marked failed
(reports), and audit rows past their retention removed (core). It lives in the top app because it calls all three.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sijin.core.audit import audit_prune
from sijin.core.dates import parse_date
from sijin.core.services import error_text
from sijin.problems.supervision import supervision_sweep
from sijin.reports.services import export_job_expire, import_job_expire


class Command(BaseCommand):
    help = "督办巡检:临期问题向承办人催办,超期问题向承办单位和活动办督办(可重复运行)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按该日期巡检(YYYY-MM-DD),默认今天")

    def handle(self, *args, **options) -> None:
        try:
            today = parse_date(options["date"]) if options["date"] else None
        except ValidationError as exc:
            raise CommandError(error_text(exc)) from None
        result = supervision_sweep(today=today)
        self.stdout.write(f"催办 {result.urged} 件,督办 {result.supervised} 件,发送邮件 {result.emails} 封。")
        if expired := export_job_expire():
            self.stdout.write(f"后台导出中断 {expired} 个,已标记失败,可重试。")
        if expired := import_job_expire():  # what it wrote is taken back
            self.stdout.write(f"后台导入中断 {expired} 个,已撤回写入的数据,可重试。")
        if pruned := audit_prune():  # SIJIN_AUDIT_RETENTION_DAYS
            self.stdout.write(f"清理过期审计日志 {pruned} 条。")
