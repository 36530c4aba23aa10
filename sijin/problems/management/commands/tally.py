"""``sijin tally check|rebuild``: the 数据看板's kept problem counts and 成效 sums (problems.tally).

``check`` compares them with a count of the problems now and lists the differences (exit status 1 when there
are any); ``rebuild`` recounts them from the problems (after a bulk load without triggers, or to repair). Both
read every problem: run them off-peak on a large database.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sijin.problems.tally import tally_check, tally_rebuild

NAMES = {
    "problems_problemtally": "状态与对象类型计数",
    "problems_problemfacettally": "类别与层级计数",
    "problems_problemweektally": "每周计数",
    "problems_problemduetally": "期限计数",
    "problems_problemunittally": "承办单位计数",
    "problems_problemunitduetally": "承办单位期限计数",
    "fieldwork_outcometally": "成效计数",
}
SHOWN = 20  # differences listed; the rest are only counted


class Command(BaseCommand):
    help = "数据看板计数:check 核对计数与问题、成效是否一致 / rebuild 按问题与成效重新计算"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["check", "rebuild"], help="check 核对 / rebuild 重建")

    def handle(self, *args, **options) -> None:
        if options["action"] == "rebuild":
            counts = tally_rebuild()
            parts = "、".join(f"{NAMES.get(table, table)} {n} 行" for table, n in counts.items())
            self.stdout.write(f"已按问题与成效重新计算数据看板计数:{parts}。")
            return
        differences = tally_check()
        if not differences:
            self.stdout.write("数据看板计数与问题、成效、走访一致。")
            return
        for difference in differences[:SHOWN]:
            self.stderr.write(str(difference))
        if len(differences) > SHOWN:
            self.stderr.write(f"……另有 {len(differences) - SHOWN} 处未列出。")
        raise CommandError(f"数据看板计数有 {len(differences)} 处不一致,可运行 sijin tally rebuild 重建。")
