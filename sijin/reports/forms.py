"""Forms of the report pages (清单, 导入, 数据看板, 简报): input checks only; the choices offered come from the
scope module."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from sijin.accounts import access
from sijin.campaigns.models import Campaign, WorkGroup
from sijin.directory.models import Organization, Region, RegionLevel
from sijin.problems.forms import Offered, OfferedRegionField, PlainSelect, offer

from .dashboard import picker_options


class PeriodForm(forms.Form):
    group: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, label=_("工作组"), empty_label=_("全部(我的范围)")
    )
    start = forms.DateField(
        required=False, label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(required=False, label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = WorkGroup.objects.visible_to(user).order_by("name")  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError(_("截止日期不能早于起始日期。"))
        return data


def import_campaigns(user) -> QuerySet[Campaign]:
    """Campaigns the user may import into: those of the groups they may write to."""
    return (
        Campaign.objects.filter(groups__in=access.visible_groups_for_write(user))
        .distinct()
        .order_by("-start")
    )


class ImportForm(forms.Form):
    what = forms.ChoiceField(
        label=_("导入内容"), choices=[("targets", _("帮扶对象")), ("problems", _("问题"))]
    )
    campaign: forms.ModelChoiceField[Any] = forms.ModelChoiceField(queryset=None, label=_("行动"))
    file = forms.FileField(label=_("Excel 文件(.xlsx)"))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = import_campaigns(user)  # type: ignore[attr-defined]


class DashboardForm(PeriodForm):
    """The 数据看板's filters. Its drop-downs are read once each and written out as plain options (a city office
    is offered some hundreds of groups): one query for each list, none to render it."""

    campaign: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, label=_("行动"), empty_label=_("全部"), widget=PlainSelect
    )
    # A plain select of the regions in scope, indented as a tree (a full-width space per level); with script,
    # static/sijin/region-picker.js turns it into cascading 省→市→县 selects.
    region = OfferedRegionField(
        queryset=Region.objects.none(),
        required=False,
        label=_("区划"),
        empty_label=_("全部(我的范围)"),
        widget=PlainSelect(attrs={"data-region-picker": ""}),
        error_messages={"invalid_choice": _("该区划不在您的范围内。")},
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        group: Any = self.fields["group"]
        group.widget = PlainSelect()
        offer(group, group.queryset)
        offer(
            self.fields["campaign"],
            Campaign.objects.filter(pk__in=WorkGroup.objects.visible_to(user).values("campaign_id")).order_by(
                "-start"
            ),
        )
        regions = picker_options(user)
        region: Any = self.fields["region"]
        region.top_level = min((r.level for r in regions), default=RegionLevel.PROVINCE)
        region.offer_read([Offered(r.code, r.name, r.level) for r in regions])


class BriefingNewForm(forms.Form):
    group: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, label=_("工作组")
    )
    organization: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, label=_("或:派出单位(汇总其全部工作组)")
    )
    region = forms.CharField(
        required=False,
        max_length=12,
        label=_("或:区划代码(汇总区划内全部工作组)"),
        help_text=_("活动办可用,例如 371621(惠民县)、3716(滨州市)。"),
    )
    start = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    list_targets = forms.BooleanField(
        required=False,
        label=_("区划简报逐个写出帮扶对象"),
        help_text=_("区划简报默认按地区和工作组汇总;勾选后另逐个写出有进展的帮扶对象,对象多时篇幅很长。"),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        groups = access.visible_groups_for_write(user)
        self.fields["group"].queryset = groups.order_by("name")  # type: ignore[attr-defined]
        # A unit briefing is the unit's own report: offered to the unit (and the admin), not to others.
        units = Organization.objects.filter(id__in=groups.values("dispatching_org"))
        if not access.is_admin(user):
            units = units.filter(id__in=access.unit_ids(user))
        self.fields["organization"].queryset = units.order_by("name")  # type: ignore[attr-defined]

    def clean_region(self):
        code = (self.cleaned_data.get("region") or "").strip()
        if not code:
            return None
        region = Region.objects.filter(code=code.ljust(12, "0")).first() if code.isdigit() else None
        if region is None:
            raise ValidationError(_("区划代码不存在,例如 371621(惠民县)。"))
        if not access.can_brief_region(self.user, region):
            raise ValidationError(_("只有该区划的活动办可以起草区划简报。"))
        return region

    def clean(self):
        data = super().clean() or {}
        if sum(bool(data.get(k)) for k in ("group", "organization", "region")) != 1:
            raise ValidationError(_("请选择一个工作组、一个派出单位或一个区划。"))
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError(_("截止日期不能早于起始日期。"))
        return data


class BriefingEditForm(forms.Form):
    """The draft as the office edits it: the body comes from the rich text editor as HTML (without script, a
    text box where a line starting with “# ” is a heading); the service sanitises it."""

    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(
        label=_("正文"),
        help_text=_("小标题的序号(一、(一))在排版时自动编排。"),
        widget=forms.Textarea(attrs={"rows": 24, "data-briefing-body": ""}),
    )
    issuer = forms.CharField(label=_("编发单位"), max_length=100, required=False)
    report_to = forms.CharField(label=_("报"), max_length=300, required=False)
    copy_to = forms.CharField(label=_("送"), max_length=300, required=False)
    issue_to = forms.CharField(label=_("发"), max_length=300, required=False)
