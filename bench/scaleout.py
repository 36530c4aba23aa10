"""Scale-out on one machine (`make scaleout`): two `sijin serve` and two `sijin worker` on one PostgreSQL
behind nginx, under a bounded load of logged-in users, then checks in the database that nothing was lost or
done twice.

Topology (all on loopback, all real processes of the real engine):

    load threads ──► nginx :8190 ──least_conn──► sijin serve :8191 (gunicorn, 2 workers, var dir A)
                                  └────────────► sijin serve :8192 (gunicorn, 2 workers, var dir B)
    sijin worker w1, sijin worker w2 (background exports)      two `sijin sweep` started at the same moment
    all of them on one PostgreSQL database, one SIJIN_MEDIA_ROOT, one SIJIN_SECRET_KEY, one VAPID key pair

The load (``--seconds``, at most 120): offices, a group member and a handler reading the 工作台, the 问题台账,
the dashboard and problem pages; handlers and members posting 报告进展 on the same few problems with the version
their page showed (the real form: fetched, its hidden fields parsed, posted back), so that some are refused as
stale (409 “已被他人处理”); photos uploaded through one instance and downloaded through the other; background
exports started (either worker takes them); two sweeps at once, twice. Everything goes through nginx except
the uploads and downloads, which name their instance.

Checks afterwards, in the database: every accepted action wrote exactly one ProblemEvent and moved the version
by exactly one (0 lost, 0 doubled), the two sweeps wrote one 催办/督办 per problem per deadline, every photo is
read back byte-identical from both instances, every export finished once (one worker each). The results go to
bench/scaleout.md with the machine and the dataset.

Usage: python bench/scaleout.py [--problems 20000] [--seconds 60] [--port 8190]
       DATABASE_URL=postgres://postgres@127.0.0.1:5432/sijin_scaleout (default): dropped and created again if it
       is empty or was made by this script; a database with other tables in it is refused, never dropped.
"""

import argparse
import getpass
import hashlib
import io
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # after PYTHONPATH and the installed package
SIJIN = str(Path(sys.executable).with_name("sijin"))
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/sijin_scaleout"
PASSWORD = "scaleout-" + secrets.token_urlsafe(8)
STALE = "已被他人处理"
MARKER = "sijin bench/scaleout.py"  # the comment on the database it makes: only such a one is dropped again
ACT_RE = re.compile(r"/problems/(\d+)/act/([a-z_]+)/$")
ATTACHMENT_RE = re.compile(r"/problems/attachments/(\d+)/")
EXPORT_RE = re.compile(r"/reports/exports/(\d+)/")


