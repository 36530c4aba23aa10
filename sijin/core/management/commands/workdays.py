from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sijin.core.services import error_text
from sijin.core.workdays import cli_add, cli_between


class Command(BaseCommand):
    help = "工作日计算:add 日期 N(N个工作日后的日期);between 日期A 日期B(两日期间的工作日数)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="op", required=True)
        add = sub.add_parser("add", help="日期 N:N个工作日后的日期")
        add.add_argument("date")
        add.add_argument("n", type=int)
        between = sub.add_parser("between", help="日期A 日期B:A之后到B(含)的工作日数")
        between.add_argument("a")
        between.add_argument("b")

    def handle(self, *args, **options):
        try:
            if options["op"] == "add":
                self.stdout.write(cli_add(options["date"], options["n"]))
            else:
                self.stdout.write(cli_between(options["a"], options["b"]))
        except ValidationError as exc:  # a date as no one writes it
            raise CommandError(error_text(exc)) from exc
        except ValueError as exc:  # a negative number of days
            raise CommandError(str(exc)) from exc
