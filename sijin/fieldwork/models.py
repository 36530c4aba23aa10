import re
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sijin.accounts import access
from sijin.core.quantities import QUALIFIER_CHOICES, STATUS_CHOICES, format_quantity
from sijin.core.validators import text_cap

MAX_TIMES = 10_000  # 次数 of one entry (a month's 走访 or 协调会 entered at once)
MAX_UNITS = 10_000  # 协调单位/部门数
MAX_PEOPLE = 1_000_000  # 参加人数 (a 政策宣讲 can reach a county)
OUTCOME_TEXT_MAX = 200  # an outcome as written: a figure (at most 50) or words without one


# Five or more digits before any decimal point: read the Chinese way (万, 亿) rather than as typed.
LONG_DIGITS = re.compile(r"(?<![0-9.])[0-9]{5,}")


class VisitMode(models.TextChoices):
    COLLECTIVE = "collective", _("集体出动")
    INDIVIDUAL = "individual", _("分散走访")
    SYMPOSIUM = "symposium", _("座谈会")
    ONSITE = "onsite", _("现场办公")
    INSPECTION = "inspection", _("调研")


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user: access.Viewer) -> "VisitQuerySet":
        """The visits of groups in the user's scope (accounts.access decides)."""
        return self.filter(access.visit_q(user))


