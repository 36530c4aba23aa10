"""Benchmarks (`make bench`): the main pages of a synthetic province (`sijin synth`), through the real views.

Every figure is measured in one run, the pages interleaved (run 1 of every page, then run 2 …), so that the
ratios compare like with like: each page against the bare SQL for its own rows (the same filter, order and
limit as one SELECT) and against Django admin's changelist on the same filter. Export is compared with the
openpyxl write-only floor for the same rows; import of 10,000 rows and the sweep are timed. The results go to
bench/results.md with the machine and the dataset.

Usage: python bench/run.py [--problems N] [--runs K] [--seed S] [--out bench/results.md]
       DATABASE_URL=postgres://postgres@127.0.0.1:5432/sijin_bench python bench/run.py   (an empty database)
       DATABASE_URL=… python bench/run.py --reuse   (a database `sijin synth` already loaded; left as it was)
Default 100,000 problems (SQLite ~2 minutes to load); the issue's scale is --problems 1000000. Loading a
million problems takes minutes, so at that size load once (`sijin synth --problems 1000000`) and measure with
--reuse as often as needed: the import and the sweep then run in a transaction that is rolled back.
--parts pages,export,import,sweep picks what to measure (default all).
"""

import argparse
import contextlib
import io
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def machine() -> str:
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), {ram:.1f} GB RAM, Python {platform.python_version()}"


def engine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]} (file on local disk)"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def reused(seed: int):
    """The synthetic province already in the database (its campaign, counts and logins), with when and how it
    was loaded, from the summary audit row `sijin synth` leaves."""
    from sijin.accounts.models import User
    from sijin.core.models import AuditLog
    from sijin.synth import SynthResult

    entry = AuditLog.objects.filter(data__synth=True, data__seed=seed).order_by("-id").first()
    if entry is None:
        raise SystemExit(f"no `sijin synth --seed {seed}` in this database")
    from sijin.campaigns.models import Campaign

    campaign = Campaign.objects.get(pk=entry.object_id)
    counts = {k: v for k, v in entry.data.items() if type(v) is int and k != "seed"}
    users = {u.username: u for u in User.objects.filter(username__startswith="synth-")}
    loaded = f"loaded {timezone_local(entry.at):%Y-%m-%d %H:%M} and reused (--reuse; end {entry.data['end']})"
    return SynthResult(campaign=campaign, counts=counts, users=users), loaded


