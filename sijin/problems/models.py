from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from sijin.accounts import access
from sijin.core.choices import ColourChoices
from sijin.core.validators import text_cap
from sijin.directory.models import RegionLevel
from sijin.fieldwork.models import Satisfaction


class Status(ColourChoices):
    REPORTED = "reported", _("已上报")
    ASSIGNED = "assigned", _("已交办")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已签收")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已办结")
    REOPENED = "reopened", _("重办")
    CLOSED = "closed", _("已销号")
    DEFERRED = "deferred", _("长期推进")
    ESCALATED = "escalated", _("已提级")
    CANCELLED = "cancelled", _("已撤销")
    MERGED = "merged", _("已合并")

    __colours__ = {
        "reported": "secondary",
        "assigned": "info",
        "returned": "warning",
        "accepted": "primary",
        "in_progress": "primary",
        "resolved": "success",
        "reopened": "danger",
        "closed": "dark",
        "deferred": "warning",
        "escalated": "info",
        "cancelled": "light",
        "merged": "light",
    }


# The status sets, defined here once and used everywhere (lists, lights, the sweep, rates, the workflow table).
S = Status
# Not yet solved and still moving (长期推进, 撤销 and 合并 are not open).
OPEN_STATUSES = (S.REPORTED, S.ASSIGNED, S.RETURNED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED, S.ESCALATED)
# Routed and not solved: a deadline runs, so a light shows.
RUNNING_STATUSES = (S.ASSIGNED, S.RETURNED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED, S.ESCALATED)
# The handler is on it (签收 done): progress, 延期 and 办结 are taken from these.
WORKING_STATUSES = (S.ACCEPTED, S.IN_PROGRESS, S.REOPENED)
# The handler's: waiting for the handling unit to sign or to act — its to-dos, and what the sweep reminds.
HANDLER_STATUSES = (S.ASSIGNED, *WORKING_STATUSES)
# Waiting for the office (or the group leader) to route: 分级交办, 改派 after 退回, an escalated problem.
ROUTING_STATUSES = (S.REPORTED, S.RETURNED, S.ESCALATED)
# Waiting for the group: a fresh problem to route or solve on the spot, a solved one to 回访.
GROUP_STATUSES = (S.REPORTED, S.RESOLVED)
# Solved: 办结 (waiting for 回访) or 销号.
SOLVED_STATUSES = (S.RESOLVED, S.CLOSED)
# Ended without being solved here: not counted in any rate.
VOID_STATUSES = (S.CANCELLED, S.MERGED)


class Light(ColourChoices):
    """The deadline light of a problem (see problems.supervision for the rules)."""

    GREEN = "green", _("正常")
    YELLOW = "yellow", _("临期")
    RED = "red", _("超期")
    CLOSED_LATE = "closed_late", _("逾期办结")
    NONE = "none", _("无期限")

    __colours__ = {
        "green": "success",
        "yellow": "warning",
        "red": "danger",
        "closed_late": "secondary",
        "none": "secondary",
    }


class Action(ColourChoices):
    """What can happen to a problem: the actions of the workflow table and the sweep's reminders.

    Each member's label is the button and the timeline wording; adding an action means adding it here and
    to ``TRANSITIONS`` in problems.workflow (see that module's docstring).
    """

    REPORT = "report", _("上报")
    TRIAGE = "triage", _("分级交办")
    RESOLVE_ON_SITE = "resolve_on_site", _("现场解决")
    SELF_HANDLE = "self_handle", _("自行办理")
    ACCEPT = "accept", _("签收")
    RETURN = "return", _("退回")
    UPHOLD = "uphold", _("维持交办")
    PROGRESS = "progress", _("报告进展")
    REQUEST_EXTENSION = "request_extension", _("申请延期")
    APPROVE_EXTENSION = "approve_extension", _("批准延期")
    REJECT_EXTENSION = "reject_extension", _("驳回延期")
    RESOLVE = "resolve", _("办结")
    VERIFY = "verify", _("回访")
    ESCALATE = "escalate", _("提级")
    DEFER = "defer", _("长期推进")
    RESUME = "resume", _("恢复办理")
    CANCEL = "cancel", _("撤销")
    MERGE = "merge", _("合并")
    URGE = "urge", _("催办")
    SUPERVISE = "supervise", _("督办")
    PHOTO = "photo", _("添加照片")

    __colours__ = {
        "report": "secondary",
        "triage": "info",
        "resolve_on_site": "success",
        "self_handle": "primary",
        "accept": "primary",
        "return": "warning",
        "uphold": "info",
        "progress": "primary",
        "request_extension": "warning",
        "approve_extension": "success",
        "reject_extension": "danger",
        "resolve": "success",
        "verify": "success",
        "escalate": "info",
        "defer": "warning",
        "resume": "primary",
        "cancel": "secondary",
        "merge": "secondary",
        "urge": "warning",
        "supervise": "danger",
        "photo": "secondary",
    }


