"""A synthetic province for benchmarks and scale tests (``sijin synth --problems N [--seed S]``).

The real region codes of one province (the regions CSV, loaded as the demo loads it), about a hundred work
groups per 100,000 problems, about two thousand units, targets, visits with counts, problems spread over the
whole workflow and two years with their events (each history a path through ``problems.workflow.TRANSITIONS``),
outcomes and measures. Everything is deterministic: the same seed, size and end date give the same rows.

Like ``sijin demo`` this is a loader, but a bulk one: the campaign, its configuration and the logins go
through the service functions (and are audited as usual); the bulk rows (units, people, groups, targets,
visits, problems, events, outcomes, measures) are inserted directly — COPY on PostgreSQL, batched
``executemany`` elsewhere — and audited by ONE summary row, not a row each. The rows keep every rule that
real data keeps: a problem's region and group are its target's, its deadline follows its assignment, its
dates follow its events in order, every status change is a step of the workflow table. The dashboard's kept
tallies (problems.tally: the problems' counts and the 成效 sums) are recounted once after the problems and
outcomes are in, with their triggers off meanwhile.
"""

import json
import math
import random
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

from sijin.accounts.models import Role, User
from sijin.accounts.services import user_role_ensure
from sijin.campaigns import services as campaigns
from sijin.campaigns.models import Campaign, Membership, Target, WorkGroup
from sijin.core.audit import audit
from sijin.core.models import AuditAction
from sijin.core.workdays import add_workdays
from sijin.demo import CATEGORIES, INDICATORS, KINDS
from sijin.directory.models import Organization, Person, Region, RegionLevel
from sijin.directory.services import regions_load
from sijin.fieldwork.models import Measure, Outcome, Visit
from sijin.problems.models import NEXT_LEVEL, Level, Problem, ProblemEvent, Status
from sijin.problems.tally import tally_triggers_off
from sijin.problems.workflow import TRANSITIONS

S = Status
MAX_PROBLEMS = 5_000_000
MEASURE_TYPES = ["政策宣讲", "协调会", "对接会", "座谈会", "现场督导", "上门服务"]
BUREAUS = [
    "发展和改革局",
    "教育局",
    "科学技术局",
    "工业和信息化局",
    "民政局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "商务局",
    "文化和旅游局",
    "卫生健康委员会",
    "应急管理局",
    "市场监督管理局",
    "医疗保障局",
    "行政审批服务局",
    "供电公司",
    "税务局",
    "人民银行支行",
    "乡村振兴局",
]
PROBLEM_WORDS = [
    "用工缺口",
    "贷款审批",
    "道路硬化",
    "厂房用地手续",
    "用电增容",
    "排水管网",
    "技术改造",
    "农产品销售",
    "环评审批",
    "消防验收",
    "物流不畅",
    "原料供应",
    "人才引进",
    "供暖改造",
    "网络覆盖",
]
# How the final statuses are spread (closed the most, as in a campaign's second year).
STATUS_WEIGHTS = {
    S.CLOSED: 40,
    S.RESOLVED: 9,
    S.IN_PROGRESS: 11,
    S.ACCEPTED: 6,
    S.ASSIGNED: 8,
    S.REPORTED: 5,
    S.RETURNED: 2,
    S.REOPENED: 3,
    S.DEFERRED: 4,
    S.ESCALATED: 3,
    S.CANCELLED: 5,
    S.MERGED: 4,
}
# Each final status is reached by one of these paths of actions from 已上报 (the first event is 上报).
PATHS: dict[str, list[list[str]]] = {
    S.REPORTED: [["report"]],
    S.ASSIGNED: [["report", "triage"], ["report", "triage", "return", "uphold"]],
    S.RETURNED: [["report", "triage", "return"]],
    S.ACCEPTED: [["report", "triage", "accept"], ["report", "triage", "return", "uphold", "accept"]],
    S.IN_PROGRESS: [
        ["report", "triage", "accept", "progress", "progress"],
        ["report", "triage", "accept", "progress", "request_extension", "approve_extension"],
        ["report", "self_handle", "progress"],
    ],
    S.RESOLVED: [["report", "triage", "accept", "progress", "progress", "resolve"]],
    S.REOPENED: [["report", "triage", "accept", "progress", "resolve", "verify"]],
    S.CLOSED: [
        ["report", "triage", "accept", "progress", "resolve", "verify"],
        ["report", "triage", "accept", "progress", "progress", "resolve", "verify"],
        ["report", "triage", "accept", "progress", "progress", "resolve", "verify"],
        ["report", "resolve_on_site", "verify"],
    ],
    S.DEFERRED: [["report", "triage", "accept", "defer"]],
    S.ESCALATED: [["report", "triage", "accept", "escalate"]],
    S.CANCELLED: [["report", "cancel"], ["report", "triage", "cancel"]],
    S.MERGED: [["report", "merge"]],
}
# Days between one step and the next (low, high), by the action of the later step.
GAPS = {
    "triage": (0, 3),
    "self_handle": (0, 2),
    "resolve_on_site": (0, 0),
    "accept": (0, 2),
    "return": (0, 2),
    "uphold": (1, 3),
    "progress": (2, 12),
    "request_extension": (3, 10),
    "approve_extension": (0, 3),
    "resolve": (3, 25),
    "verify": (1, 10),
    "defer": (5, 30),
    "escalate": (2, 15),
    "cancel": (0, 10),
    "merge": (0, 5),
}
VISIT_MODES = ["collective", "individual", "symposium", "onsite", "inspection"]
PERSONAS = {
    "synth-office": "活动办(合成·市)",
    "synth-province": "活动办(合成·省)",
    "synth-leader": "领导(合成·市)",
    "synth-unit": "派出单位(合成)",
    "synth-group-leader": "工作组组长(合成)",
    "synth-member": "工作组组员(合成)",
    "synth-handler": "承办人(合成)",
}


