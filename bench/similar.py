"""Title search and 可能相同的问题 on a synthetic province (``sijin synth``), against a plain ``icontains``.

Measures, interleaved run by run so that the ratios compare like with like on a shared machine:
- 关键词 (the ledger's ``q=``): the first page (50 rows, newest first) and the count, through
  ``problems.similar.title_filter`` and through ``title__icontains``, for a common word, a rare run of digits
  and a two-character word (which falls back to ``contains`` on purpose);
- the proposal (``similar_problems``, 5 rows, in the county of the target) against the plain alternative: open
  problems in the county whose title contains the typed title's first four characters.

Usage: DATABASE_URL=… python bench/similar.py [--runs 30]   (after ``sijin synth --problems N --seed 1``)
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sijin.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", default="", help="run only the cases whose name contains this")
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection

    from sijin.accounts.models import User
    from sijin.directory.models import Region
    from sijin.problems.models import OPEN_STATUSES, Problem
    from sijin.problems.similar import area_prefix, area_q, similar_problems, title_filter

    total = Problem.objects.count()
    users = {u: User.objects.get(username=u) for u in ("synth-province", "synth-office", "synth-member")}
    counties = list(
        Problem.objects.values_list("region_id", flat=True).order_by("region_id").distinct()[:2000:200]
    )
    regions = [Region.objects.get(code=c) for c in counties]
    some = list(Problem.objects.order_by("id").values_list("title", flat=True)[: total : max(total // 40, 1)])
    typed = [t.rstrip("0123456789") + "较大" for t in some] + ["企业用工缺口较大", "厂房用地手续办不下来"]

    def page(qs):
        return len(list(qs.order_by("-reported_on", "-id").values_list("id", flat=True)[:50]))

    cases: dict[str, object] = {}
    for who, user in users.items():
        visible = Problem.objects.visible_to(user)
        for q in ("用工缺口", "问题1234", "缺口"):
            cases[f"q={q} page · {who} · trigram"] = lambda v=visible, q=q: page(title_filter(v, q))
            cases[f"q={q} page · {who} · icontains"] = lambda v=visible, q=q: page(
                v.filter(title__icontains=q)
            )
            cases[f"q={q} count · {who} · trigram"] = lambda v=visible, q=q: title_filter(v, q).count()
            cases[f"q={q} count · {who} · icontains"] = lambda v=visible, q=q: v.filter(
                title__icontains=q
            ).count()
        state = {"i": 0}

        def propose(user=user, state=state):
            state["i"] += 1
            title, region = typed[state["i"] % len(typed)], regions[state["i"] % len(regions)]
            return len(similar_problems(title, user=user, region=region))

        def plain(user=user, state=state, visible=visible):
            state["i"] += 1
            title, region = typed[state["i"] % len(typed)], regions[state["i"] % len(regions)]
            qs = visible.filter(
                area_q(area_prefix(region)), status__in=OPEN_STATUSES, title__icontains=title[:4]
            )
            return len(list(qs.order_by("-id")[:5]))

        cases[f"proposal · {who} · similar_problems"] = propose
        cases[f"proposal · {who} · icontains(first 4 chars)"] = plain

    cases = {name: fn for name, fn in cases.items() if args.only in name}
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _run in range(args.runs):
        for name, fn in cases.items():
            start = time.perf_counter()
            fn()  # type: ignore[operator]
            times[name].append((time.perf_counter() - start) * 1000)
    print(f"{connection.vendor}, {total:,} problems, {args.runs} runs each (ms)")
    print("| case | p50 | p95 |")
    print("|---|---:|---:|")
    for name, values in times.items():
        values.sort()
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        print(f"| {name} | {statistics.median(values):.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