class Level(models.TextChoices):
    ON_SITE = "on_site", _("现场解决")
    GROUP = "group", _("工作组协调")
    COUNTY = "county", _("县级")
    CITY = "city", _("市级")
    PROVINCE = "province", _("省级")
    NOT_READY = "not_ready", _("暂不具备条件")


# 提级 goes up one level at a time; the office that takes an escalated problem up is at this region level.
NEXT_LEVEL: dict[str, Level] = {
    "": Level.COUNTY,
    Level.ON_SITE: Level.COUNTY,
    Level.GROUP: Level.COUNTY,
    Level.NOT_READY: Level.COUNTY,
    Level.COUNTY: Level.CITY,
    Level.CITY: Level.PROVINCE,
}
OFFICE_REGION_LEVEL: dict[str, RegionLevel] = {
    Level.COUNTY: RegionLevel.COUNTY,
    Level.CITY: RegionLevel.PREFECTURE,
    Level.PROVINCE: RegionLevel.PROVINCE,
}


class ProblemQuerySet(models.QuerySet):
    def visible_to(self, user: access.Viewer) -> "ProblemQuerySet":
        """The problems in the user's scope (accounts.access decides)."""
        return self.filter(access.problem_q(user))


class Problem(models.Model):
    """问题/诉求 found on a visit, handed to a unit with a deadline, supervised until 销号.

    ``status`` changes only through problems.workflow.problem_transition(); ``version`` guards concurrent edits.
    ``region`` copies the target's region so that scope filters need no join.
    """

    campaign = models.ForeignKey("campaigns.Campaign", verbose_name=_("行动"), on_delete=models.PROTECT)
    target = models.ForeignKey(
        "campaigns.Target", verbose_name=_("帮扶对象"), on_delete=models.PROTECT, related_name="problems"
    )
    # The keys below are indexed by the composite indexes that begin with them (Meta.indexes), not on their own
    # (migration 0016): each index is written with every problem.
    group = models.ForeignKey(
        "campaigns.WorkGroup",
        verbose_name=_("工作组"),
        on_delete=models.PROTECT,
        related_name="problems",
        db_index=False,
    )
    visit = models.ForeignKey(
        "fieldwork.Visit",
        verbose_name=_("发现于走访"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    region = models.ForeignKey(
        "directory.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT, db_index=False
    )
    category = models.ForeignKey(
        "campaigns.Category", verbose_name=_("类别"), null=True, blank=True, on_delete=models.PROTECT
    )
    title = models.CharField(_("问题"), max_length=200)
    description = models.TextField(_("问题描述"), blank=True, validators=[text_cap()])
    level = models.CharField(_("办理层级"), max_length=10, choices=Level.choices, blank=True)
    handling_org = models.ForeignKey(
        "directory.Organization",
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
        db_index=False,
    )
    handler = models.ForeignKey(
        "directory.Person",
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    responsible = models.ForeignKey(
        "directory.Person",
        verbose_name=_("包联组员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followed_problems",
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.REPORTED)
    reported_on = models.DateField(_("发现日期"))
    assigned_on = models.DateField(_("交办日期"), null=True, blank=True)
    accept_by = models.DateField(_("签收时限"), null=True, blank=True)
    accepted_on = models.DateField(_("签收日期"), null=True, blank=True)
    deadline_days = models.PositiveSmallIntegerField(_("办理时限(工作日)"), null=True, blank=True)
    deadline = models.DateField(_("办结期限"), null=True, blank=True)
    resolved_on = models.DateField(_("办结日期"), null=True, blank=True)
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    review_on = models.DateField(_("下次研判日期"), null=True, blank=True)
    measures = models.TextField(_("办理措施"), blank=True, validators=[text_cap()])
    resolution = models.TextField(_("办理结果"), blank=True, validators=[text_cap()])
    coordinated_with = models.CharField(_("协调对象"), max_length=200, blank=True)
    # Where the problem was seen (the phone's GPS, offered on the visit form; optional, WGS 84).
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    # No longer written: the sweep's claim of a 催办/督办 is now its event for the current deadline
    # (problems.supervision), which spares an UPDATE of this heavily indexed table per reminder. The columns
    # stay, with what earlier sweeps wrote, because on SQLite dropping one rebuilds the table and its triggers.
    urged_for = models.DateField(_("已催办(期限)"), null=True, blank=True, editable=False)
    supervised_for = models.DateField(_("已督办(期限)"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上报人"), null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("上报时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ["-reported_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__isnull=True) | models.Q(assigned_on__isnull=False),
                name="problem_deadline_needs_assignment",
                violation_error_message=_("设置办结期限前须先交办。"),
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "deadline"], name="problem_status_deadline_idx"
            ),  # sweep, 督办 page
            models.Index(
                fields=["handling_org", "status"], name="problem_org_status_idx"
            ),  # handler's to-dos
            models.Index(fields=["group", "status"], name="problem_group_status_idx"),  # group ledger
            models.Index(
                fields=["region", "reported_on"],
                name="problem_region_idx",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
            # A target's timeline: the key's own index. A handler's targets, counted and their outcomes summed
            # on the 工作台 (accounts.access.target_ids), from the index alone: a unit's 8,780 problems on 2,213
            # targets at 1,000,000 problems, 1 ms instead of 17–50 ms.
            models.Index(fields=["handling_org", "target"], name="problem_org_target_idx"),
            # ---- the 问题台账 at province scale (problems.views.problem_list, core.pagination.keyset_paginate):
            # a page is read in its order from an index, and a keyset page seeks into it, instead of sorting
            # every row of the scope. Sorts: 发现日期 (reported_on, id), the default, and 办结期限 (deadline, id),
            # each read forwards or backwards. Scopes (accounts.access.problem_q): a group and a handling unit
            # are an equality, so (scope, sort, id) gives the page in order; an office's region subtree is a
            # range of codes (region_id >= '3713' AND region_id < '3714') spanning many regions, so the
            # planner either reads (sort, id) in order skipping other regions (a city: a quarter of the rows)
            # or reads (region, sort, id) for the subtree and sorts it (a county). Other filters (status,
            # light, category …) are checked on the rows as they are read.
            # Unscoped (the admin), and an office whose subtree holds a good share of the rows:
            models.Index(fields=["reported_on", "id"], name="problem_reported_idx"),
            models.Index(fields=["deadline", "id"], name="problem_deadline_idx"),
            # An office or leader whose subtree is a small share of the rows (a county):
            models.Index(fields=["region", "reported_on", "id"], name="problem_region_reported_idx"),
            models.Index(fields=["region", "deadline", "id"], name="problem_region_deadline_idx"),
            # A group leader or member (a group), a dispatching unit (its groups, one index read per group):
            models.Index(fields=["group", "reported_on", "id"], name="problem_group_reported_idx"),
            models.Index(fields=["group", "deadline", "id"], name="problem_group_deadline_idx"),
            # A handler (a handling unit):
            models.Index(fields=["handling_org", "reported_on", "id"], name="problem_org_reported_idx"),
            models.Index(fields=["handling_org", "deadline", "id"], name="problem_org_deadline_idx"),
            # A status filter (办理中 …, the dashboard's click-throughs), newest first, in any scope:
            models.Index(fields=["status", "reported_on", "id"], name="problem_status_reported_idx"),
            # 工作台's 最近动态: the problems changed last.
            models.Index(fields=["updated_at"], name="problem_updated_idx"),
            # 工作台's to-dos (desk.todos.board, migration 0013): each kind's first hundred in order (办结期限,
            # 发现日期, id), for the problems being worked on and those waiting to be routed.
            models.Index(
                fields=["deadline", "reported_on", "id"],
                name="problem_working_deadline_idx",
                condition=models.Q(status__in=list(WORKING_STATUSES)),
            ),
            models.Index(
                fields=["deadline", "reported_on", "id"],
                name="problem_routing_deadline_idx",
                condition=models.Q(status__in=list(ROUTING_STATUSES)),
            ),
            # 督办's rows (problems.tally.unit_first_ids, migration 0012): each unit's running problems in
            # deadline order.
            models.Index(
                fields=["handling_org", "deadline", "id"],
                name="problem_run_org_deadline_idx",
                condition=models.Q(status__in=RUNNING_STATUSES, deadline__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def status_colour(self) -> str:
        return Status.colour_of(self.status)

    @property
    def office_level(self) -> int | None:
        """The region level of the office that may take up an escalated problem (None: any office over it)."""
        if self.status != Status.ESCALATED:
            return None
        return OFFICE_REGION_LEVEL.get(self.level, RegionLevel.COUNTY)

    @property
    def handled_by_group(self) -> bool:
        """The group handles it itself, with no handling unit: taken up by 自行办理, or 现场解决 reopened by 回访."""
        return self.handling_org_id is None and self.status in WORKING_STATUSES


class ProblemEvent(models.Model):
    """One step of a problem's life: the timeline is the audit trail of the case."""

    # No index of its own: problemevent_timeline_idx (problem, at) serves every lookup by problem, and each
    # index is written on every event (the sweep writes hundreds of thousands at once).
    problem = models.ForeignKey(
        Problem, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="events", db_index=False
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    # Indexed only where set (problemevent_actor_idx): the sweep's reminders, hundreds of thousands at once, have
    # no actor and need no entry.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
    )
    action = models.CharField(_("操作"), max_length=24, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, choices=Status.choices, blank=True)
    comment = models.TextField(_("说明"), blank=True, validators=[text_cap()])
    data = models.JSONField(_("字段"), default=dict, blank=True)
    on_date = models.DateField(_("业务日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("问题事件")
        verbose_name_plural = _("问题事件")
        ordering = ["problem", "at", "id"]
        indexes = [
            models.Index(fields=["problem", "at"], name="problemevent_timeline_idx"),
            # ---- supervision at province scale (migration 0010_supervision_indexes): the 工作台's 待审批延期
            # (desk.todos: a 申请延期 with no 批准/驳回 after it) reads the few events of these actions from
            # here, with their problem and id, instead of scanning every event of every problem.
            models.Index(fields=["action", "problem", "id"], name="problemevent_action_idx"),
            models.Index(
                fields=["actor"], name="problemevent_actor_idx", condition=models.Q(actor__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status}→{self.to_status}"

    @property
    def entered_on(self) -> date:
        """The day the event was entered (local time); ``on_date`` is the day it happened."""
        return timezone.localtime(self.at).date()

    @property
    def entered_late(self) -> bool:
        """补录: entered on a later day than it happened."""
        return self.on_date is not None and self.at is not None and self.entered_on > self.on_date

    @property
    def to_status_colour(self) -> str:
        return Status.colour_of(self.to_status)


class ProblemAttachment(models.Model):
    """Evidence attached to an event (办结材料, photos); served only through a scoped view."""

    event = models.ForeignKey(
        ProblemEvent, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("文件"), upload_to="problems/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class NoticeCounter(models.Model):
    """The last 发文字号 of the 督办通知单 issued by one office in one year (〔2026〕3号 is the third).

    ``problems.notice.notice_issue`` takes the next number with ``UPDATE … SET last = last + 1`` on this row,
    so two offices' clerks issuing at once never share a number.
    """

    issuer = models.CharField(_("发文机关"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用文号"), default=0)

    class Meta:
        verbose_name = _("督办通知单文号")
        verbose_name_plural = _("督办通知单文号")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year"],
                name="noticecounter_issuer_year_uniq",
                violation_error_message=_("每个发文机关每年只有一个文号序列。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.year}年 第{self.last}号"


# ---- kept tallies (problems.tally; migration 0012_problem_tally) ---------------------------------------------
# Counts of problems kept by database triggers on problems_problem (and on campaigns_target for a target's kind),
# in the same transaction as every write, whatever wrote it (services, queryset updates, bulk inserts): the
# 数据看板 sums these instead of grouping every problem in scope. Every key is a fact of the row that does not
# change with the date, so nothing goes stale overnight; the lights are sums over deadline days read against
# today. ``campaign``, ``group`` and ``kind`` are plain keys (no database constraint, no cascade): a row whose
# counts all reached 0 may stay, and every read ignores it. County: the first 6 digits of the region code.


def _tally_key(model: str, verbose_name: "StrOrPromise") -> models.ForeignKey:
    return models.ForeignKey(
        model,
        verbose_name=verbose_name,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )


class ProblemTally(models.Model):
    """Problems by campaign, group, county, status and target kind, with the counts behind the four rates
    (problems.rates) that do not depend on the status; the rates' status rules (solved, void) apply on reading."""

    group = _tally_key("campaigns.WorkGroup", _("工作组"))
    campaign = _tally_key("campaigns.Campaign", _("行动"))
    county = models.CharField(_("县级区划"), max_length=6)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    kind = _tally_key("campaigns.TargetKind", _("对象类型"))
    n = models.IntegerField(_("问题数"), default=0)
    accepted = models.IntegerField(_("已交办且已签收"), default=0)  # assigned_on and accepted_on set
    accepted_in_time = models.IntegerField(_("按时签收"), default=0)  # accepted_on <= accept_by
    unsigned = models.IntegerField(
        _("已交办未签收"), default=0
    )  # assigned_on, accept_by set; accepted_on not
    with_deadline = models.IntegerField(_("有办结期限"), default=0)  # deadline set
    on_time = models.IntegerField(_("期限内办结"), default=0)  # resolved_on <= deadline
    verified = models.IntegerField(_("已回访"), default=0)  # satisfaction given
    satisfied = models.IntegerField(_("满意或基本满意"), default=0)

    class Meta:
        verbose_name = _("问题计数")
        verbose_name_plural = _("问题计数")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "campaign", "county", "status", "kind"], name="problemtally_key_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.county} {self.status} {self.kind_id}: {self.n}"


class ProblemUnitTally(models.Model):
    """Problems by handling unit (0: none, 工作组自办), campaign, group, county and status, with the counts of
    ProblemTally: the 督办 page's units (problems.tally.unit_rows); ProblemUnitDueTally gives their lights."""

    handling_org_id = models.IntegerField(_("承办单位"), default=0)  # 0: none (a key without NULLs)
    group = _tally_key("campaigns.WorkGroup", _("工作组"))
    campaign = _tally_key("campaigns.Campaign", _("行动"))
    county = models.CharField(_("县级区划"), max_length=6)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    n = models.IntegerField(_("问题数"), default=0)
    accepted = models.IntegerField(_("已交办且已签收"), default=0)
    accepted_in_time = models.IntegerField(_("按时签收"), default=0)
    unsigned = models.IntegerField(_("已交办未签收"), default=0)
    with_deadline = models.IntegerField(_("有办结期限"), default=0)
    on_time = models.IntegerField(_("期限内办结"), default=0)
    verified = models.IntegerField(_("已回访"), default=0)
    satisfied = models.IntegerField(_("满意或基本满意"), default=0)

    class Meta:
        verbose_name = _("问题承办单位计数")
        verbose_name_plural = _("问题承办单位计数")
        constraints = [
            models.UniqueConstraint(
                fields=["handling_org_id", "group", "campaign", "county", "status"],
                name="problemunittally_key_uniq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.handling_org_id} {self.group_id} {self.county} {self.status}: {self.n}"


class ProblemFacetTally(models.Model):
    """Problems by campaign, group, county, category (0: none) and 办理层级: the 类别 and 层级 charts."""

    group = _tally_key("campaigns.WorkGroup", _("工作组"))
    campaign = _tally_key("campaigns.Campaign", _("行动"))
    county = models.CharField(_("县级区划"), max_length=6)
    category_id = models.IntegerField(_("类别"), default=0)  # 0: no category (a key without NULLs)
    level = models.CharField(_("办理层级"), max_length=10, choices=Level.choices, blank=True)
    n = models.IntegerField(_("问题数"), default=0)

    class Meta:
        verbose_name = _("问题分类计数")
        verbose_name_plural = _("问题分类计数")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "campaign", "county", "category_id", "level"],
                name="problemfacettally_key_uniq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.county} {self.category_id} {self.level}: {self.n}"


class ProblemWeekTally(models.Model):
    """Problems found per week (the Monday of ``reported_on``) by campaign, group and county, and of them
    solved (status 已办结 or 已销号): the weekly trend."""

    group = _tally_key("campaigns.WorkGroup", _("工作组"))
    campaign = _tally_key("campaigns.Campaign", _("行动"))
    county = models.CharField(_("县级区划"), max_length=6)
    week = models.DateField(_("周"))
    n = models.IntegerField(_("发现数"), default=0)
    solved = models.IntegerField(_("办结数"), default=0)

    class Meta:
        verbose_name = _("问题周计数")
        verbose_name_plural = _("问题周计数")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "campaign", "county", "week"], name="problemweektally_key_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.county} {self.week}: {self.n}"


class DueWhat(models.TextChoices):
    DEADLINE = "deadline", _("办结期限")
    ACCEPT_BY = "accept_by", _("签收时限")


class ProblemDueTally(models.Model):
    """Problems due on a day, by campaign, group and county: ``deadline`` — running problems (a light shows)
    by their 办结期限; ``accept_by`` — counted problems assigned and not yet signed, by their 签收时限. Yellow
    is the sum of the days from today to the campaign's first green day; red and late signing are the
    ProblemTally's running problems with a deadline (unsigned problems) less the days from today on."""

    group = _tally_key("campaigns.WorkGroup", _("工作组"))
    campaign = _tally_key("campaigns.Campaign", _("行动"))
    county = models.CharField(_("县级区划"), max_length=6)
    what = models.CharField(_("期限"), max_length=9, choices=DueWhat.choices)
    day = models.DateField(_("日期"))
    n = models.IntegerField(_("问题数"), default=0)

    class Meta:
        verbose_name = _("问题期限计数")
        verbose_name_plural = _("问题期限计数")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "campaign", "county", "what", "day"], name="problemduetally_key_uniq"
            ),
        ]
        indexes = [
            # The lights read the days from today on only (red: the running problems with a deadline less
            # those due from today on); the past days, most of the rows, are never read one by one.
            models.Index(fields=["day"], name="problemduetally_day_idx"),
            # The 工作台's 应签收 (desk.views): the unsigned problems' days from today on, among the running
            # problems' deadlines, which are most of the rows from today on (at 1,000,000 problems: 940 of
            # 18,123 rows, 0.6 ms instead of 5–12 ms).
            models.Index(
                fields=["day"], name="problemduetally_accept_idx", condition=models.Q(what=DueWhat.ACCEPT_BY)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.county} {self.what} {self.day}: {self.n}"


class ProblemUnitDueTally(models.Model):
    """ProblemDueTally's days by handling unit too (0: none, 工作组自办): the lights and late signing of the 督办
    page's units (problems.tally.unit_rows). A table of its own rather than a key column of the due tally, which
    the 数据看板 reads by group: at 1,000,000 problems keyed by unit it has 266,000 rows, 35,000 of them from
    today on (the due tally: 136,000 and 19,000), and the dashboard's read of them took 64–92 ms instead of 50."""

    handling_org_id = models.IntegerField(_("承办单位"), default=0)  # 0: none (a key without NULLs)
    group = _tally_key("campaigns.WorkGroup", _("工作组"))
    campaign = _tally_key("campaigns.Campaign", _("行动"))
    county = models.CharField(_("县级区划"), max_length=6)
    what = models.CharField(_("期限"), max_length=9, choices=DueWhat.choices)
    day = models.DateField(_("日期"))
    n = models.IntegerField(_("问题数"), default=0)

    class Meta:
        verbose_name = _("问题承办单位期限计数")
        verbose_name_plural = _("问题承办单位期限计数")
        constraints = [
            models.UniqueConstraint(
                fields=["handling_org_id", "group", "campaign", "county", "what", "day"],
                name="problemunitduetally_key_uniq",
            ),
        ]
        indexes = [
            # Only the days from today on are read, in the viewer's counties (an office's: a range of them).
            models.Index(fields=["day", "county"], name="problemunitduetally_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.handling_org_id} {self.group_id} {self.county} {self.what} {self.day}: {self.n}"
