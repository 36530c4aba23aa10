"""``sijin digest [--date YYYY-MM-DD]``: the daily 每日汇总 mail, from cron beside ``sijin sweep``.

Each user who chose 每日汇总 (and has an address) gets one mail of that day's notifications still unread
(default: yesterday's). Safe to run twice or in parallel: each user's day is claimed with a conditional update
(sijin/core/notifications.py, ``notification_digest``).
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sijin.core.dates import parse_date
from sijin.core.notifications import notification_digest
from sijin.core.services import error_text


class Command(BaseCommand):
    help = "通知每日汇总:向选择“每日汇总”的用户发送前一天未读通知的汇总邮件(可重复运行)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="汇总该日期的通知(YYYY-MM-DD),默认昨天")

    def handle(self, *args, **options) -> None:
        try:
            day = parse_date(options["date"]) if options["date"] else None
        except ValidationError as exc:
            raise CommandError(error_text(exc)) from None
        result = notification_digest(day=day)
        self.stdout.write(f"每日汇总:{result.users} 位用户,发送邮件 {result.emails} 封。")
