"""Forms of the problem pages: the ledger's filters and one small form per workflow action."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from sijin.campaigns.models import Category, TargetKind
from sijin.directory.models import Organization, Person
from sijin.fieldwork.models import Satisfaction

from .models import Level, Status
from .workflow import FIELD_LABELS, ReturnReason, Transition

LIGHT_CHOICES = [
    ("", _("全部亮灯")),
    ("red", _("超期(红灯)")),
    ("yellow", _("临期(黄灯)")),
    ("green", _("正常(绿灯)")),
    ("closed_late", _("逾期办结")),
    ("none", _("无期限")),
]

# Sort keys users may ask for (?sort=deadline, ?sort=-reported_on) → the columns they order by.
SORTS = {
    "reported_on": "reported_on",
    "deadline": "deadline",
    "status": "status",
    "level": "level",
    "target": "target__name",
    "handling_org": "handling_org__name",
    "title": "title",
}
DEFAULT_SORT = "-reported_on"


class ProblemFilterForm(forms.Form):
    """The ledger's filters; every field optional, invalid values are simply ignored."""

    q = forms.CharField(label=_("关键词"), required=False)
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部状态")), *Status.choices], required=False
    )
    light = forms.ChoiceField(label=_("亮灯"), choices=LIGHT_CHOICES, required=False)
    level = forms.ChoiceField(
        label=_("办理层级"), choices=[("", _("全部层级")), *Level.choices], required=False
    )
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=Category.objects.none(), required=False, empty_label=_("全部类别")
    )
    handling_org = forms.ModelChoiceField(
        label=_("承办单位"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("全部承办单位"),
    )
    kind = forms.ModelChoiceField(
        label=_("对象类型"), queryset=TargetKind.objects.none(), required=False, empty_label=_("全部对象类型")
    )
    reported_from = forms.DateField(
        label=_("发现日期自"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reported_to = forms.DateField(
        label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, problems, **kwargs):
        super().__init__(*args, **kwargs)
        campaigns = problems.values("campaign_id")
        self.fields["category"].queryset = Category.objects.filter(campaign_id__in=campaigns).order_by(
            "campaign_id", "order"
        )
        self.fields["kind"].queryset = TargetKind.objects.filter(campaign_id__in=campaigns).order_by(
            "campaign_id", "order"
        )
        self.fields["handling_org"].queryset = Organization.objects.filter(
            pk__in=problems.exclude(handling_org=None).values("handling_org_id")
        ).order_by("name")

    def ordering(self) -> str:
        sort = getattr(self, "cleaned_data", {}).get("sort") or DEFAULT_SORT
        return sort if sort.lstrip("-") in SORTS else DEFAULT_SORT


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _field(name: str, required: bool, user_problems) -> forms.Field:
    label = _(FIELD_LABELS.get(name, name))
    msgs = {
        "required": format_lazy(_("请填写{}。"), label),
        "invalid": format_lazy(_("{}格式不正确。"), label),
        "invalid_choice": format_lazy(_("{}选择无效。"), label),
    }
    kw: dict[str, Any] = {"label": label, "required": required, "error_messages": msgs}
    if name == "level":
        return forms.ChoiceField(choices=[("", _("请选择")), *Level.choices], **kw)
    if name == "handling_org":
        return forms.ModelChoiceField(
            queryset=Organization.objects.order_by("name"), empty_label=_("请选择"), **kw
        )
    if name == "handler":
        return forms.ModelChoiceField(
            queryset=Person.objects.filter(organization__isnull=False).order_by("name"),
            empty_label=_("不指定"),
            **kw,
        )
    if name == "deadline_days":
        return forms.IntegerField(min_value=1, max_value=365, help_text=_("不填则按类别或行动默认时限"), **kw)
    if name == "complex":
        return forms.BooleanField(label=label, required=False)
    if name in ("resolution", "comment"):
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **kw)
    if name == "reason":
        return forms.ChoiceField(
            choices=[("", _("请选择")), *((r, _(r)) for r in ReturnReason.choices)], **kw
        )
    if name in ("new_deadline", "review_on"):
        return forms.DateField(widget=_date_input(), **kw)
    if name == "satisfaction":
        return forms.ChoiceField(choices=Satisfaction.choices, widget=forms.RadioSelect, **kw)
    if name == "merged_into":
        return forms.ModelChoiceField(
            queryset=user_problems,
            widget=forms.NumberInput(attrs={"min": 1}),
            help_text=_("目标问题的编号"),
            **{**kw, "label": _("合并至(问题编号)")},
        )
    raise ValueError(name)


FORM_FIELDS = (
    "level",
    "handling_org",
    "handler",
    "deadline_days",
    "complex",
    "resolution",
    "reason",
    "new_deadline",
    "satisfaction",
    "review_on",
    "merged_into",
    "comment",
)


class ActionForm(forms.Form):
    """The fields of one action, built from its Transition (required ones first); ``version`` is what was seen."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, action: str, transition: Transition | None, user_problems, **kwargs):
        kwargs["prefix"] = action
        super().__init__(*args, **kwargs)
        self.action = action
        requires = transition.requires if transition else ()
        optional = (*transition.optional, "comment") if transition else ()
        for name in FORM_FIELDS:
            if name in requires or name in optional:
                self.fields[name] = _field(name, name in requires, user_problems)

    def clean(self):
        data = super().clean()
        org, handler = data.get("handling_org"), data.get("handler")
        if org and handler and handler.organization_id != org.pk:
            raise ValidationError({"handler": _("承办人不属于所选承办单位。")})
        return data

    def transition_fields(self) -> dict:
        """The cleaned values to pass on: empty optional values are left out."""
        return {k: v for k, v in self.cleaned_data.items() if k != "version" and v not in (None, "", False)}
