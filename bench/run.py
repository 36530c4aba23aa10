"""Benchmarks (`make bench`): scoped problem queries against an unscoped baseline, on a synthetic dataset.

Figures are ratios to a baseline measured in the same run: the time of the same query with no scope filter.
Usage: python bench/run.py [--problems N]
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def timed(fn, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=100_000)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        os.environ["SIJIN_SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sijin.settings")
    os.environ["SIJIN_ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from datetime import date

    from sijin.accounts.access import visible_problems
    from sijin.accounts.models import User
    from sijin.demo import load_demo
    from sijin.problems.models import Problem

    demo = load_demo()
    template = Problem.objects.filter(group=demo["group"]).first()
    n = args.problems - Problem.objects.count()
    rows = []
    for i in range(max(n, 0)):
        rows.append(
            Problem(
                campaign_id=template.campaign_id,
                target_id=template.target_id,
                group_id=template.group_id,
                region_id="371621000000" if i % 3 else "370702000000",
                title=f"合成问题{i}",
                reported_on=date(2020, 3, 1 + i % 28),
                status="reported",
            )
        )
    Problem.objects.bulk_create(rows, batch_size=5000)
    office = User.objects.get(username="office")
    handler = User.objects.get(username="handler")
    total = Problem.objects.count()
    baseline = timed(
        lambda: list(Problem.objects.order_by("-reported_on", "-id").values_list("id", flat=True)[:50])
    )
    scoped = timed(
        lambda: list(
            visible_problems(office).order_by("-reported_on", "-id").values_list("id", flat=True)[:50]
        )
    )
    count_base = timed(lambda: Problem.objects.count())
    count_scoped = timed(lambda: visible_problems(office).count())
    handler_scoped = timed(lambda: visible_problems(handler).count())
    print(
        f"dataset: {total} problems ({Problem.objects.filter(region__code__startswith='3716').count()} in 滨州)"
    )
    print(f"first page of 50, office scope vs unscoped: {scoped / baseline:.2f}x")
    print(f"count, office scope vs unscoped count: {count_scoped / count_base:.2f}x")
    print(f"count, handler scope vs unscoped count: {handler_scoped / count_base:.2f}x")

    # 问题台账 pages as the office sees them (count, filters, lights), against the raw first-50 query.
    from django.test import Client

    client = Client()
    client.force_login(office)

    def page(url: str) -> None:
        assert client.get(url).status_code == 200, url

    first_page = timed(lambda: page("/problems/"), repeat=3)
    deep_page = timed(lambda: page("/problems/?page=1000"), repeat=3)
    red_filter = timed(lambda: page("/problems/?light=red"), repeat=3)
    print(
        f"问题台账 page 1 (office): {first_page / baseline:.1f}x the raw first-50 query; "
        f"page 1000: {deep_page / baseline:.1f}x; light=red filter: {red_filter / baseline:.1f}x"
    )

    # 问题清单 export: peak Python memory for all rows vs a tenth of them (streaming keeps the ratio near 1).
    import tracemalloc

    from sijin.reports.ledgers import ledger_build, write_xlsx

    admin = User.objects.get(username="admin")

    def export_peak(limit: int) -> tuple[float, float]:
        ledger = ledger_build("problems", admin)
        rows = ledger.rows
        ledger.rows = (r for i, r in zip(range(limit), rows, strict=False))
        out = Path(tempfile.mkdtemp()) / "ledger.xlsx"
        tracemalloc.start()
        t = time.perf_counter()
        write_xlsx(ledger, str(out), "bench")
        elapsed = time.perf_counter() - t
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak, elapsed

    small_peak, small_time = export_peak(total // 10)
    full_peak, full_time = export_peak(total)
    print(
        f"问题清单 export of {total} rows vs {total // 10}: peak memory {full_peak / small_peak:.2f}x, "
        f"time {full_time / small_time:.2f}x (baseline: the {total // 10}-row export)"
    )


if __name__ == "__main__":
    main()