@dataclass
class SynthResult:
    campaign: Campaign
    counts: dict[str, int] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


def sizes(problems: int) -> dict[str, int]:
    """How many of each row a province of ``problems`` problems has (about 100 groups and 2,000 units at 100k)."""
    return {
        "groups": min(max(problems // 1000, 3), 2000),
        "units": min(max(problems // 50, 40), 20000),
        "targets": max(problems // 8, 12),
        "visits": max(problems // 10, 6),
        "measures": max(problems // 10, 6),
    }


class _Ids:
    """The next primary keys of a table: ids are given explicitly so that rows can point at each other."""

    def __init__(self, model: type[models.Model]):
        self.next = (model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0) + 1

    def take(self) -> int:
        self.next += 1
        return self.next - 1


def _insert(model: type[models.Model], rows: Iterable[dict[str, Any]], batch: int = 2000) -> int:
    """Insert ``rows`` (attname → value, ids included) into the model's table: COPY on PostgreSQL, batched
    ``executemany`` elsewhere. Fields not given take their default. Returns how many rows went in."""
    fields = list(model._meta.local_concrete_fields)
    defaults = {f.attname: f.get_default() for f in fields}
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in fields)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            dump = [_json_dump if isinstance(f, models.JSONField) else None for f in fields]
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    values = [row.get(f.attname, defaults[f.attname]) for f in fields]
                    copy.write_row([d(v) if d else v for d, v in zip(dump, values, strict=True)])
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
        adapt = [_adapter(f) for f in fields]
        chunk: list[list[Any]] = []
        for row in rows:
            values = [row.get(f.attname, defaults[f.attname]) for f in fields]
            chunk.append([a(v) if a and v is not None else v for a, v in zip(adapt, values, strict=True)])
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


def _adapter(f: models.Field) -> Callable[[Any], Any] | None:
    """How a value of this field is written by the database driver (the one conversion ``get_db_prep_save``
    would make, chosen once per column rather than once per value)."""
    ops = connections[DEFAULT_DB_ALIAS].ops
    if isinstance(f, models.JSONField):
        return _json_dump
    if isinstance(f, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(f, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(f, models.DecimalField):
        return lambda v: ops.adapt_decimalfield_value(v, f.max_digits, f.decimal_places)
    return None


def _json_dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _sequences_reset(*model_list: type[models.Model]) -> None:
    """After explicit ids, the next id the database hands out follows them (PostgreSQL keeps a sequence)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class _Workdays:
    """``add_workdays`` remembered: the generator asks for the same few (date, n) pairs many times."""

    def __init__(self) -> None:
        self.cache: dict[tuple[date, int], date] = {}

    def __call__(self, day: date, n: int) -> date:
        key = (day, n)
        if key not in self.cache:
            self.cache[key] = add_workdays(day, n)
        return self.cache[key]


_MIDNIGHTS: dict[date, datetime] = {}


def _moment(day: date, rng: random.Random) -> datetime:
    """A time during the working day of ``day`` (local time, 08:00 to 18:00), as an aware datetime in UTC."""
    if day not in _MIDNIGHTS:
        _MIDNIGHTS[day] = timezone.make_aware(datetime.combine(day, time())).astimezone(UTC)
    return _MIDNIGHTS[day] + timedelta(seconds=8 * 3600 + rng.randrange(10 * 3600))


def synth_load(
    *,
    problems: int,
    seed: int = 1,
    end: date | None = None,
    province: str = "370000000000",
    password: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> SynthResult:
    """Load a synthetic province of ``problems`` problems in one transaction; refuse when its campaign exists."""
    if not 1 <= problems <= MAX_PROBLEMS:
        raise ValueError(f"问题数量应为1至{MAX_PROBLEMS}。")
    end = end or timezone.localdate()
    with transaction.atomic():
        loader = _Loader(problems, seed, end, province, password or secrets.token_urlsafe(24), progress)
        result = loader.run()
    if connection.vendor == "postgresql":
        # Tables that grew from nothing to millions of rows in one transaction: autovacuum gets to them minutes
        # later, and meanwhile a sweep or a page plans for empty tables (ANALYZE: the statistics) and reads
        # every row's page where an index would do (VACUUM: the visibility map; ~10 s at 1M). VACUUM cannot run
        # inside a transaction (a test's).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
    return result


class _Loader:
    def __init__(
        self,
        n: int,
        seed: int,
        end: date,
        province: str,
        password: str,
        progress: Callable[[str], None] | None,
    ):
        self.n, self.seed, self.end, self.password = n, seed, end, password
        self.start = end - timedelta(days=730)
        self.rng = random.Random(seed)
        self.say = progress or (lambda _text: None)
        self.size = sizes(n)
        self.workdays = _Workdays()
        regions_load()
        found = Region.objects.filter(code=province, level=RegionLevel.PROVINCE).first()
        if found is None:
            raise ValueError(f"“{province[:20]}”不是省级区划代码(12位,如370000000000)。")
        self.province = found
        prefix = self.province.prefix
        self.cities = list(Region.objects.filter(code__startswith=prefix, level=RegionLevel.PREFECTURE))
        self.counties = list(Region.objects.filter(code__startswith=prefix, level=RegionLevel.COUNTY))
        self.counts: dict[str, int] = {}

    # The campaign and its configuration, through the services (audited like any loader's).
    def run(self) -> SynthResult:
        name = f"{self.province.name}合成数据行动(种子{self.seed})"
        if Campaign.objects.filter(name=name).exists():
            raise ValueError(f"已有合成数据“{name}”,换一个种子(--seed)或使用新的数据库。")
        self.campaign = campaigns.campaign_create(
            actor=None,
            name=name,
            level="province",
            region=self.province,
            start=self.start,
            deployment="合成数据,用于性能测试",
        )
        self.config = campaigns.campaign_configure(
            actor=None,
            campaign=self.campaign,
            kinds=KINDS,
            categories=CATEGORIES,
            indicators=INDICATORS,
            measure_types=MEASURE_TYPES,
        )
        self.units()
        self.groups()
        self.targets()
        with (
            tally_triggers_off()
        ):  # the tallies (problems' and outcomes') recounted once, not kept row by row
            self.problems_and_visits()
        self.measures()
        _sequences_reset(
            Organization,
            Person,
            WorkGroup,
            Membership,
            Target,
            Visit,
            Visit.targets.through,
            Problem,
            ProblemEvent,
            Outcome,
            Measure,
        )
        users = self.personas()
        audit(
            None,
            AuditAction.CAMPAIGN_UPDATE,
            self.campaign,
            f"载入合成数据:{self.n}个问题(种子{self.seed},批量写入,逐行不记审计)",
            synth=True,
            seed=self.seed,
            end=self.end.isoformat(),
            **self.counts,
        )
        return SynthResult(campaign=self.campaign, counts=self.counts, users=users)

    def _load(self, model: type[models.Model], rows: Iterable[dict[str, Any]], what: str) -> None:
        count = _insert(model, rows)
        self.counts[what] = self.counts.get(what, 0) + count
        self.say(f"{model._meta.verbose_name}: {count}")

    def units(self) -> None:
        """单位: handling departments in the counties, dispatching units in the cities and the province, one
        office per city; each department has a 承办人."""
        rng, org_ids, person_ids = self.rng, _Ids(Organization), _Ids(Person)
        per_county = min(len(BUREAUS), max(3, math.ceil(self.size["units"] * 0.85 / len(self.counties))))
        per_city = min(len(BUREAUS), max(2, math.ceil(self.size["units"] * 0.15 / (len(self.cities) + 1))))
        orgs: list[dict[str, Any]] = []
        self.departments: dict[str, list[int]] = {}
        self.dispatchers: dict[str, list[int]] = {}

        taken = set(
            Organization.objects.filter(region__code__startswith=self.province.prefix).values_list(
                "name", "region_id"
            )
        )

        def org(name: str, region: Region, kind: str) -> int:
            if (name, region.code) in taken:  # a real unit of that name is there already
                name = f"{name}(合成{self.seed})"
            pk = org_ids.take()
            orgs.append({"id": pk, "name": name, "kind": kind, "region_id": region.code})
            return pk

        for county in self.counties:
            names = rng.sample(BUREAUS, per_county)
            self.departments[county.code] = [org(f"{county.name}{b}", county, "department") for b in names]
        for region in [self.province, *self.cities]:
            names = rng.sample(BUREAUS, per_city)
            self.dispatchers[region.code] = [org(f"{region.name}{b}", region, "government") for b in names]
            org(f"{region.name}攻坚行动办公室", region, "office")
        self._load(Organization, orgs, "organizations")
        self.handler_of: dict[int, int] = {}
        people = []
        for o in orgs:
            if o["kind"] == "department":
                pk = person_ids.take()
                self.handler_of[o["id"]] = pk
                people.append({"id": pk, "name": f"承办人{pk}", "organization_id": o["id"], "title": "科长"})
        self.person_ids = person_ids
        self._load(Person, people, "people")
        self.org_names = {o["id"]: o["name"] for o in orgs}

    def groups(self) -> None:
        """工作组 in the counties (one city gets more, as an office's own city does), each with a leader and
        two members; the first group is in the office's city."""
        rng = self.rng
        by_city: dict[str, list[Region]] = {}
        for county in self.counties:
            by_city.setdefault(county.code[:4], []).append(county)
        self.office_city = max(self.cities, key=lambda c: (len(by_city.get(c.prefix, [])), c.code))
        weights = [3 if c.code.startswith(self.office_city.prefix) else 1 for c in self.counties]
        group_ids, membership_ids = _Ids(WorkGroup), _Ids(Membership)
        rows, people, memberships = [], [], []
        self.group_rows: list[dict[str, Any]] = []
        self.members: dict[int, list[int]] = {}
        for i in range(self.size["groups"]):
            county = self.office_city_county() if i == 0 else rng.choices(self.counties, weights)[0]
            city = next(c for c in self.cities if county.code.startswith(c.prefix))
            home = self.province if rng.random() < 0.3 else city
            dispatcher = rng.choice(self.dispatchers[home.code])
            pk = group_ids.take()
            start = self.start + timedelta(days=rng.randrange(60))
            row = {
                "id": pk,
                "campaign_id": self.campaign.pk,
                "name": f"{self.org_names[dispatcher]}驻{county.name}工作组{pk}",
                "dispatching_org_id": dispatcher,
                "region_id": county.code,
                "tier": "province" if home is self.province else "city",
                "start": start,
                "end": None,
                "approach": "",
            }
            rows.append(row)
            self.members[pk] = []
            for role in ("leader", "member", "member"):
                person = self.person_ids.take()
                people.append(
                    {"id": person, "name": f"组员{person}", "organization_id": dispatcher, "title": "干部"}
                )
                memberships.append(
                    {"id": membership_ids.take(), "group_id": pk, "person_id": person, "role": role}
                )
                self.members[pk].append(person)
        self._load(Person, people, "people")
        self._load(WorkGroup, rows, "groups")
        self._load(Membership, memberships, "memberships")
        self.group_rows = rows

    def office_city_county(self) -> Region:
        return next(c for c in self.counties if c.code.startswith(self.office_city.prefix))

    def targets(self) -> None:
        """帮扶对象 of the groups, in each group's county, of the campaign's four kinds."""
        rng, ids = self.rng, _Ids(Target)
        kinds = list(self.config.kinds.values())
        self.targets_of: dict[int, list[tuple[int, str]]] = {g["id"]: [] for g in self.group_rows}
        rows = []
        for i in range(self.size["targets"]):
            group = self.group_rows[i % len(self.group_rows)] if i < len(self.group_rows) else None
            group = group or rng.choice(self.group_rows)
            kind = rng.choice(kinds)
            pk = ids.take()
            rows.append(
                {
                    "id": pk,
                    "campaign_id": self.campaign.pk,
                    "kind_id": kind.pk,
                    "name": f"{kind.name}{pk}",
                    "region_id": group["region_id"],
                    "group_id": group["id"],
                    "responsible_id": rng.choice(self.members[group["id"]]),
                    "attributes": {},
                }
            )
            self.targets_of[group["id"]].append((pk, group["region_id"]))
        self._load(Target, rows, "targets")

    def problems_and_visits(self) -> None:
        """Problems with their events and outcomes; a quarter found on a visit made for them, plus visits that
        found nothing. Open problems are recent, closed ones spread over the two years."""
        rng = self.rng
        problem_ids, event_ids, visit_ids = _Ids(Problem), _Ids(ProblemEvent), _Ids(Visit)
        link_ids, outcome_ids = _Ids(Visit.targets.through), _Ids(Outcome)
        statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
        categories = list(self.config.categories.values())
        indicators = list(self.config.indicators.values())
        group_weights = [rng.lognormvariate(0, 0.6) for _ in self.group_rows]
        # The group of the first problems: every group has problems, then the weights decide.
        mergeable: dict[int, list[int]] = {}
        visits: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        outcomes: list[dict[str, Any]] = []

        def visit(group: dict[str, Any], day: date, target_ids: list[int]) -> int:
            pk = visit_ids.take()
            qualifier = "余" if rng.random() < 0.05 else ""
            mode = rng.choice(VISIT_MODES)
            occasions = rng.choice((1, 1, 1, 2, 3, 5, 10))
            visits.append(
                {
                    "id": pk,
                    "group_id": group["id"],
                    "date": day,
                    "mode": mode,
                    # A round number is what an entry says 余 of (“10余次”, never “1余次”).
                    "occasions": occasions * 10 if qualifier else occasions,
                    "occasions_qualifier": qualifier,
                    "purpose": "走访了解情况",
                    "created_at": _moment(day, rng),
                }
            )
            for t in target_ids:
                links.append({"id": link_ids.take(), "visit_id": pk, "target_id": t})
            return pk

        def problem_rows() -> Iterator[dict[str, Any]]:
            for i in range(self.n):
                group = (
                    self.group_rows[i]
                    if i < len(self.group_rows)
                    else rng.choices(self.group_rows, group_weights)[0]
                )
                status = rng.choices(statuses, weights)[0]
                if status == S.MERGED and not mergeable.get(group["id"]):
                    status = S.CANCELLED
                pk = problem_ids.take()
                row, events, solved = self._problem(pk, group, status, categories, mergeable, event_ids)
                if rng.random() < 0.25:
                    row["visit_id"] = visit(group, row["reported_on"], [row["target_id"]])
                self.event_rows.extend(events)
                if solved and rng.random() < 0.3:
                    indicator = rng.choice(indicators)
                    outcomes.append(
                        {
                            "id": outcome_ids.take(),
                            "target_id": row["target_id"],
                            "indicator_id": indicator.pk,
                            "problem_id": pk,
                            "value": Decimal(rng.randrange(1, 500)),
                            "date": solved,
                            "note": "",
                            "created_at": _moment(solved, rng),
                        }
                    )
                if status not in (S.MERGED, S.CANCELLED):
                    mergeable.setdefault(group["id"], []).append(pk)
                yield row

        self.event_rows: list[dict[str, Any]] = []
        batch = 20_000
        rows = problem_rows()
        while True:
            chunk = [r for _, r in zip(range(batch), rows, strict=False)]
            if not chunk:
                break
            self._load(Problem, chunk, "problems")
            self._load(ProblemEvent, self.event_rows, "events")
            self.event_rows = []
        for _ in range(self.size["visits"]):
            group = rng.choice(self.group_rows)
            pool = self.targets_of[group["id"]]
            chosen = rng.sample(pool, min(len(pool), rng.choice((1, 1, 2, 3))))
            visit(group, self.start + timedelta(days=rng.randrange(731)), [t for t, _ in chosen])
        self._load(Visit, visits, "visits")
        self._load(Visit.targets.through, links, "visit_targets")
        self._load(Outcome, outcomes, "outcomes")

    def _problem(
        self,
        pk: int,
        group: dict[str, Any],
        status: str,
        categories: list,
        mergeable: dict[int, list[int]],
        event_ids: _Ids,
    ) -> tuple[dict[str, Any], list[dict[str, Any]], date | None]:
        """One problem and its events, walked along a path of the workflow table to ``status``."""
        rng = self.rng
        path = rng.choice(PATHS[status])
        gaps = [0] + [rng.randint(*GAPS[a]) for a in path[1:]]
        span = sum(gaps)
        open_ = status not in (S.CLOSED, S.CANCELLED, S.MERGED, S.RESOLVED)
        latest = (self.end - self.start).days - span
        offset = latest - rng.randrange(min(latest, 120) + 1) if open_ else rng.randrange(latest + 1)
        day = self.start + timedelta(days=max(offset, 0))
        target_id, region = rng.choice(self.targets_of[group["id"]])
        category = rng.choice(categories)
        members = self.members[group["id"]]
        row: dict[str, Any] = {
            "id": pk,
            "campaign_id": self.campaign.pk,
            "target_id": target_id,
            "group_id": group["id"],
            "region_id": region,
            "category_id": category.pk,
            "title": f"{rng.choice(PROBLEM_WORDS)}问题{pk}",
            "description": "",
            "level": "",
            "responsible_id": rng.choice(members),
            "status": S.REPORTED,
            "reported_on": day,
        }
        events: list[dict[str, Any]] = []
        departments = self.departments[region]
        request: tuple[int, date] | None = None
        solved: date | None = None
        for action, gap in zip(path, gaps, strict=True):
            day += timedelta(days=gap)
            before = row["status"]
            data: dict[str, Any] = {}
            to = TRANSITIONS[(before, action)].to if action != "report" else S.REPORTED
            if action in ("triage", "self_handle"):
                days = category.solve_days or self.campaign.solve_days
                if action == "triage":
                    # A few departments get most of the work, as in a real county.
                    org = departments[min(int(rng.expovariate(0.7)), len(departments) - 1)]
                    row |= {"level": Level.COUNTY, "handling_org_id": org, "handler_id": self.handler_of[org]}
                    row |= {"accepted_on": None}
                else:
                    row |= {"level": Level.GROUP, "handling_org_id": None, "handler_id": members[1]}
                    row |= {"accepted_on": day}
                row |= {
                    "assigned_on": day,
                    "deadline_days": days,
                    "deadline": self.workdays(day, days),
                    "accept_by": self.workdays(day, self.campaign.accept_days),
                }
            elif action == "accept":
                row["accepted_on"] = day
            elif action == "uphold":
                row |= {"accept_by": self.workdays(day, self.campaign.accept_days), "accepted_on": None}
            elif action == "return":
                data = {"reason": "不属于本单位职责"}
            elif action == "request_extension":
                new = row["deadline"] + timedelta(days=rng.randint(10, 40))
                data = {"new_deadline": new.isoformat()}
                request = (0, new)
            elif action == "approve_extension" and request is not None:
                data = {"request": events[-1]["id"], "old_deadline": row["deadline"].isoformat()}
                data["new_deadline"] = request[1].isoformat()
                row["deadline"] = request[1]
            elif action in ("resolve", "resolve_on_site"):
                row |= {"resolution": "已协调解决", "resolved_on": day}
                if action == "resolve_on_site":
                    row["level"] = Level.ON_SITE
                solved = day
            elif action == "verify":
                satisfied = status == S.CLOSED
                row["satisfaction"] = rng.choice(("satisfied", "basic")) if satisfied else "dissatisfied"
                if satisfied:
                    row["closed_on"] = day
                    to = S.CLOSED
                else:
                    days = row["deadline_days"]
                    row |= {"deadline": self.workdays(day, days), "resolved_on": None}
                    to = S.REOPENED
                    solved = None
            elif action == "escalate":
                data = {"old_level": row["level"]}
                row["level"] = NEXT_LEVEL[row["level"]]
            elif action == "defer":
                row["review_on"] = day + timedelta(days=30)
            elif action == "merge":
                row["merged_into_id"] = rng.choice(mergeable[group["id"]])
            to = to or before
            # Steps on one day are entered in their order.
            at = _moment(day, rng)
            if events and at <= events[-1]["at"]:
                at = events[-1]["at"] + timedelta(minutes=rng.randint(1, 30))
            events.append(
                {
                    "id": event_ids.take(),
                    "problem_id": pk,
                    "at": at,
                    "action": action,
                    "from_status": "" if action == "report" else before,
                    "to_status": to,
                    "comment": "",
                    "data": data,
                    "on_date": day,
                }
            )
            row["status"] = to
        row["version"] = len(events)
        row["created_at"] = events[0]["at"]
        row["updated_at"] = events[-1]["at"]
        return row, events, solved

    def measures(self) -> None:
        """帮扶措施 of the groups over the two years."""
        rng, ids = self.rng, _Ids(Measure)
        types = list(self.config.measure_types.values())
        rows = []
        for _ in range(self.size["measures"]):
            group = rng.choice(self.group_rows)
            day = self.start + timedelta(days=rng.randrange(731))
            rows.append(
                {
                    "id": ids.take(),
                    "group_id": group["id"],
                    "type_id": rng.choice(types).pk,
                    "date": day,
                    "times": rng.choice((1, 1, 2, 3)),
                    "units": rng.choice((None, 2, 3, 5)),
                    "people": rng.choice((None, 20, 50, 100)),
                    "note": "",
                    "created_at": _moment(day, rng),
                }
            )
        self._load(Measure, rows, "measures")

    def personas(self) -> dict[str, User]:
        """The logins of the synthetic province, through the services: an office and a leader of the city with
        the most groups, a province office, the first group's unit, leader and member, and the handler of the
        department in that city with the most problems."""
        first = self.group_rows[0]
        busiest = (
            Problem.objects.filter(campaign=self.campaign, region__code__startswith=self.office_city.prefix)
            .exclude(handling_org=None)
            .values("handling_org")
            .annotate(n=models.Count("id"))
            .order_by("-n", "handling_org")
            .first()
        )
        handler_org = busiest["handling_org"] if busiest else self.departments[first["region_id"]][0]
        leader_person, member_person = self.members[first["id"]][:2]
        group = WorkGroup.objects.get(pk=first["id"])
        unit = Organization.objects.get(pk=first["dispatching_org_id"])
        department = Organization.objects.get(pk=handler_org)
        specs: list[tuple[str, str, dict[str, Any], int | None]] = [
            ("synth-office", Role.OFFICE, {"region": self.office_city}, None),
            ("synth-province", Role.OFFICE, {"region": self.province}, None),
            ("synth-leader", Role.LEADER, {"region": self.office_city}, None),
            ("synth-unit", Role.UNIT, {"organization": unit}, None),
            ("synth-group-leader", Role.GROUP_LEADER, {"work_group": group}, leader_person),
            ("synth-member", Role.MEMBER, {"work_group": group}, member_person),
            ("synth-handler", Role.HANDLER, {"organization": department}, self.handler_of[handler_org]),
        ]
        users = {}
        for username, role, scope, person_id in specs:
            users[username] = user_role_ensure(
                actor=None,
                username=username,
                password=self.password,
                role=role,
                person=Person.objects.get(pk=person_id) if person_id else None,
                display_name=PERSONAS[username],
                **scope,
            )
        return users
