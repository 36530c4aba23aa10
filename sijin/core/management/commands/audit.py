"""``sijin audit verify``: prove the audit chain; ``sijin audit prune``: delete rows past the retention period."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sijin.core.audit import audit_prune, audit_verify


class Command(BaseCommand):
    help = "安全审计:verify 校验审计日志的哈希链;prune 清理超过保留期的审计日志"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        sub.add_parser("verify", help="逐条校验哈希链,报告第一条被改动或缺失的记录(退出码 1)")
        sub.add_parser("prune", help="删除早于 SIJIN_AUDIT_RETENTION_DAYS 天的记录(0 为永久保留)")

    def handle(self, *args, **options) -> None:
        if options["op"] == "prune":
            self.prune()
        else:
            self.verify()

    def verify(self) -> None:
        verdict = audit_verify()
        if (row := verdict.broken) is not None:
            raise CommandError(
                f"审计日志不完整:编号 {row.pk} 的记录({timezone.localtime(row.at):%Y-%m-%d %H:%M:%S} "
                f"{row.get_action_display()}){verdict.reason}。此前 {verdict.count} 条完好。"
            )
        if verdict.missing_guard:
            raise CommandError(
                f"审计日志完整(共 {verdict.count} 条),但防篡改触发器缺失或被停用:"
                f"{'、'.join(verdict.missing_guard)}。请运行 sijin manage migrate 或重建触发器。"
            )
        self.stdout.write(f"审计日志完整:共 {verdict.count} 条,末条哈希 {verdict.last_hash}。")

    def prune(self) -> None:
        days = settings.SIJIN_AUDIT_RETENTION_DAYS
        if not days:
            self.stdout.write("审计日志永久保留(SIJIN_AUDIT_RETENTION_DAYS=0),未清理。")
            return
        removed = audit_prune()
        self.stdout.write(f"已清理超过 {days} 天的审计日志 {removed} 条。")