class Visit(models.Model):
    """走访: a group goes to one or more targets; problems found are created from it.

    ``occasions`` with a qualifier records a report's vague “先后10余次深入工地” as one entry, not ten invented ones.
    ``part_of`` marks a visit that is one of such an entry's times: it is counted with the entry, not again.
    """

    group = models.ForeignKey(
        "campaigns.WorkGroup", verbose_name=_("工作组"), on_delete=models.PROTECT, related_name="visits"
    )
    targets = models.ManyToManyField("campaigns.Target", verbose_name=_("走访对象"), related_name="visits")
    date = models.DateField(_("走访日期"))
    end_date = models.DateField(_("截止日期"), null=True, blank=True)
    mode = models.CharField(_("方式"), max_length=12, choices=VisitMode.choices)
    occasions = models.PositiveIntegerField(
        _("次数"),
        default=1,
        validators=[
            MinValueValidator(1, _("次数至少为1。")),
            MaxValueValidator(MAX_TIMES, _("次数不能超过%(limit_value)s。")),
        ],
        help_text=_("一条记录代表的走访次数(如“3月共走访21次”),无论走访几个对象都只计一次"),
    )
    occasions_qualifier = models.CharField(_("次数修饰"), max_length=2, blank=True, choices=QUALIFIER_CHOICES)
    # A visit told on its own that is one of a counted entry's times (the 3月26日 visit among 3月共走访21次):
    # kept for its notes and problems, never counted again beside the entry (visit_count).
    part_of = models.ForeignKey(
        "self",
        verbose_name=_("已计入汇总走访"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parts",
        help_text=_("这次走访已计入一条合并录入的走访次数时选择,不再重复计数"),
    )
    participants = models.ManyToManyField(
        "directory.Person", verbose_name=_("参加人员"), blank=True, related_name="visits"
    )
    accompanying_leaders = models.ManyToManyField(
        "directory.Person", verbose_name=_("陪同/带队领导"), blank=True, related_name="led_visits"
    )
    purpose = models.CharField(_("事由"), max_length=200, blank=True)
    notes = models.TextField(_("走访记录"), blank=True, validators=[text_cap()])
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("走访")
        verbose_name_plural = _("走访")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(occasions__gte=1),
                name="visit_occasions_positive",
                violation_error_message=_("走访次数至少为1。"),
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("date")),
                name="visit_end_after_start",
                violation_error_message=_("截止日期不能早于走访日期。"),
            ),
        ]
        indexes = [
            models.Index(fields=["group", "date"], name="visit_group_date_idx"),  # a group's visits by period
            # 工作台's 走访次数 of a scope (fieldwork.totals.scope_visit_total): the sum read from the index alone,
            # and the latest vague entry found among the few vague ones, newest first.
            models.Index(fields=["group", "occasions"], name="visit_group_occasions_idx"),
            models.Index(
                fields=["-date", "-id"], condition=~models.Q(occasions_qualifier=""), name="visit_vague_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_mode_display()}"

    @property
    def occasions_display(self) -> str:
        return format_quantity(self.occasions, "次", self.occasions_qualifier)


def visit_count(visits: "models.QuerySet[Visit] | Iterable[Visit]") -> int:
    """How many times a set of visits went out: each entry counts its ``occasions`` once, however many targets
    it covers (3 targets and 21 times is 21 visits, not 63). A queryset is summed in the database, each visit
    once even when the query joins its targets. A visit ``part_of`` an entry of the set is one of its times and
    adds nothing (21, not 22); without its entry in the set (a period that holds it but not the entry's start)
    it counts for itself."""
    if isinstance(visits, models.QuerySet):
        once = _distinct(visits)
        counted = once.exclude(part_of__in=models.Subquery(once.values("pk")))
        return counted.aggregate(n=models.Sum("occasions"))["n"] or 0
    return sum(v.occasions for v in _counted(_once(visits)))


def visit_total(visits: "models.QuerySet[Visit] | Iterable[Visit]") -> str:
    """``visit_count`` as the reports write it, kept vague when any entry is (10余次 + 6次 → 16余次)."""
    if isinstance(visits, models.QuerySet):
        once = _distinct(visits)
        qualifier = once.exclude(occasions_qualifier="").values_list("occasions_qualifier", flat=True).first()
        return format_quantity(visit_count(once), "次", qualifier or "")
    visits = _once(visits)
    qualifier = next((v.occasions_qualifier for v in visits if v.occasions_qualifier), "")
    return format_quantity(visit_count(visits), "次", qualifier)


def _distinct(visits: "models.QuerySet[Visit]") -> "models.QuerySet[Visit]":
    """The visits of a query, each once (a filter across ``targets`` returns a visit once per target)."""
    return Visit.objects.filter(pk__in=models.Subquery(visits.values("pk")))


def _once(visits: Iterable[Visit]) -> list[Visit]:
    return list({v.pk or id(v): v for v in visits}.values())


def _counted(visits: list[Visit]) -> list[Visit]:
    """The visits that count for themselves: not one of the times of an entry also in ``visits``."""
    ids = {v.pk for v in visits if v.pk}
    return [v for v in visits if v.part_of_id is None or v.part_of_id not in ids]


class VisitPhoto(models.Model):
    """A photo taken on a visit; stored outside the web root, served only through a scoped view."""

    visit = models.ForeignKey(Visit, verbose_name=_("走访"), on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("文件"), upload_to="visits/%Y/%m/")
    content_type = models.CharField(_("类型"), max_length=32)
    size = models.PositiveIntegerField(_("大小"))
    caption = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")

    def __str__(self) -> str:
        return self.caption or self.file.name or ""


class StepStatus(models.TextChoices):
    TODO = "todo", _("未开始")
    DOING = "doing", _("推进中")
    DONE = "done", _("已完成")


class SupportPlan(models.Model):
    """帮扶方案 (三步递进, 三早二申一扶): ordered steps with owners and due dates."""

    target = models.ForeignKey(
        "campaigns.Target", verbose_name=_("帮扶对象"), on_delete=models.CASCADE, related_name="plans"
    )
    # Blank when a report mentions a plan without naming it: shown as 帮扶方案; names are unique per target.
    name = models.CharField(_("方案名称"), max_length=100, blank=True)
    goal = models.CharField(_("目标"), max_length=200, blank=True)
    summary = models.TextField(_("方案要点"), blank=True, validators=[text_cap()])
    owner = models.ForeignKey(
        "directory.Person", verbose_name=_("负责人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    made_on = models.DateField(_("制定日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("帮扶方案")
        verbose_name_plural = _("帮扶方案")
        ordering = ["target", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "name"],
                condition=~models.Q(name=""),
                name="supportplan_unique_name",
                violation_error_message=_("该帮扶对象已有同名方案。"),
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name, or 帮扶方案 for an unnamed plan."""
        return self.name or str(_("帮扶方案"))


class PlanStep(models.Model):
    """One step of a support plan."""

    plan = models.ForeignKey(
        SupportPlan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("序号"))
    group_label = models.CharField(_("分组"), max_length=20, blank=True, help_text=_("如“三早”“二申”“一扶”"))
    title = models.CharField(_("步骤"), max_length=200)
    owner = models.ForeignKey(
        "directory.Person", verbose_name=_("负责人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    due = models.DateField(_("计划完成"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=8, choices=StepStatus.choices, default=StepStatus.TODO)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    note = models.TextField(_("进展"), blank=True, validators=[text_cap()])

    class Meta:
        verbose_name = _("方案步骤")
        verbose_name_plural = _("方案步骤")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "order"],
                name="planstep_unique_order",
                violation_error_message=_("步骤序号重复。"),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(done_on__isnull=False),
                name="planstep_done_has_date",
                violation_error_message=_("已完成的步骤须填写完成日期。"),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due"], name="planstep_due_idx")
        ]  # steps due on the dashboard

    def __str__(self) -> str:
        return self.title


class Outcome(models.Model):
    """成效: a number against an indicator (2万斤, 3.5万元), kept with its vagueness; rolls up with no second entry.

    An outcome reports give without a figure (第一批订单已经到账、陆续发货) has no ``value``: its words are kept in
    ``as_typed`` (or only in ``note``), pages show them, and sums leave it out.
    """

    target = models.ForeignKey(
        "campaigns.Target", verbose_name=_("帮扶对象"), on_delete=models.CASCADE, related_name="outcomes"
    )
    indicator = models.ForeignKey(
        "campaigns.Indicator", verbose_name=_("指标"), on_delete=models.PROTECT, related_name="outcomes"
    )
    plan = models.ForeignKey(
        SupportPlan, verbose_name=_("方案"), null=True, blank=True, on_delete=models.SET_NULL
    )
    problem = models.ForeignKey(
        "problems.Problem",
        verbose_name=_("问题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outcomes",
    )
    value = models.DecimalField(
        _("数值"),
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("以指标单位计;区间为下限,变化为变化后的值;没有数字的成效为空"),
    )
    qualifier = models.CharField(_("修饰"), max_length=2, blank=True, choices=QUALIFIER_CHOICES)
    as_typed = models.CharField(_("原始填写"), max_length=OUTCOME_TEXT_MAX, blank=True)
    # The rest of a figure as reports write it (parsed from as_typed by outcome_record, never typed separately).
    value_high = models.DecimalField(
        _("区间上限"),
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("如“10-20万元”的20万"),
    )
    per = models.CharField(_("计量周期"), max_length=4, blank=True, help_text=_("如“40万元/天”的“天”"))
    value_before = models.DecimalField(
        _("变化前数值"),
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("如“由9000元增至3万元”的9000元"),
    )
    qualifier_before = models.CharField(_("变化前修饰"), max_length=2, blank=True, choices=QUALIFIER_CHOICES)
    status = models.CharField(_("落实情况"), max_length=4, blank=True, choices=STATUS_CHOICES)
    beneficiaries = models.ManyToManyField(
        "campaigns.Target",
        verbose_name=_("其他受益对象"),
        blank=True,
        related_name="shared_outcomes",
        help_text=_("一项成效惠及多个对象时填写;合计只计一次"),
    )
    split = models.BooleanField(
        _("按对象分摊"), default=False, help_text=_("勾选时数值在受益对象间平均分摊;否则各对象共享全额")
    )
    date = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("成效")
        verbose_name_plural = _("成效")
        ordering = ["target", "indicator__order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | models.Q(value__gte=0),
                name="outcome_value_nonnegative",
                violation_error_message=_("成效数值不能为负数。"),
            ),
            models.CheckConstraint(
                condition=models.Q(value__isnull=False) | ~models.Q(as_typed="") | ~models.Q(note=""),
                name="outcome_value_or_text",
                violation_error_message=_("请填写成效数值,或用文字说明成效。"),
            ),
            models.CheckConstraint(
                condition=models.Q(value_high__isnull=True) | models.Q(value_high__gt=models.F("value")),
                name="outcome_range_ordered",
                violation_error_message=_("区间上限应大于下限。"),
            ),
            models.CheckConstraint(
                condition=models.Q(value_before__isnull=True) | models.Q(value_before__gte=0),
                name="outcome_before_nonnegative",
                violation_error_message=_("变化前数值不能为负数。"),
            ),
        ]
        indexes = [
            models.Index(fields=["indicator", "date"], name="outcome_indicator_date_idx")
        ]  # sums by indicator

    def __str__(self) -> str:
        return f"{self.indicator.name} {self.display_value}"

    @property
    def is_figure(self) -> bool:
        return self.value is not None

    @property
    def display_value(self) -> str:
        """The figure as it was typed (“3万余元/年”, “从9000元提高到3万余元”), on every page alike; a figure typed as a
        long run of digits (“2460000余元”) is written the Chinese way (“246余万元”), as totals are (format_quantity).
        An outcome without a figure shows its words (or "" when they are all in ``note``)."""
        if self.value is None:
            return self.as_typed
        if self.as_typed and not LONG_DIGITS.search(self.as_typed):
            return self.as_typed
        return format_quantity(
            self.value,
            self.indicator.unit,
            self.qualifier,
            value_high=self.value_high,
            per=self.per,
            value_before=self.value_before,
            qualifier_before=self.qualifier_before,
            status=self.status,
        )

    def share_for(self, target_id: int) -> str:
        """The figure as one target's page shows it: a split outcome divides among its primary target and its
        beneficiaries (“约1.5万元(3个对象分摊)”); a shared one shows in full."""
        if self.value is None:
            return self.display_value
        ids = {self.target_id, *(t.pk for t in self.beneficiaries.all())}
        if not self.split or len(ids) < 2 or target_id not in ids:
            return self.display_value
        n = len(ids)
        low, high = _divide(self.value, n), None if self.value_high is None else _divide(self.value_high, n)
        inexact = low * n != self.value or (high is not None and high * n != self.value_high)
        qualifier = "约" if inexact else self.qualifier
        part = format_quantity(low, self.indicator.unit, qualifier, value_high=high, per=self.per)
        return str(_("%(part)s(%(n)s个对象分摊)")) % {"part": part, "n": n}


def _divide(value: Decimal, n: int) -> Decimal:
    return (value / n).quantize(Decimal("0.0001"))


# ---- kept tally (fieldwork.totals.scope_outcome_totals; migration 0009_outcome_tally) ------------------------


class OutcomeTally(models.Model):
    """成效 summed by the work group and county of their target and by indicator: what ``totals.outcome_totals``
    computes over a scope's outcomes, kept by database triggers on fieldwork_outcome (and on campaigns_target
    for a target moved to another group or region) in the same transaction as every write, so that the 工作台
    and the 数据看板 sum a few rows per group instead of every outcome in scope (see problems.tally, whose
    ``tally_check`` and ``tally_rebuild`` cover this table too).

    An outcome counts once, under its own ``target`` (its beneficiaries add nothing), as ``outcome_totals`` does.
    ``group`` and ``indicator`` are plain keys (no database constraint, no cascade); ``group`` is 0 for a target
    without a group (a key without NULLs: a NULL would never meet its row in the upsert) and nullable only so
    that a scope's OR of conditions joins it LEFT (a region grant with a unit grant keeps those targets). A row
    whose counts all reached 0 may stay; every read ignores it. County: the first 6 digits of the region code."""

    group = models.ForeignKey(
        "campaigns.WorkGroup",
        verbose_name=_("工作组"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    county = models.CharField(_("县级区划"), max_length=6)
    indicator = models.ForeignKey(
        "campaigns.Indicator",
        verbose_name=_("指标"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    # The sum of the amounts (a figure, no rate period): a range adds its low end, a change its value after.
    total = models.DecimalField(_("合计"), max_digits=30, decimal_places=4, default=0)
    n = models.IntegerField(_("成效数"), default=0)
    n_about = models.IntegerField(_("约数"), default=0)  # amounts written 约
    n_more = models.IntegerField(_("余数"), default=0)  # amounts written 余 or 多
    n_range = models.IntegerField(_("区间"), default=0)  # amounts written as a range
    n_rate = models.IntegerField(_("比率"), default=0)  # figures with a rate period (/天): not summed
    n_text = models.IntegerField(_("无数字"), default=0)  # outcomes without a figure

    class Meta:
        verbose_name = _("成效计数")
        verbose_name_plural = _("成效计数")
        constraints = [
            models.UniqueConstraint(fields=["group", "county", "indicator"], name="outcometally_key_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.county} {self.indicator_id}: {self.n}"


class VisitTally(models.Model):
    """走访 summed by work group: the ``occasions`` of a group's visits and how many entries hold them, kept by
    database triggers on fieldwork_visit (migration 0010_visit_tally) in the same transaction as every write,
    so that the 工作台's 走访次数 (``totals.scope_visit_total``) sums a row per group instead of every visit in
    scope (a city office's 76,000 at 1,000,000 problems). ``problems.tally``'s ``tally_check`` and
    ``tally_rebuild`` cover it. ``group`` is a plain key (no database constraint, no cascade); a row whose
    counts reached 0 may stay."""

    group = models.ForeignKey(
        "campaigns.WorkGroup",
        verbose_name=_("工作组"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    occasions = models.BigIntegerField(_("走访次数"), default=0)  # each entry's occasions, summed
    n = models.IntegerField(_("走访记录数"), default=0)

    class Meta:
        verbose_name = _("走访计数")
        verbose_name_plural = _("走访计数")
        constraints = [models.UniqueConstraint(fields=["group"], name="visittally_key_uniq")]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.occasions} ({self.n})"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class Feedback(models.Model):
    """评价: what the target's people said of the group (回访, testimonials)."""

    target = models.ForeignKey(
        "campaigns.Target", verbose_name=_("帮扶对象"), on_delete=models.CASCADE, related_name="feedback"
    )
    group = models.ForeignKey(
        "campaigns.WorkGroup", verbose_name=_("工作组"), on_delete=models.CASCADE, related_name="feedback"
    )
    speaker_name = models.CharField(_("评价人"), max_length=50)
    speaker_role = models.CharField(_("评价人身份"), max_length=100, blank=True)
    addressee = models.CharField(_("对谁说"), max_length=100, blank=True)
    quote = models.TextField(_("原话"), validators=[text_cap()])
    rating = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    date = models.DateField(_("日期"))

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.speaker_name}: {self.quote[:20]}"


class ChecklistKind(models.TextChoices):
    PROBLEM = "problem", _("问题清单")
    RECTIFY = "rectify", _("整改清单")
    RESPONSIBILITY = "responsibility", _("责任清单")


class Checklist(models.Model):
    """清单: a named list grouping problems or rectification items (e.g. 防控盲点问题清单)."""

    group = models.ForeignKey(
        "campaigns.WorkGroup", verbose_name=_("工作组"), on_delete=models.CASCADE, related_name="checklists"
    )
    target = models.ForeignKey(
        "campaigns.Target",
        verbose_name=_("帮扶对象"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checklists",
    )
    name = models.CharField(_("清单名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=ChecklistKind.choices)
    note = models.TextField(_("说明"), blank=True, validators=[text_cap()])
    problems = models.ManyToManyField(
        "problems.Problem", verbose_name=_("问题"), blank=True, related_name="checklists"
    )
    supervised = models.BooleanField(_("督促整改"), default=False)
    created_on = models.DateField(_("形成日期"))

    class Meta:
        verbose_name = _("清单")
        verbose_name_plural = _("清单")
        ordering = ["group", "created_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "name"],
                name="checklist_unique_name",
                violation_error_message=_("该工作组已有同名清单。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """One rectification item on a checklist."""

    checklist = models.ForeignKey(
        Checklist, verbose_name=_("清单"), on_delete=models.CASCADE, related_name="items"
    )
    text = models.CharField(_("事项"), max_length=300)
    responsible = models.CharField(_("责任人/单位"), max_length=100, blank=True)
    due = models.DateField(_("整改时限"), null=True, blank=True)
    done = models.BooleanField(_("已整改"), default=False)

    class Meta:
        verbose_name = _("清单事项")
        verbose_name_plural = _("清单事项")

    def __str__(self) -> str:
        return self.text


class MeasureQuerySet(models.QuerySet):
    def visible_to(self, user: access.Viewer) -> "MeasureQuerySet":
        """The measures of groups in the user's scope (accounts.access decides)."""
        return self.filter(access.group_q(user, "group__"))


class Measure(models.Model):
    """帮扶措施: what a group did, of a type its campaign configures (召开协调会3次,协调5个部门).

    One entry may stand for several times (``times``; none, with the qualifier 多, for an uncounted 多次) and carries the numbers a briefing quotes: the units or
    departments coordinated and the people who took part. It may name the target, plan step or problem it served.
    """

    group = models.ForeignKey(
        "campaigns.WorkGroup", verbose_name=_("工作组"), on_delete=models.PROTECT, related_name="measures"
    )
    type = models.ForeignKey(
        "campaigns.MeasureType", verbose_name=_("措施类型"), on_delete=models.PROTECT, related_name="measures"
    )
    date = models.DateField(_("日期"))
    times = models.PositiveIntegerField(
        _("次数"),
        default=1,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, _("次数至少为1。")),
            MaxValueValidator(MAX_TIMES, _("次数不能超过%(limit_value)s。")),
        ],
        help_text=_("次数不详(“多次”)时为空"),
    )
    times_qualifier = models.CharField(_("次数修饰"), max_length=2, blank=True, choices=QUALIFIER_CHOICES)
    units = models.PositiveIntegerField(
        _("协调单位/部门数"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_UNITS, _("单位/部门数不能超过%(limit_value)s。"))],
    )
    people = models.PositiveIntegerField(
        _("参加人数"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_PEOPLE, _("参加人数不能超过%(limit_value)s。"))],
    )
    note = models.TextField(_("说明"), blank=True, validators=[text_cap()])
    target = models.ForeignKey(
        "campaigns.Target",
        verbose_name=_("帮扶对象"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="measures",
    )
    plan_step = models.ForeignKey(
        PlanStep,
        verbose_name=_("方案步骤"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="measures",
    )
    problem = models.ForeignKey(
        "problems.Problem",
        verbose_name=_("问题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="measures_taken",  # Problem.measures is its 办理措施 text
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("帮扶措施")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(times__isnull=True) | models.Q(times__gte=1),
                name="measure_times_positive",
                violation_error_message=_("次数至少为1。"),
            ),
            models.CheckConstraint(
                condition=models.Q(times__isnull=False) | models.Q(times_qualifier="多"),
                name="measure_times_or_many",
                violation_error_message=_("次数不详时请注明“多次”。"),
            ),
        ]
        indexes = [
            models.Index(fields=["group", "date"], name="measure_group_date_idx")
        ]  # a group's measures by period (the group page, briefings)

    def __str__(self) -> str:
        return f"{self.date} {self.type}"

    @property
    def times_display(self) -> str:
        """3次, 10余次, or 多次 when the times were not counted."""
        if self.times is None:
            return f"多{self.type.unit}"
        return f"{self.times}{self.times_qualifier}{self.type.unit}"