def timezone_local(at):
    from django.utils import timezone

    return timezone.localtime(at)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="runs of each page, interleaved")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--import-rows", type=int, default=10_000, help="rows of the timed import")
    parser.add_argument("--out", default=str(Path(__file__).with_name("results.md")))
    parser.add_argument("--reuse", action="store_true", help="measure the province already in the database")
    parser.add_argument(
        "--parts", default="pages,export,import,sweep", help="what to measure (comma-separated)"
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if args.reuse and not os.environ.get("DATABASE_URL") and not os.environ.get("SIJIN_SQLITE_PATH"):
        parser.error("--reuse needs DATABASE_URL or SIJIN_SQLITE_PATH naming a loaded database")
    if not os.environ.get("DATABASE_URL") and not os.environ.get("SIJIN_SQLITE_PATH"):
        os.environ["SIJIN_SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    os.environ["SIJIN_VAR_DIR"] = os.environ.get("SIJIN_VAR_DIR") or tempfile.mkdtemp()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sijin.settings")
    os.environ["SIJIN_ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # logins are not measured
    call_command("migrate", verbosity=0, skip_checks=True)

    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from sijin.accounts.models import User
    from sijin.problems.models import Problem, ProblemEvent
    from sijin.synth import PROBLEM_WORDS, synth_load

    lines: list[str] = []

    def out(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    today = timezone.localdate()
    if args.reuse:
        result, loaded = reused(args.seed)
        args.problems = result.counts["problems"]
    else:
        t = time.perf_counter()
        result = synth_load(problems=args.problems, seed=args.seed, end=today, password="bench-only")
        loaded = f"loaded in {ms(time.perf_counter() - t)}"  # analyzed by synth_load on PostgreSQL
    users = result.users
    admin = User.objects.filter(username="bench-admin").first() or User.objects.create_superuser(
        "bench-admin", password="bench-only"
    )
    office, member, handler = users["synth-office"], users["synth-member"], users["synth-handler"]
    counts = result.counts
    out("# Benchmark results (`make bench`)")
    out()
    out(f"Run {timezone.localtime():%Y-%m-%d %H:%M}. Machine: {machine()}. Database: {engine()}.")
    out()
    out(
        f"Dataset (`sijin synth --problems {args.problems} --seed {args.seed}`, {loaded}): "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        + f". Personas: office = 活动办 of {office.grants.get().region.name} "
        f"({Problem.objects.visible_to(office).count():,} problems), member of one group "
        f"({Problem.objects.visible_to(member).count():,}), handler of one department "
        f"({Problem.objects.visible_to(handler).count():,}); admin changelist as a superuser (all rows)."
    )
    out()

    clients: dict[str, Client] = {}
    for user in (office, member, handler, admin):
        clients[user.username] = Client()
        clients[user.username].force_login(user)

    word = PROBLEM_WORDS[0]  # in about one title in fifteen
    page_size = 50
    status = "in_progress"

    def bare(qs) -> Callable[[], None]:
        sql, params = qs.query.sql_with_params()

        def run() -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()

        return run

    order = ("-reported_on", "-id")
    fields = ("id", "title", "status", "reported_on", "deadline", "target__name", "handling_org__name")

    def rows_of(user, **filters):
        return (
            Problem.objects.visible_to(user)
            .filter(**filters)
            .order_by(*order)
            .values_list(*fields)[:page_size]
        )

    # (name, login, url, bare SQL for its rows or None, the admin page on the same filter or None)
    pages = [
        ("问题台账 page 1, office", office, "/problems/", rows_of(office), "admin /admin/problems/problem/"),
        ("问题台账 page 1, member", member, "/problems/", rows_of(member), None),
        (
            f"问题台账 status={status}, office",
            office,
            f"/problems/?status={status}",
            rows_of(office, status=status),
            f"admin /admin/problems/problem/?status__exact={status}",
        ),
        (
            f"问题台账 q={word}, office",
            office,
            f"/problems/?q={word}",
            rows_of(office, title__contains=word),
            f"admin /admin/problems/problem/?q={word}",
        ),
        ("dashboard, office", office, "/reports/dashboard/", None, None),
        ("工作台, office", office, "/", None, None),
        ("工作台, handler", handler, "/", None, None),
        ("督办, office", office, "/problems/supervision/", None, None),
        ("admin changelist page 1", admin, "/admin/problems/problem/", None, None),
        (
            f"admin changelist status={status}",
            admin,
            f"/admin/problems/problem/?status__exact={status}",
            None,
            None,
        ),
        ("admin changelist search", admin, f"/admin/problems/problem/?q={word}", None, None),
    ]
    times: dict[str, list[float]] = {name: [] for name, *_ in pages}
    bare_times: dict[str, list[float]] = {name: [] for name, _, _, qs, _ in pages if qs is not None}
    queries: dict[str, int] = {}
    statuses: dict[str, int] = {}

    def get(user, url: str) -> int:
        return clients[user.username].get(url).status_code

    if "pages" in parts:
        for name, user, url, _, _ in pages:  # warm up, count queries
            with CaptureQueriesContext(connection) as captured:
                statuses[name] = get(user, url)
            queries[name] = len(captured.captured_queries)
        for _ in range(args.runs):
            for name, user, url, qs, _ in pages:
                t = time.perf_counter()
                get(user, url)
                times[name].append(time.perf_counter() - t)
                if qs is not None:
                    run = bare(qs)
                    t = time.perf_counter()
                    run()
                    bare_times[name].append(time.perf_counter() - t)

        out(f"## Pages ({args.runs} runs each, interleaved; the test Client through the real views)")
        out()
        out(
            "| page | HTTP | p50 | p95 | queries | × bare SQL for its rows (p50) | × admin on the same filter (p50) |"
        )
        out("|---|---|---|---|---|---|---|")
        p50 = {name: statistics.median(v) for name, v in times.items()}
        for name, _user, url, qs, admin_page in pages:
            vs_bare = f"{p50[name] / statistics.median(bare_times[name]):.1f}×" if qs is not None else "–"
            vs_admin = "–"
            if admin_page:
                admin_name = next(n for n, _, u, _, _ in pages if f"admin {u}" == admin_page)
                vs_admin = f"{p50[name] / p50[admin_name]:.2f}× (admin {ms(p50[admin_name])})"
            out(
                f"| {name} `{url}` | {statuses[name]} | {ms(p50[name])} | {ms(pct(times[name], 0.95))} | "
                f"{queries[name]} | {vs_bare} | {vs_admin} |"
            )
        out()
        out(
            "“× bare SQL”: the page's time over one SELECT of the same 50 rows (same scope filter, order and limit, "
            "with the target's and the unit's names joined). “× admin”: below 1 the page is faster than the admin's "
            "changelist on the same filter (the admin sees every row, the office one city)."
        )
        out()

    # Export: the office's 问题清单 against the openpyxl write-only floor for the same rows.
    from openpyxl import Workbook

    from sijin.reports.ledgers import ledger_export

    export_rows = Problem.objects.visible_to(office).count()

    def export() -> None:
        ledger_export("problems", office, io.BytesIO())

    def floor() -> None:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("问题")
        qs = Problem.objects.visible_to(office).order_by(*order)
        columns = (
            "id",
            "target__name",
            "target__kind__name",
            "title",
            "category__name",
            "region__name",
            "group__name",
            "handling_org__name",
            "level",
            "reported_on",
            "assigned_on",
            "deadline",
            "status",
            "resolved_on",
            "closed_on",
            "resolution",
        )
        for row in qs.values_list(*columns).iterator(chunk_size=2000):
            ws.append(row)
        wb.save(io.BytesIO())

    def measured(fn: Callable[[], None]) -> tuple[float, float]:
        t = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - t
        tracemalloc.start()
        fn()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return elapsed, peak / 2**20

    out("## Export, import, sweep")
    out()
    if "export" in parts:
        export_time, export_peak = measured(export)
        floor_time, floor_peak = measured(floor)
        out(
            f"- 问题清单 export for the office ({export_rows:,} rows): {ms(export_time)}, peak Python memory "
            f"{export_peak:,.0f} MB (tracemalloc) — {export_time / floor_time:.1f}× the openpyxl write-only floor "
            f"for the same rows and 16 columns ({ms(floor_time)}, {floor_peak:,.0f} MB)."
        )

    # With --reuse the database is left as it was: the import and the sweep are rolled back.
    with transaction.atomic() if args.reuse else contextlib.nullcontext():
        if "import" in parts:
            # Import of 10,000 problems (the import template, filled with the synthetic targets).
            from openpyxl import load_workbook

            from sijin.campaigns.models import Target
            from sijin.reports.imports import problem_template, problems_import
            from sijin.reports.ledgers import Header

            template = io.BytesIO()
            problem_template(template)
            wb = load_workbook(io.BytesIO(template.getvalue()))
            ws = wb.worksheets[0]
            header_row = next(r for r in ws.iter_rows(max_row=5) if any(c.value == Header.PROBLEM for c in r))
            col = {c.value: c.column for c in header_row}
            targets = list(
                Target.objects.filter(campaign=result.campaign).order_by("id").values_list("name", flat=True)
            )
            n_import = min(args.import_rows, args.problems)
            start_row = header_row[0].row + 1
            for i in range(n_import):
                ws.cell(start_row + i, col[Header.TARGET], targets[i % len(targets)])
                ws.cell(start_row + i, col[Header.PROBLEM], f"导入问题{i}")
                ws.cell(start_row + i, col[Header.REPORTED_ON], today.isoformat())
            filled = io.BytesIO()
            wb.save(filled)
            importer = users["synth-province"]
            before = Problem.objects.count()
            t = time.perf_counter()
            executed = [0]

            def count(execute, sql, params, many, context):
                executed[0] += 1
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                imported = problems_import(
                    actor=importer, campaign=result.campaign, source=io.BytesIO(filled.getvalue())
                )
            import_time = time.perf_counter() - t
            made = Problem.objects.count() - before
            if imported.ok:
                out(
                    f"- `import problems` of {n_import:,} rows: {ms(import_time)} = {made / import_time:,.0f} rows/s, "
                    f"{executed[0] / max(made, 1):.1f} queries a row."
                )
            else:
                out(
                    f"- `import problems` of {n_import:,} rows refused in {ms(import_time)}: {imported.errors[:3]}"
                )

        if "sweep" in parts:
            from sijin.problems.supervision import supervision_sweep

            events_before = ProblemEvent.objects.count()
            t = time.perf_counter()
            first = supervision_sweep(today=today)
            first_time = time.perf_counter() - t
            t = time.perf_counter()
            second = supervision_sweep(today=today)
            second_time = time.perf_counter() - t
            out(
                f"- sweep over {Problem.objects.count():,} problems: first {ms(first_time)} (催办 {first.urged:,}, 督办 "
                f"{first.supervised:,}, {ProblemEvent.objects.count() - events_before:,} events), second "
                f"{ms(second_time)} (催办 {second.urged}, 督办 {second.supervised}: idempotent)."
            )
        if args.reuse:
            transaction.set_rollback(True)
    out()
    out(
        f"_{today:%Y-%m-%d}: figures from one run; rerun with `make bench` (see the README, Running at province scale)._"
    )
    # One section per engine and size: a SQLite run keeps the PostgreSQL figures in the file, and so on.
    target = Path(args.out)
    tag = "<!-- engine: "
    sections = {}
    if target.exists():
        for part in target.read_text().split(tag)[1:]:
            sections[part.split(" -->", 1)[0]] = tag + part
    name = f"{engine().split()[0]}, {args.problems:,} problems"
    sections[name] = f"{tag}{name} -->\n" + "\n".join(lines) + "\n\n"
    target.write_text(
        "".join(sections[k] for k in sorted(sections, key=lambda k: (k.split(",")[0], len(k), k)))
    )
    print(f"\nwritten to {target}")


if __name__ == "__main__":
    main()
