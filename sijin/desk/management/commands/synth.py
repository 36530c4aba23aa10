"""``sijin synth --problems N [--seed S] [--end YYYY-MM-DD]``: a synthetic province for benchmarks (sijin/synth.py).

A bulk loader like ``sijin demo``: its rows are not audited one by one; one summary audit row records the load.
"""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sijin.core.dates import parse_date
from sijin.core.services import error_text
from sijin.synth import MAX_PROBLEMS, PERSONAS, synth_load


class Command(BaseCommand):
    help = "生成合成省级数据(真实区划、工作组、单位、帮扶对象、走访、全流程问题),用于性能测试"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--problems", type=int, default=100_000, help=f"问题数量(1至{MAX_PROBLEMS})")
        parser.add_argument("--seed", type=int, default=1, help="随机种子:相同种子生成相同数据")
        parser.add_argument("--end", help="数据截止日期(YYYY-MM-DD),默认今天;数据覆盖此前两年")
        parser.add_argument("--province", default="370000000000", help="省级区划代码(12位)")
        parser.add_argument("--password", help="合成账号的密码(默认随机,不打印)")

    def handle(self, *args, **options) -> None:
        try:
            end = parse_date(options["end"]) if options["end"] else None
        except ValidationError as exc:
            raise CommandError(error_text(exc)) from None
        started = time.perf_counter()
        try:
            result = synth_load(
                problems=options["problems"],
                seed=options["seed"],
                end=end,
                province=options["province"],
                password=options["password"],
                progress=lambda text: self.stdout.write(f"  {text}") if options["verbosity"] > 1 else None,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        counts = "、".join(f"{k} {v}" for k, v in result.counts.items())
        self.stdout.write(
            f"已生成合成数据“{result.campaign}”:{counts}(用时 {time.perf_counter() - started:.1f} 秒)。"
        )
        self.stdout.write("合成账号:" + "、".join(f"{u}({label})" for u, label in PERSONAS.items()))