# ---- forms of a page ------------------------------------------------------------------------------------------
class Forms(HTMLParser):
    """The forms of a page as a browser would post them: action, method and the values of their fields."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "img" and a.get("src"):
            self.links.append(a["src"])
        if tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": a.get("method", "get").lower(),
                "fields": {},
            }
            self.forms.append(self._form)
        if self._form is None or (not a.get("name") and tag != "option"):
            return
        fields = self._form["fields"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file", "image", "reset"):
                fields[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            fields[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and (self._select not in fields or "selected" in a):
            fields[self._select] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(html: str) -> Forms:
    parser = Forms()
    parser.feed(html)
    return parser


READ_PAGES = [
    ("工作台 /", "/"),
    ("问题台账 /problems/", "/problems/"),
    ("问题台账 ?status=in_progress", "/problems/?status=in_progress"),
    ("dashboard /reports/dashboard/", "/reports/dashboard/"),
    ("督办 /problems/supervision/", "/problems/supervision/"),
]
PROBLEM_PAGE = "问题页 /problems/<id>/"
ACT_PAGE = "报告进展 POST act/progress"


# ---- what the load saw ------------------------------------------------------------------------------------------
@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    upstreams: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    accepted: list[tuple[int, int, str]] = field(default_factory=list)  # (problem, version seen, upstream)
    stale: int = 0
    refused: Counter = field(default_factory=Counter)  # other refusals of an action, by status
    photos: list[tuple[int, int, str, str]] = field(default_factory=list)  # (problem, attachment, up, down)
    exports: list[int] = field(default_factory=list)
    timeline: list[tuple[str, float, float]] = field(
        default_factory=list
    )  # (page, began (monotonic), seconds)
    sweeping: list[tuple[float, float]] = field(default_factory=list)  # when a sweep process ran (monotonic)

    def record(
        self, page: str, at: float, seconds: float, response: requests.Response | None, error: str = ""
    ) -> None:
        with self.lock:
            self.times[page].append(seconds)
            self.timeline.append((page, at, seconds))
            if response is None:
                self.statuses[page]["error"] += 1
                if len(self.errors) < 50:
                    self.errors.append(f"{page}: {error}")
                return
            self.statuses[page][response.status_code] += 1
            if upstream := response.headers.get("X-Upstream"):
                self.upstreams[upstream] += 1


class User:
    """One logged-in browser: its own session cookie, CSRF cookie and timings."""

    def __init__(self, base: str, username: str, stats: Stats):
        self.base, self.username, self.stats = base, username, stats
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "sijin-scaleout"

    def request(self, page: str, method: str, url: str, base: str | None = None, **kwargs):
        url = urljoin(base or self.base, url)
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("allow_redirects", False)
        if method == "POST":  # Django's CSRF check wants the page it came from on HTTPS only; sent anyway
            kwargs.setdefault("headers", {})["Referer"] = url
        t = time.monotonic()
        try:
            response = self.http.request(method, url, **kwargs)
        except requests.RequestException as exc:
            self.stats.record(page, t, time.monotonic() - t, None, f"{type(exc).__name__}: {exc}")
            return None
        self.stats.record(page, t, time.monotonic() - t, response)
        return response

    def login(self) -> None:
        response = self.request("登录 GET /login/", "GET", "/login/")
        assert response is not None and response.status_code == 200, response
        fields = next(f for f in page_forms(response.text).forms if "password" in f["fields"])["fields"]
        fields |= {"username": self.username, "password": PASSWORD}
        response = self.request("登录 POST /login/", "POST", "/login/", data=fields)
        if response is None or response.status_code != 302:
            raise SystemExit(f"{self.username} 未能登录:{response and response.status_code}")


# ---- processes ------------------------------------------------------------------------------------------------
class Processes:
    """The servers, workers and nginx this run started; stopped by their own process group ids at the end."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (kept open for the process's life)
        process = subprocess.Popen(
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running.append((name, process))
        return process

    def stop(self) -> None:
        for _name, process in reversed(self.running):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in self.running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                print(f"{name} did not stop on SIGTERM; killing it", flush=True)
                os.killpg(process.pid, signal.SIGKILL)


def wait_http(url: str, process: subprocess.Popen, name: str, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=5).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{name} did not answer at {url} within {seconds:.0f} s:\n{log.read_text()[-3000:]}")


def run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def count_connections(url: str, stop: threading.Event, seen: list[int]) -> None:
    """The database's open connections, once a second (for max_connections against the processes)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        while not stop.is_set():
            seen.append(
                db.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                ).fetchone()[0]  # type: ignore[index]
            )
            stop.wait(1)


def pg_settings() -> str:
    from django.db import connection

    names = ("shared_buffers", "work_mem", "max_connections", "effective_cache_size", "random_page_cost")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)", [list(names)]
        )
        found = dict(cursor.fetchall())
    return ", ".join(f"{n} {found[n]}" for n in names if n in found)


def database_recreate(url: str) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        raise SystemExit(
            f"DATABASE_URL must be PostgreSQL (the point is several processes on one database): {url}"
        )
    name = config["NAME"]
    server: dict[str, Any] = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
        "autocommit": True,
    }
    with psycopg.connect(dbname="postgres", **server) as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if row is not None and row[0] != MARKER:
            # Never drop a database with data in it that this bench did not make (DATABASE_URL may be set for
            # the real site in the same shell).
            with psycopg.connect(dbname=name, **server) as existing:
                tables = existing.execute(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                ).fetchone()[0]  # type: ignore[index]
            if tables:
                raise SystemExit(
                    f"数据库 {name} 已有 {tables} 张表且不是本测试创建的,未删除。请用 DATABASE_URL 指定一个空库或新库名。"
                )
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        admin.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(MARKER))
        )


# ---- the load ---------------------------------------------------------------------------------------------------
def photo_bytes(seed: int) -> bytes:
    from PIL import Image

    # About 200 KB of noise: more than nginx keeps in memory (client_body_buffer_size), as a real photo is.
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (320, 240), rng.randbytes(320 * 240 * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class Load:
    def __init__(self, args, nginx: str, instances: list[str], plan: dict, stats: Stats):
        self.args, self.nginx, self.instances, self.plan, self.stats = args, nginx, instances, plan, stats
        self.stop = threading.Event()

    def user(self, username: str) -> User:
        user = User(self.nginx, username, self.stats)
        user.login()
        return user

    def reader(self, username: str, seed: int) -> None:
        rng = random.Random(seed)
        user = self.user(username)
        pages = READ_PAGES
        visible = self.plan["visible"][username]
        while not self.stop.is_set():
            if rng.random() < 0.4 and visible:
                user.request(PROBLEM_PAGE, "GET", f"/problems/{rng.choice(visible)}/")
            else:
                name, url = rng.choice(pages)
                user.request(name, "GET", url)
            self.stop.wait(rng.uniform(0.05, 0.3))

    def actor(self, username: str, seed: int) -> None:
        """报告进展 on the same few problems as the other actors, with the version the page showed."""
        rng = random.Random(seed)
        user = self.user(username)
        hot = self.plan["hot"][username]
        n = 0
        while not self.stop.is_set():
            pk = rng.choice(hot)
            page = user.request(PROBLEM_PAGE, "GET", f"/problems/{pk}/")
            if page is None or page.status_code != 200:
                self.stop.wait(0.5)
                continue
            form = next(
                (f for f in page_forms(page.text).forms if f["action"].endswith(f"/{pk}/act/progress/")), None
            )
            if form is None:
                with self.stats.lock:
                    self.stats.errors.append(f"{username}: no 报告进展 form on problem {pk}")
                self.stop.wait(1)
                continue
            # The fields carry the action as their prefix (progress-version, progress-comment …).
            fields = {k: ("" if "measure" in k else v) for k, v in form["fields"].items()}
            seen = int(fields["progress-version"])
            n += 1
            fields["progress-comment"] = f"压测进展 {username} #{n}(看到版本 {seen})"
            self.stop.wait(rng.uniform(0.0, 0.6))  # reading the page: others may act meanwhile
            response = user.request(ACT_PAGE, "POST", form["action"], data=fields)
            if response is None:
                continue
            upstream = response.headers.get("X-Upstream", "")
            with self.stats.lock:
                if response.status_code == 302:
                    self.stats.accepted.append((pk, seen, upstream))
                elif response.status_code == 409 and STALE in response.text:
                    self.stats.stale += 1
                else:
                    self.stats.refused[response.status_code] += 1
            self.stop.wait(rng.uniform(0.1, 0.5))

    def photographer(self, username: str, seed: int) -> None:
        """添加照片 through one instance, then the photo read through the other (and through nginx)."""
        rng = random.Random(seed)
        user = self.user(username)
        targets = self.plan["photo"][username]
        n = 0
        while not self.stop.is_set():
            pk = targets[n % len(targets)]
            up, down = self.instances[n % 2], self.instances[(n + 1) % 2]
            n += 1
            page = user.request("问题页 (instance) /problems/<id>/", "GET", f"/problems/{pk}/", base=up)
            if page is None or page.status_code != 200:
                self.stop.wait(1)
                continue
            forms = page_forms(page.text)
            before = {int(m) for link in forms.links for m in ATTACHMENT_RE.findall(link)}
            form = next(f for f in forms.forms if f["action"].endswith(f"/{pk}/photos/"))
            fields = dict(form["fields"]) | {"comment": f"压测照片 #{n}"}
            files = {"photos": (f"scaleout-{n}.png", photo_bytes(seed * 1000 + n), "image/png")}
            response = user.request(
                "添加照片 POST (instance) photos", "POST", form["action"], base=up, data=fields, files=files
            )
            if response is None or response.status_code != 302:
                with self.stats.lock:
                    self.stats.refused[f"photo {response and response.status_code}"] += 1
                continue
            page = user.request("问题页 (instance) /problems/<id>/", "GET", f"/problems/{pk}/", base=down)
            if page is None or page.status_code != 200:
                continue
            after = {int(m) for link in page_forms(page.text).links for m in ATTACHMENT_RE.findall(link)}
            for attachment in sorted(after - before):
                got = user.request(
                    "照片 GET (other instance) attachments/<id>/", "GET", f"/problems/attachments/{attachment}/",
                    base=down,
                )  # fmt: skip
                if got is not None and got.status_code == 200:
                    with self.stats.lock:
                        self.stats.photos.append((pk, attachment, up, down))
            self.stop.wait(rng.uniform(0.5, 1.5))

    def exporter(self, username: str, seed: int) -> None:
        """后台导出 from the 清单 page, every few seconds; the workers take them."""
        rng = random.Random(seed)
        user = self.user(username)
        kinds = ["problems", "handling", "effect", "visits"]
        n = 0
        while not self.stop.is_set():
            page = user.request("清单 /reports/ledgers/", "GET", "/reports/ledgers/")
            if page is None or page.status_code != 200:
                self.stop.wait(1)
                continue
            forms = [f for f in page_forms(page.text).forms if "/export/" in f["action"]]
            started = []
            for kind in (
                kinds[n % len(kinds)],
                kinds[(n + 1) % len(kinds)],
            ):  # two at once: both workers busy
                form = next((f for f in forms if f"/ledgers/{kind}/export/" in f["action"]), None)
                if form is None:
                    with self.stats.lock:
                        self.stats.errors.append(f"no export form for {kind} on the 清单 page")
                    continue
                response = user.request(
                    "后台导出 POST ledgers/<kind>/export/", "POST", form["action"], data=form["fields"]
                )
                location = response.headers.get("Location", "") if response is not None else ""
                if match := EXPORT_RE.search(location):
                    started.append(location)
                    with self.stats.lock:
                        self.stats.exports.append(int(match.group(1)))
                else:
                    with self.stats.lock:
                        self.stats.refused[f"export {response and response.status_code}"] += 1
            for location in started:
                user.request("导出进度 /reports/exports/<id>/", "GET", location)
            n += 2
            self.stop.wait(rng.uniform(6, 10))


# ---- main -------------------------------------------------------------------------------------------------------
def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def sweep_pair(
    env: dict[str, str], logs: Path, tag: str, date: str | None, t0: float, stats: Stats
) -> list[str]:
    """Two `sijin sweep` processes started at the same instant (a barrier): what each said, and when it ran
    (seconds from the start of the load)."""
    argv = [SIJIN, "sweep", *(["--date", date] if date else [])]
    barrier = threading.Barrier(2)
    outputs = ["", ""]

    def one(i: int) -> None:
        barrier.wait()
        start = time.monotonic() - t0
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        end = time.monotonic() - t0
        with stats.lock:
            stats.sweeping.append((t0 + start, t0 + end))
        (logs / f"sweep-{tag}-{i}.log").write_text(done.stdout + done.stderr)
        said = (done.stdout.strip().splitlines() or [f"exit {done.returncode}: {done.stderr[-300:]}"])[0]
        outputs[i] = f"{said} ({start:.1f}–{end:.1f} s)"

    threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outputs


def main() -> None:
    from run import engine, machine  # bench/run.py

    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=60, help="length of the load (at most 120)")
    parser.add_argument("--port", type=int, default=8190, help="nginx; the instances take the next two")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, uploads)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("scaleout.md")))
    args = parser.parse_args()
    args.seconds = max(10, min(args.seconds, 120))
    url = os.environ.get("DATABASE_URL") or DEFAULT_DB  # (not reused below for anything else)
    work = Path(tempfile.mkdtemp(prefix="sijin-scaleout-"))
    logs = work / "logs"
    for d in ("logs", "media", "var-a", "var-b", "var-w1", "var-w2", "var-cli", "nginx"):
        (work / d).mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIJIN_")}
    env |= {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "sijin.settings",
        "SIJIN_MEDIA_ROOT": str(work / "media"),  # the shared storage (NFS or the like on two machines)
        "SIJIN_SECRET_KEY": secrets.token_urlsafe(50),  # sessions, CSRF and form tokens valid on both
        "SIJIN_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SIJIN_VAR_DIR": str(work / "var-cli"),
        "SIJIN_WORKERS": "2",
    }
    os.environ.update(env)
    print(f"scale-out run in {work}; database {url} (dropped and created again)", flush=True)
    database_recreate(url)
    run([SIJIN, "manage", "migrate", "--noinput"], env)
    # The Web Push (VAPID) pair, made once in var-cli and shared by every instance below.
    run([SIJIN, "manage", "shell", "-c", "from sijin.core.webpush import vapid_keys; vapid_keys()"], env)
    env |= {
        "SIJIN_VAPID_PRIVATE_KEY_FILE": str(work / "var-cli" / "vapid_private.pem"),
        "SIJIN_VAPID_PUBLIC_KEY": (work / "var-cli" / "vapid_public.txt").read_text().strip(),
    }
    os.environ.update(env)
    t = time.perf_counter()
    synth_out = run(
        [SIJIN, "synth", "--problems", str(args.problems), "--seed", str(args.seed), "--password", PASSWORD],
        env,
    )
    load_time = time.perf_counter() - t
    print(synth_out.strip(), flush=True)

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count, Max
    from django.db.models.functions import Cast
    from django.utils import timezone

    from sijin.accounts import access
    from sijin.accounts.models import Role
    from sijin.accounts.models import User as Account
    from sijin.problems.models import WORKING_STATUSES, Action, Problem, ProblemAttachment, ProblemEvent
    from sijin.reports.models import ExportJob

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    accounts = {u.username: u for u in Account.objects.filter(username__startswith="synth-")}
    office, member, handler = accounts["synth-office"], accounts["synth-member"], accounts["synth-handler"]

    def actable(user, role_set, n: int, skip: set[int] = frozenset()) -> list[int]:  # type: ignore[assignment]
        found = []
        qs = Problem.objects.visible_to(user).filter(status__in=WORKING_STATUSES).order_by("id")
        for problem in qs[:400]:
            if problem.pk not in skip and access.acting_roles(user, problem) & role_set:
                found.append(problem.pk)
                if len(found) == n:
                    break
        return found

    hot_handler = actable(handler, {Role.HANDLER}, 6)
    hot_member = actable(member, {Role.MEMBER, Role.GROUP_LEADER}, 6)
    photo_targets = actable(
        member, {Role.MEMBER, Role.GROUP_LEADER}, 10, skip=set(hot_member) | set(hot_handler)
    )
    if not (hot_handler and hot_member and photo_targets):
        raise SystemExit(f"too few problems to act on: {hot_handler=} {hot_member=} {photo_targets=}")

    def sample(user) -> list[int]:
        return list(Problem.objects.visible_to(user).order_by("?").values_list("pk", flat=True)[:300])

    plan = {
        "hot": {"synth-handler": hot_handler, "synth-member": hot_member},
        "photo": {"synth-member": photo_targets},
        "visible": {u.username: sample(u) for u in (office, member, handler)},
    }
    hot = hot_handler + hot_member
    version_before = dict(Problem.objects.filter(pk__in=hot).values_list("pk", "version"))
    event_floor = ProblemEvent.objects.aggregate(m=Max("id"))["m"] or 0

    # ---- start the machines --------------------------------------------------------------------------------
    procs = Processes(logs)
    port_a, port_b = args.port + 1, args.port + 2
    instances = [f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"]
    nginx_base = f"http://127.0.0.1:{args.port}"
    stats = Stats()
    sweeps: list[tuple[str, list[str]]] = []
    try:
        for name, port, var in (("serve-a", port_a, "var-a"), ("serve-b", port_b, "var-b")):
            procs.start(
                name,
                [SIJIN, "serve"],
                # Behind one proxy: the client's address (logins, lockouts) is the last X-Forwarded-For hop.
                env
                | {
                    "SIJIN_BIND": f"127.0.0.1:{port}",
                    "SIJIN_VAR_DIR": str(work / var),
                    "SIJIN_PROXY_COUNT": "1",
                },
            )
        for name, var in (("worker-w1", "var-w1"), ("worker-w2", "var-w2")):
            procs.start(
                name,
                [SIJIN, "worker", "--worker-id", name, "--interval", "0.5"],
                env | {"SIJIN_VAR_DIR": str(work / var)},
            )
        prefix = work / "nginx"
        conf = (ROOT / "bench" / "scaleout-nginx.conf").read_text()
        # As root, nginx's workers would run as nobody and could not write its temporary files under the prefix.
        user_line = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
        values = {
            "@PREFIX@": prefix,
            "@PORT@": args.port,
            "@PORT_A@": port_a,
            "@PORT_B@": port_b,
            "@USER@": user_line,
        }
        for key, value in values.items():
            conf = conf.replace(key, str(value))
        (prefix / "nginx.conf").write_text(conf)
        test = subprocess.run(
            [NGINX, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")], capture_output=True, text=True
        )
        if test.returncode:
            raise SystemExit(f"nginx -t: {test.stderr}")
        nginx = procs.start("nginx", [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")], env)
        for (name, process), base in zip(procs.running[:2], instances, strict=True):
            wait_http(f"{base}/login/", process, name, logs / f"{name}.log")
        wait_http(f"{nginx_base}/login/", nginx, "nginx", prefix / "error.log")
        print(f"up: nginx {nginx_base} → {', '.join(instances)}; workers w1, w2", flush=True)

        # ---- the baseline: the same pages for one user at a time, nothing else running -----------------------
        load_before = os.getloadavg()[0]  # the machine may be shared: say how busy it was
        idle = Stats()
        alone = User(nginx_base, "synth-office", idle)
        alone.login()
        sample_pks = plan["visible"]["synth-office"][:5]
        for run_no in range(6):  # the first round warms up and is dropped
            for name, path in [*READ_PAGES, (PROBLEM_PAGE, f"/problems/{sample_pks[run_no % 5]}/")]:
                alone.request(name, "GET", path)
        idle_p50 = {name: statistics.median(v[1:]) for name, v in idle.times.items() if len(v) > 1}

        # ---- the load ----------------------------------------------------------------------------------------
        load = Load(args, nginx_base, instances, plan, stats)
        roles = [
            (load.reader, "synth-office"), (load.reader, "synth-office"), (load.reader, "synth-member"),
            (load.reader, "synth-handler"),
            (load.actor, "synth-handler"), (load.actor, "synth-handler"), (load.actor, "synth-handler"),
            (load.actor, "synth-member"), (load.actor, "synth-member"), (load.actor, "synth-member"),
            (load.photographer, "synth-member"), (load.exporter, "synth-office"),
        ]  # fmt: skip
        threads = [
            threading.Thread(target=fn, args=(who, i + 1), daemon=True) for i, (fn, who) in enumerate(roles)
        ]
        connections: list[int] = []
        threads.append(
            threading.Thread(target=count_connections, args=(url, load.stop, connections), daemon=True)
        )
        started = time.monotonic()
        for thread in threads:
            thread.start()
        today = timezone.localdate()
        ahead = (today + timedelta(days=10)).isoformat()
        pairs = []
        for at, tag, date in ((0.25, "today", None), (0.6, "ahead", ahead)):
            time.sleep(max(0.0, started + args.seconds * at - time.monotonic()))
            label = f"{tag} ({date or today.isoformat()}, started at {time.monotonic() - started:.0f} s)"
            result: list[str] = []
            pair = threading.Thread(
                target=lambda r=result, t=tag, d=date: r.extend(sweep_pair(env, logs, t, d, started, stats)),
                daemon=True,
            )
            pair.start()
            pairs.append((label, result, pair))
        time.sleep(max(0.0, started + args.seconds - time.monotonic()))
        load.stop.set()
        for thread in threads:
            thread.join(timeout=90)
        elapsed = time.monotonic() - started
        load_after = os.getloadavg()[0]
        for label, result, pair in pairs:
            pair.join()
            sweeps.append((label, result))
            print(f"sweeps {label}: {result}", flush=True)
        print(f"load done in {elapsed:.0f} s; waiting for the exports", flush=True)
        deadline = time.monotonic() + 180
        while (
            time.monotonic() < deadline
            and ExportJob.objects.filter(pk__in=stats.exports).exclude(status__in=("done", "failed")).exists()
        ):
            time.sleep(1)
        # A third sweep on each date afterwards: nothing left to remind (idempotent).
        again = [
            run([SIJIN, "sweep", *(["--date", d] if d else [])], env).strip().splitlines()[0]
            for d in (None, ahead)
        ]

        # ---- reading back through both instances --------------------------------------------------------------
        reader = User(instances[0], "synth-member", stats)
        reader.login()
        photo_rows = []
        for _pk, attachment, _up, _down in stats.photos:
            bodies = []
            for base in [*instances, nginx_base]:
                got = reader.request(
                    "照片 GET (check) attachments/<id>/",
                    "GET",
                    f"/problems/attachments/{attachment}/",
                    base=base,
                )
                bodies.append(
                    hashlib.sha256(got.content).hexdigest()
                    if got is not None and got.status_code == 200
                    else None
                )
            photo_rows.append(bodies)
        exporter = User(instances[1], "synth-office", stats)
        exporter.login()
        export_reads = []
        for pk in stats.exports:
            bodies = []
            for base in instances:
                got = exporter.request(
                    "导出下载 (check) exports/<id>.xlsx", "GET", f"/reports/exports/{pk}.xlsx", base=base
                )
                bodies.append(
                    hashlib.sha256(got.content).hexdigest()
                    if got is not None and got.status_code == 200
                    else None
                )
            export_reads.append(bodies)
    finally:
        procs.stop()

    # ---- the checks ----------------------------------------------------------------------------------------------
    connection.close()
    checks: list[tuple[str, bool, str]] = []
    new_events = ProblemEvent.objects.filter(id__gt=event_floor)
    reminders = (Action.URGE, Action.SUPERVISE)
    moves = new_events.filter(problem_id__in=hot).exclude(action__in=(*reminders, Action.PHOTO))
    events_by = Counter(moves.values_list("problem_id", flat=True))
    other_moves = moves.exclude(action=Action.PROGRESS).count()
    version_after = dict(Problem.objects.filter(pk__in=hot).values_list("pk", "version"))
    accepted_by = Counter(pk for pk, _v, _u in stats.accepted)
    seen_pairs = Counter((pk, v) for pk, v, _u in stats.accepted)
    doubled_accept = sum(n - 1 for n in seen_pairs.values() if n > 1)
    lost = sum(max(0, accepted_by[pk] - events_by[pk]) for pk in hot)
    doubled = sum(max(0, events_by[pk] - accepted_by[pk]) for pk in hot)
    version_off = [pk for pk in hot if version_after[pk] - version_before[pk] != events_by[pk]]
    chained = all(
        sorted(v for p, v, _u in stats.accepted if p == pk)
        == list(range(version_before[pk], version_before[pk] + accepted_by[pk]))
        for pk in hot
    )
    by_instance = Counter(u for _p, _v, u in stats.accepted)
    checks.append((
        "每个被接受的操作恰好一条 ProblemEvent(0 丢失、0 重复)",
        lost == 0 and doubled == 0 and other_moves == 0,
        f"{len(stats.accepted)} accepted (302) on {len(hot)} problems, {sum(events_by.values())} events written; "
        f"lost {lost}, doubled {doubled}; accepted per instance: "
        + ", ".join(f"{k} {v}" for k, v in sorted(by_instance.items())),
    ))  # fmt: skip
    checks.append((
        "版本每次恰好 +1,且被接受的“看到的版本”首尾相接",
        not version_off and chained and doubled_accept == 0,
        f"version moved by the number of events on {len(hot) - len(version_off)}/{len(hot)} problems; "
        f"accepted versions form v0…v0+n−1 on each: {'yes' if chained else 'no'}; "
        f"two acceptances of one seen version: {doubled_accept}",
    ))  # fmt: skip
    checks.append((
        "过期版本被拒绝(409“已被他人处理”)",
        stats.stale > 0,
        f"{stats.stale} stale refusals; other refusals: {dict(stats.refused) or 'none'}",
    ))  # fmt: skip
    sweep_events = new_events.filter(action__in=reminders, actor__isnull=True)
    groups = (
        sweep_events.annotate(
            deadline=Cast("data__deadline", output_field=ProblemEvent._meta.get_field("comment"))
        )
        .values("problem_id", "action", "deadline")
        .annotate(n=Count("id"))
    )
    twice = [g for g in groups if g["n"] > 1]
    claimed = 0
    for _tag, outs in sweeps:
        for line in outs:
            claimed += sum(int(x) for x in re.findall(r"(?:催办|督办) (\d+) 件", line))
    checks.append((
        "两个同时运行的巡检:每个问题每个期限只催办/督办一次",
        not twice and claimed == sweep_events.count(),
        f"{sweep_events.count()} reminders written ({sweep_events.filter(action=Action.URGE).count()} 催办, "
        f"{sweep_events.filter(action=Action.SUPERVISE).count()} 督办), the sweeps reported {claimed}; "
        f"doubled (problem, kind, deadline): {len(twice)}",
    ))  # fmt: skip
    checks.append((
        "巡检可重复:之后再巡检一次没有新提醒",
        all(re.findall(r"(?:催办|督办) (\d+) 件", line) == ["0", "0"] for line in again),
        "; ".join(again),
    ))  # fmt: skip
    photo_ok = [b for b in photo_rows if None not in b and len(set(b)) == 1]
    stored = ProblemAttachment.objects.filter(event__id__gt=event_floor, event__action=Action.PHOTO)
    on_disk = sum((Path(env["SIJIN_MEDIA_ROOT"]) / (a.file.name or "-")).is_file() for a in stored)
    checks.append((
        "照片经一个实例上传,另一个实例可读(共享存储)",
        bool(photo_rows) and len(photo_ok) == len(photo_rows) and on_disk == stored.count() == len(photo_rows),
        f"{len(photo_rows)} photos uploaded; byte-identical through {port_a}, {port_b} and nginx: {len(photo_ok)}; "
        f"stored under the shared SIJIN_MEDIA_ROOT: {on_disk}/{stored.count()}",
    ))  # fmt: skip
    from django_tasks_db.models import DBTaskResult

    jobs = list(ExportJob.objects.filter(pk__in=stats.exports))
    done = [j for j in jobs if j.status == "done" and j.finished_at and j.file]
    results = {
        str(r.id): r for r in DBTaskResult.objects.filter(id__in=[j.task_id for j in jobs if j.task_id])
    }
    once = [
        j
        for j in jobs
        if (r := results.get(j.task_id)) and r.status == "SUCCESSFUL" and len(r.worker_ids) == 1
    ]
    workers = Counter(results[j.task_id].worker_ids[0] for j in once)
    readable = sum(1 for b in export_reads if None not in b and len(set(b)) == 1)
    checks.append((
        "每个后台导出恰好完成一次(任一 worker),两个实例都能下载",
        bool(jobs) and len(done) == len(once) == len(jobs) == readable,
        f"{len(jobs)} exports started, {len(done)} done, run once by one worker: {len(once)} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(workers.items()))}); same file through both instances: {readable}",
    ))  # fmt: skip

    verify = subprocess.run([SIJIN, "audit", "verify"], env=env, capture_output=True, text=True)
    checks.append((
        "审计日志哈希链完整(两个实例、两个 worker、四个巡检同时写)",
        verify.returncode == 0,
        (verify.stdout.strip() or verify.stderr.strip()[-300:]).splitlines()[0],
    ))  # fmt: skip

    # ---- the report ----------------------------------------------------------------------------------------------
    lines: list[str] = []

    def out(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    total = sum(len(v) for v in stats.times.values())
    statuses: Counter[int | str] = Counter()
    for counter in stats.statuses.values():
        statuses.update(counter)
    out("# Scale-out results (`make scaleout`)")
    out()
    out(f"Run {timezone.localtime():%Y-%m-%d %H:%M %Z}. Machine: {machine()}; 1-minute load average "
        f"{load_before:.1f} before the load (other work on the machine), {load_after:.1f} at its end, so the "
        f"figures are for this machine at this moment, best read as ratios. Database: {engine()}.")  # fmt: skip
    out()
    out(f"Dataset: `sijin synth --problems {args.problems:,} --seed {args.seed}` (loaded in {load_time:.0f} s). "
        f"Topology: nginx {nginx_base} (least_conn) → two `sijin serve` (gunicorn, SIJIN_WORKERS=2 each) on "
        f":{port_a} and :{port_b}, two `sijin worker` (w1, w2), one PostgreSQL database, one SIJIN_MEDIA_ROOT, "
        f"one SIJIN_SECRET_KEY; config bench/scaleout-nginx.conf. PostgreSQL as installed: {pg_settings()}; "
        f"open connections to the database during the load: at most {max(connections, default=0)} "
        f"(median {statistics.median(connections) if connections else 0:.0f}).")  # fmt: skip
    out()
    out(f"Load: {len(roles)} logged-in users for {elapsed:.0f} s — 4 readers (2 × synth-office, synth-member, "
        "synth-handler: 工作台, 问题台账, dashboard, 督办, problem pages), 6 actors (3 × synth-handler, 3 × "
        "synth-member) posting 报告进展 with the version their page showed on the same "
        f"{len(hot_handler)} + {len(hot_member)} problems, 1 member adding photos through one instance and "
        "reading them through the other, 1 office starting background exports; two `sijin sweep` at the same "
        "instant, twice (today, and ten days ahead).")  # fmt: skip
    out()
    out(f"{total:,} requests, {total / elapsed:,.1f}/s; by instance (X-Upstream): "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(stats.upstreams.items()))
        + "; by status: " + ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items(), key=str)) + ".")  # fmt: skip
    out()
    out("| page | requests | p50 | p95 | p50 × alone | statuses |")
    out("|---|---|---|---|---|---|")
    for page in sorted(stats.times, key=lambda p: -len(stats.times[p])):
        took = stats.times[page]
        p50 = statistics.median(took)
        base = f"{p50 / idle_p50[page]:.1f}× ({ms(idle_p50[page])})" if page in idle_p50 else "–"
        st = ", ".join(f"{k}: {v}" for k, v in sorted(stats.statuses[page].items(), key=str))
        out(f"| {page} | {len(took):,} | {ms(p50)} | {ms(pct(took, 0.95))} | {base} | {st} |")
    out()
    out("“× alone”: the page's p50 under the load over its p50 for synth-office alone, the load not yet started, "
        "through the same nginx (5 runs each, measured in this run). Pages marked (instance) or (other instance) "
        "name their instance; all others go through nginx. A 302 after a POST is the form accepted; 409 the stale "
        "version refused.")  # fmt: skip
    out()
    out("Sweeps (two processes started at the same instant):")
    out()
    for tag, outs in sweeps:
        out(f"- {tag}: " + " | ".join(outs))
    out()

    def during(at: float) -> bool:
        return any(a <= at <= b for a, b in stats.sweeping)

    rows = []
    for page in (ACT_PAGE, PROBLEM_PAGE, "dashboard /reports/dashboard/"):
        inside = [sec for p, at, sec in stats.timeline if p == page and during(at)]
        outside = [sec for p, at, sec in stats.timeline if p == page and not during(at)]
        if inside and outside:
            rows.append(
                f"{page}: p50 {ms(statistics.median(inside))} while a sweep ran ({len(inside)}), "
                f"{ms(statistics.median(outside))} otherwise ({len(outside)})"
            )
    if rows:
        out("Under the sweeps: " + "; ".join(rows) + ".")
        out()
    out("## Checks")
    out()
    for name, ok, detail in checks:
        out(f"- {'PASS' if ok else 'FAIL'} — {name}: {detail}")
    if stats.errors:
        out()
        out("Errors seen by the load (first 10): " + "; ".join(stats.errors[:10]))
    out()
    out(
        f"_{timezone.localdate():%Y-%m-%d}: one run; rerun with `make scaleout` (README, Running at province scale)._"
    )
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {args.out}; logs in {work if args.keep else '(removed; --keep to keep)'}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    if not all(ok for _n, ok, _d in checks):
        sys.exit(1)


if __name__ == "__main__":
    main()
