"""Forms of the problem pages: the ledger's filters and one small form per workflow action."""

from django import forms
from django.core.exceptions import ValidationError

from sijin.campaigns.models import Category, TargetKind
from sijin.directory.models import Organization, Person
from sijin.fieldwork.models import Satisfaction

from .models import Level, Status
from .workflow import FIELD_LABELS, ReturnReason, Transition

LIGHT_CHOICES = [
    ("", "全部亮灯"),
    ("red", "超期(红灯)"),
    ("yellow", "临期(黄灯)"),
    ("green", "正常(绿灯)"),
    ("closed_late", "逾期办结"),
    ("none", "无期限"),
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

    q = forms.CharField(label="关键词", required=False)
    status = forms.ChoiceField(label="状态", choices=[("", "全部状态"), *Status.choices], required=False)
    light = forms.ChoiceField(label="亮灯", choices=LIGHT_CHOICES, required=False)
    level = forms.ChoiceField(label="办理层级", choices=[("", "全部层级"), *Level.choices], required=False)
    category = forms.ModelChoiceField(
        label="类别", queryset=Category.objects.none(), required=False, empty_label="全部类别"
    )
    handling_org = forms.ModelChoiceField(
        label="承办单位", queryset=Organization.objects.none(), required=False, empty_label="全部承办单位"
    )
    kind = forms.ModelChoiceField(
        label="对象类型", queryset=TargetKind.objects.none(), required=False, empty_label="全部对象类型"
    )
    reported_from = forms.DateField(
        label="发现日期自", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reported_to = forms.DateField(
        label="至", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
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
    label = FIELD_LABELS.get(name, name)
    msgs = {
        "required": f"请填写{label}。",
        "invalid": f"{label}格式不正确。",
        "invalid_choice": f"{label}选择无效。",
    }
    kw = {"label": label, "required": required, "error_messages": msgs}
    if name == "level":
        return forms.ChoiceField(choices=[("", "请选择"), *Level.choices], **kw)
    if name == "handling_org":
        return forms.ModelChoiceField(
            queryset=Organization.objects.order_by("name"), empty_label="请选择", **kw
        )
    if name == "handler":
        return forms.ModelChoiceField(
            queryset=Person.objects.filter(organization__isnull=False).order_by("name"),
            empty_label="不指定",
            **kw,
        )
    if name == "deadline_days":
        return forms.IntegerField(min_value=1, max_value=365, help_text="不填则按类别或行动默认时限", **kw)
    if name == "complex":
        return forms.BooleanField(label=label, required=False)
    if name in ("resolution", "comment"):
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **kw)
    if name == "reason":
        return forms.ChoiceField(choices=[("", "请选择"), *((r, r) for r in ReturnReason.choices)], **kw)
    if name in ("new_deadline", "review_on"):
        return forms.DateField(widget=_date_input(), **kw)
    if name == "satisfaction":
        return forms.ChoiceField(choices=Satisfaction.choices, widget=forms.RadioSelect, **kw)
    if name == "merged_into":
        return forms.ModelChoiceField(
            queryset=user_problems,
            widget=forms.NumberInput(attrs={"min": 1}),
            help_text="目标问题的编号",
            **{**kw, "label": "合并至(问题编号)"},
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
        super().__init__(*args, prefix=action, **kwargs)
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
            raise ValidationError({"handler": "承办人不属于所选承办单位。"})
        return data

    def transition_fields(self) -> dict:
        """The cleaned values to pass on: empty optional values are left out."""
        return {k: v for k, v in self.cleaned_data.items() if k != "version" and v not in (None, "", False)}
