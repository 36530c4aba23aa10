from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sijin.accounts import access
from sijin.core.validators import HTML_MAX, text_cap


class MethodStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送")
    RECOMMENDED = "recommended", _("已推荐")
    SELECTED = "selected", _("已入选")


class SelectionLevel(models.TextChoices):
    COUNTY = "county", _("县级")
    CITY = "city", _("市级")
    PROVINCE = "province", _("省级")


class WorkMethod(models.Model):
    """工作法 (帮引扶细, 树党旗、抓六点): written up by a group, possibly selected at some level."""

    title = models.CharField(_("工作法名称"), max_length=100)
    summary = models.CharField(_("概要"), max_length=300, blank=True)
    body = models.TextField(_("正文"), blank=True, validators=[text_cap()])
    group = models.ForeignKey(
        "campaigns.WorkGroup", verbose_name=_("总结工作组"), on_delete=models.CASCADE, related_name="methods"
    )
    target = models.ForeignKey(
        "campaigns.Target",
        verbose_name=_("形成于帮扶对象"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="methods",
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=MethodStatus.choices, default=MethodStatus.DRAFT
    )
    selected_level = models.CharField(
        _("入选层级"), max_length=10, choices=SelectionLevel.choices, blank=True
    )
    selected_as = models.CharField(_("入选名目"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("工作法")
        verbose_name_plural = _("工作法")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "title"],
                name="workmethod_unique_title",
                violation_error_message=_("该工作组已有同名工作法。"),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="selected") | ~models.Q(selected_level=""),
                name="workmethod_selected_has_level",
                violation_error_message=_("已入选的工作法须注明入选层级。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class BriefingScope(models.TextChoices):
    GROUP = "group", _("工作组")
    UNIT = "unit", _("单位")
    REGION = "region", _("区划")


class BriefingStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送")


class BriefingQuerySet(models.QuerySet):
    def visible_to(self, user: access.Viewer) -> "BriefingQuerySet":
        """The briefings the user may read (accounts.access decides)."""
        return self.filter(access.briefing_q(user))


def _scope_object_q() -> models.Q:
    return (
        models.Q(scope="group", group__isnull=False)
        | models.Q(scope="unit", organization__isnull=False)
        | models.Q(scope="region", region__isnull=False)
    )


class BriefingSeries(models.Model):
    """简报的刊: the briefings of one group, unit or region, numbered 第1期, 第2期 … afresh each year
    (BriefingIssueCounter). Made when the scope's first briefing is submitted (services.briefing_submit)."""

    scope = models.CharField(_("范围"), max_length=8, choices=BriefingScope.choices)
    group = models.ForeignKey(
        "campaigns.WorkGroup", verbose_name=_("工作组"), null=True, blank=True, on_delete=models.CASCADE
    )
    organization = models.ForeignKey(
        "directory.Organization", verbose_name=_("单位"), null=True, blank=True, on_delete=models.CASCADE
    )
    region = models.ForeignKey(
        "directory.Region", verbose_name=_("区划"), null=True, blank=True, on_delete=models.PROTECT
    )
    name = models.CharField(_("简报名称(版头)"), max_length=60, default="工作简报")

    class Meta:
        verbose_name = _("简报刊号系列")
        verbose_name_plural = _("简报刊号系列")
        # One series per scope object; each unique index also serves the lookup at submit.
        constraints = [
            models.UniqueConstraint(
                fields=["group"],
                condition=models.Q(scope="group"),
                name="briefingseries_unique_group",
                violation_error_message=_("该工作组已有简报系列。"),
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(scope="unit"),
                name="briefingseries_unique_unit",
                violation_error_message=_("该单位已有简报系列。"),
            ),
            models.UniqueConstraint(
                fields=["region"],
                condition=models.Q(scope="region"),
                name="briefingseries_unique_region",
                violation_error_message=_("该区划已有简报系列。"),
            ),
            models.CheckConstraint(
                condition=_scope_object_q(),
                name="briefingseries_scope_object",
                violation_error_message=_("请指定简报范围对应的工作组、单位或区划。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BriefingIssueCounter(models.Model):
    """The last issue number given in one series and year; raised by a conditional UPDATE, so two submits
    never get the same number (the row stays locked until the submitting transaction ends)."""

    series = models.ForeignKey(
        BriefingSeries, verbose_name=_("简报系列"), on_delete=models.CASCADE, related_name="counters"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    last_number = models.PositiveIntegerField(_("已编期号"), default=0)

    class Meta:
        verbose_name = _("简报期号")
        verbose_name_plural = _("简报期号")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "year"],
                name="briefingissuecounter_unique_year",
                violation_error_message=_("该系列该年度的期号已存在。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last_number}"


class Briefing(models.Model):
    """工作简报: generated from the data for a scope and period, edited, then submitted (报送: numbered in
    its series and year, and frozen). Every generate, save and submit keeps a BriefingVersion."""

    scope = models.CharField(_("范围"), max_length=8, choices=BriefingScope.choices)
    group = models.ForeignKey(
        "campaigns.WorkGroup", verbose_name=_("工作组"), null=True, blank=True, on_delete=models.CASCADE
    )
    organization = models.ForeignKey(
        "directory.Organization", verbose_name=_("单位"), null=True, blank=True, on_delete=models.CASCADE
    )
    region = models.ForeignKey(
        "directory.Region", verbose_name=_("区划"), null=True, blank=True, on_delete=models.PROTECT
    )
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    title = models.CharField(_("标题"), max_length=200)
    # Sanitised HTML (reports.briefing.body); rows from before the editor hold text with "# " headings.
    body = models.TextField(_("正文"), validators=[text_cap(HTML_MAX)])
    issuer = models.CharField(_("编发单位"), max_length=100, blank=True)
    report_to = models.CharField(_("报"), max_length=300, blank=True)
    copy_to = models.CharField(_("送"), max_length=300, blank=True)
    issue_to = models.CharField(_("发"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=BriefingStatus.choices, default=BriefingStatus.DRAFT
    )
    series = models.ForeignKey(
        BriefingSeries,
        verbose_name=_("简报系列"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="briefings",
    )
    issue_year = models.PositiveSmallIntegerField(_("期号年度"), null=True, blank=True)
    issue_number = models.PositiveIntegerField(_("期号"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("起草人"), null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("起草时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)

    objects = BriefingQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作简报")
        verbose_name_plural = _("工作简报")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="briefing_period_order",
                violation_error_message=_("截止日期不能早于起始日期。"),
            ),
            models.CheckConstraint(
                condition=_scope_object_q(),
                name="briefing_scope_object",
                violation_error_message=_("请指定简报范围对应的工作组、单位或区划。"),
            ),
            models.UniqueConstraint(
                fields=["series", "issue_year", "issue_number"],
                condition=models.Q(issue_number__isnull=False),
                name="briefing_unique_issue",
                violation_error_message=_("该期号已被使用。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def issue_label(self) -> str:
        """第3期, or nothing before the briefing is submitted."""
        return f"第{self.issue_number}期" if self.issue_number else ""


class VersionKind(models.TextChoices):
    GENERATED = "generated", _("生成")
    SAVED = "saved", _("保存")
    SUBMITTED = "submitted", _("报送")


class BriefingVersion(models.Model):
    """One kept text of a briefing: what was generated, each save, and what was submitted; who and when."""

    briefing = models.ForeignKey(
        Briefing, verbose_name=_("简报"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本"))
    kind = models.CharField(_("操作"), max_length=10, choices=VersionKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), validators=[text_cap(HTML_MAX)])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("简报版本")
        verbose_name_plural = _("简报版本")
        ordering = ["briefing", "-number"]
        # The unique index serves "the versions of one briefing, newest first" on the briefing page.
        constraints = [
            models.UniqueConstraint(
                fields=["briefing", "number"],
                name="briefingversion_unique_number",
                violation_error_message=_("该简报已有此版本号。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.briefing} v{self.number}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导出中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class BackgroundJob(models.Model):
    """What every background job shares (reports.jobs runs the machinery): a status, progress the page
    polls (``rows_done`` / ``rows_total``) and a lease.

    A running job holds a lease: its task stamps ``heartbeat_at`` as it works, and a job whose heartbeat is
    older than SIJIN_TASK_LEASE seconds is taken for dead (its worker was killed, the machine restarted) and
    marked failed (services.export_job_expire, services.import_job_expire). ``runner`` names the attempt that
    holds the job, so a worker that wakes up after its lease was given away writes nothing more. The status
    values are the same in every job (``queued``, ``running``, ``done``, ``failed``); only their labels differ.
    """

    status = models.CharField(
        _("状态"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已写行数"), default=0)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    heartbeat_at = models.DateTimeField(_("心跳时间"), null=True, blank=True)
    runner = models.CharField(_("执行编号"), max_length=32, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0


class ExportJob(BackgroundJob):
    """A large ledger export run by the background worker (reports.tasks.ledger_export_task), of the 清单
    page's period (``group``, ``period_start``, ``period_end``) and the 问题台账's ``filters``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导出人"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    kind = models.CharField(_("清单"), max_length=12)
    group = models.ForeignKey(
        "campaigns.WorkGroup", verbose_name=_("工作组"), null=True, blank=True, on_delete=models.CASCADE
    )
    period_start = models.DateField(_("起始日期"), null=True, blank=True)
    period_end = models.DateField(_("截止日期"), null=True, blank=True)
    # The 问题台账's filters it was started with ({"status": "in_progress", "region": "370829000000"}): checked
    # again through the list's form, in the user's scope of the day, when the job runs (ledgers.ledger_build).
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    file = models.CharField(_("文件"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "created_at"], name="exportjob_user_idx"),  # my recent exports
            models.Index(fields=["status", "heartbeat_at"], name="exportjob_lease_idx"),  # expired leases
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ImportStage(models.TextChoices):
    CHECK = "check", _("校验")
    WRITE = "write", _("写入")


class ImportJob(BackgroundJob):
    """An Excel import too large for one request (more than SIJIN_IMPORT_INLINE_ROWS rows), run by the
    background worker (reports.tasks.import_task): every row is checked first, then written in batches, each
    its own short transaction, so the SQLite write lock is never held for long.

    All or nothing for the user: the primary keys written so far are kept in ``written`` in the same
    transaction as each batch, and a job that fails (a row the services refuse, its worker dying, the lease
    expiring) deletes them again before it is marked failed. ``file`` is the uploaded workbook, kept until the
    job is done or refused; ``errors`` the row errors (“第N行 第M列:原因”) when it was refused."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.CASCADE,
        related_name="import_jobs",
    )
    what = models.CharField(
        _("导入内容"), max_length=10, choices=[("targets", _("帮扶对象")), ("problems", _("问题"))]
    )
    campaign = models.ForeignKey("campaigns.Campaign", verbose_name=_("行动"), on_delete=models.CASCADE)
    file = models.CharField(_("文件"), max_length=300, blank=True)
    filename = models.CharField(_("上传文件名"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    stage = models.CharField(_("阶段"), max_length=8, choices=ImportStage.choices, default=ImportStage.CHECK)
    rows_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    written = models.JSONField(_("已写入的编号"), default=list, blank=True)
    errors = models.JSONField(_("行错误"), default=list, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "created_at"], name="importjob_user_idx"),  # my recent imports
            models.Index(fields=["status", "heartbeat_at"], name="importjob_lease_idx"),  # expired leases
        ]

    def __str__(self) -> str:
        return f"{self.what} #{self.pk}"
