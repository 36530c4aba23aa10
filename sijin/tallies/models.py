"""定期报送 (DHIS2's aggregate data sets): the office defines a form of figures per campaign; each group reports
its figures per period, pre-filled from what it itemised; the reported figure is kept beside the itemised one.

The reported figure may exceed the itemised (走访120家, three of them described): both are shown, neither is
forced to match the other.

The office (活动办) may report on a form too, for the whole campaign (全省选派干部13730名) or for one tier of
groups (其中省直1000名): a report with no group. Its figures are kept apart from the groups' sum (totals.py):
they count groups that Sijin may not hold, so adding them to the groups' figures would count those twice.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sijin.accounts import access
from sijin.campaigns.models import GroupTier, WorkGroup
from sijin.core.choices import ColourChoices
from sijin.core.quantities import QUALIFIER_CHOICES, format_quantity

from .periods import PeriodKind

LABEL_MAX = 50
UNIT_MAX = 10


class TallyFormQuerySet(models.QuerySet):
    def visible_to(self, user: access.Viewer) -> "TallyFormQuerySet":
        """Forms of the campaigns in which the user sees a group (accounts.access decides the groups)."""
        groups = WorkGroup.objects.visible_to(user)
        return self.filter(campaign_id__in=groups.values("campaign_id"))


class TallyForm(models.Model):
    """报送表: what the office asks every group of a campaign to report, and how often (周报, 月报)."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("行动"), on_delete=models.CASCADE, related_name="tally_forms"
    )
    name = models.CharField(_("报表名称"), max_length=LABEL_MAX)
    period_kind = models.CharField(_("报送周期"), max_length=10, choices=PeriodKind.choices)
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制表人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = TallyFormQuerySet.as_manager()

    class Meta:
        verbose_name = _("报送表")
        verbose_name_plural = _("报送表")
        ordering = ["campaign", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"],
                name="tallyform_unique_name",
                violation_error_message=_("该行动已有同名报送表。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class TallyField(models.Model):
    """One figure of a form (走访企业 家); ``source`` names the itemised figure that pre-fills it
    (tallies.sources), empty when nothing itemised corresponds."""

    form = models.ForeignKey(
        TallyForm, verbose_name=_("报送表"), on_delete=models.CASCADE, related_name="fields"
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    code = models.SlugField(_("代码"), max_length=32)
    label = models.CharField(_("栏目"), max_length=LABEL_MAX)
    unit = models.CharField(_("单位"), max_length=UNIT_MAX, blank=True)
    source = models.CharField(_("对应明细"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("报送栏目")
        verbose_name_plural = _("报送栏目")
        ordering = ["form", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "code"],
                name="tallyfield_unique_code",
                violation_error_message=_("该报送表已有此代码的栏目。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.label}({self.unit})" if self.unit else self.label


class TallyStatus(ColourChoices):
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("已报送")

    __colours__ = {"draft": "warning", "submitted": "success"}


class TallyReportQuerySet(models.QuerySet):
    def visible_to(self, user: access.Viewer) -> "TallyReportQuerySet":
        """The reports of groups in the user's scope, and the office's reports of the campaigns in which the
        user sees a group (campaign-wide figures)."""
        campaigns = WorkGroup.objects.visible_to(user).values("campaign_id")
        office = models.Q(group__isnull=True, form__campaign_id__in=campaigns)
        return self.filter(models.Q(access.group_q(user, "group__"), group__isnull=False) | office)


class TallyReport(models.Model):
    """One group's figures for one period of a form; with no group, the office's (活动办) figures for the whole
    campaign, or with a ``tier`` for the groups of that tier (省直 sub-totals).

    A 行动全程 report's figures are cumulative 截至 a day (``as_of``, set when it is submitted): it counts in any
    period that holds that day, not only in one reaching the campaign's end. A week's or a month's has none."""

    form = models.ForeignKey(
        TallyForm, verbose_name=_("报送表"), on_delete=models.CASCADE, related_name="reports"
    )
    group = models.ForeignKey(
        "campaigns.WorkGroup",
        verbose_name=_("工作组"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tally_reports",
        help_text=_("为空时为活动办报送的全行动数字"),
    )
    tier = models.CharField(
        _("派驻层级"),
        max_length=10,
        blank=True,
        choices=GroupTier.choices,
        help_text=_("活动办按派驻层级报送分项数字时填写;为空时为全行动合计"),
    )
    period_start = models.DateField(_("周期开始"))
    period_end = models.DateField(_("周期结束"))
    as_of = models.DateField(
        _("截至日期"),
        null=True,
        blank=True,
        help_text=_("行动全程的累计数截至哪一天;报送时填写,默认报送当天"),
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=TallyStatus.choices, default=TallyStatus.DRAFT
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = TallyReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("定期报送")
        verbose_name_plural = _("定期报送")
        ordering = ["form", "-period_start", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "group", "period_start"],
                condition=models.Q(group__isnull=False),
                name="tallyreport_unique_period",
                violation_error_message=_("该工作组本周期已有此报表。"),
            ),
            models.UniqueConstraint(
                fields=["form", "tier", "period_start"],
                condition=models.Q(group__isnull=True),
                name="tallyreport_unique_office_period",
                violation_error_message=_("活动办本周期已有此报表。"),
            ),
            models.CheckConstraint(
                condition=models.Q(group__isnull=True) | models.Q(tier=""),
                name="tallyreport_tier_office_only",
                violation_error_message=_("工作组的报送不分派驻层级。"),
            ),
            models.CheckConstraint(
                condition=models.Q(as_of__isnull=True)
                | models.Q(as_of__gte=models.F("period_start"), as_of__lte=models.F("period_end")),
                name="tallyreport_as_of_in_period",
                violation_error_message=_("截至日期应在报送周期内。"),
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="tallyreport_end_after_start",
                violation_error_message=_("周期结束不能早于开始。"),
            ),
        ]
        # The office's table: one form's reports of one period.
        indexes = [models.Index(fields=["form", "period_start"], name="tallyreport_period_idx")]

    def __str__(self) -> str:
        return f"{self.reporter} {self.form} {self.period_start}"

    @property
    def stands_at(self):
        """The day its figures stand at: ``as_of``, else the end of its period."""
        return self.as_of or self.period_end

    @property
    def reporter(self) -> str:
        """工作组 name; 活动办 (全行动) or 活动办(省派) for the office's reports."""
        if self.group is not None:
            return self.group.name
        return f"活动办({self.get_tier_display()})" if self.tier else "活动办(全行动)"

    @property
    def status_colour(self) -> str:
        return TallyStatus.colour_of(self.status)


class TallyValue(models.Model):
    """One reported figure, kept as typed (“30余”) and as a number in the field's unit; empty until filled."""

    report = models.ForeignKey(
        TallyReport, verbose_name=_("报送"), on_delete=models.CASCADE, related_name="values"
    )
    field = models.ForeignKey(
        TallyField, verbose_name=_("栏目"), on_delete=models.PROTECT, related_name="values"
    )
    value = models.DecimalField(_("数值"), max_digits=18, decimal_places=4, null=True, blank=True)
    qualifier = models.CharField(_("修饰"), max_length=2, blank=True, choices=QUALIFIER_CHOICES)
    as_typed = models.CharField(_("原始填写"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("报送数值")
        verbose_name_plural = _("报送数值")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "field"],
                name="tallyvalue_unique_field",
                violation_error_message=_("同一栏目只能填写一次。"),
            ),
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | models.Q(value__gte=0),
                name="tallyvalue_nonnegative",
                violation_error_message=_("数值不能为负数。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.field.label} {self.display}"

    @property
    def display(self) -> str:
        if self.value is None:
            return ""
        return self.as_typed or format_quantity(self.value, self.field.unit, self.qualifier)
