"""Forms of the 帮扶对象 pages: input checks only; every write goes through the services."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from sijin.directory.models import Person, Region

from .attributes import clean_attributes
from .models import AttributeType, CadreRole, DocumentKind, Target, TargetKind, WorkGroup
from .services import BULK_MAX

ATTR_PREFIX = "attr_"
BOOL_CHOICES = [("", "—"), ("是", _("是")), ("否", _("否"))]
HINTS = {
    AttributeType.QUANTITY: _(
        "可按原话填写,如“1.8亿元”“3000多人”“200余亩”,保存时换算为{unit}并保留约/余/多。"
    ),
    AttributeType.NUMBER: _("填写数字,如 100 或 85.5。"),
    AttributeType.PERCENT: _("填写0到100之间的数字。"),
}
# Model fields that the service may report errors on and that the form shows as inputs.
TARGET_FIELDS = ("name", "region", "address", "credit_code", "group", "responsible", "contacts", "profile")


def attribute_field(item: dict[str, Any]) -> forms.Field:
    """One input for a schema entry: the label carries the unit, e.g. 规划投资(万元)."""
    label, kind, unit = item["label"], item["type"], item.get("unit", "")
    messages = {"required": format_lazy(_("请填写“{}”。"), label)}
    required = bool(item.get("required"))
    field: forms.Field
    if kind == AttributeType.BOOL:
        field = forms.ChoiceField(choices=BOOL_CHOICES, required=required, error_messages=messages)
    elif kind == AttributeType.DATE:
        field = forms.CharField(
            required=required, error_messages=messages, widget=forms.DateInput(attrs={"type": "date"})
        )
    else:
        hint = str(HINTS.get(kind, "")).format(unit=unit or _("统一单位"))
        field = forms.CharField(required=required, max_length=100, error_messages=messages, help_text=hint)
    field.label = f"{label}({unit})" if unit and kind != AttributeType.PERCENT else label
    return field


def attribute_initial(value: Any) -> str:
    """What the user typed last time (“1.8亿元”), else the stored value."""
    if isinstance(value, dict):
        return str(value.get("as_typed") or value.get("value", ""))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


class TargetForm(forms.Form):
    """帮扶对象 with its kind's fields (``attr_<key>``); the kind is chosen before the form is shown."""

    name = forms.CharField(
        label=_("名称"),
        max_length=100,
        error_messages={"required": _("请填写名称。")},
        help_text=_("名称暂不知道时填“某企业”“某村”等,系统自动编号为“未具名企业 1”……"),
    )
    region = forms.ModelChoiceField(
        label=_("所在区划"),
        queryset=Region.objects.none(),
        error_messages={"required": _("请选择所在区划。"), "invalid_choice": _("所选区划无效。")},
    )
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    credit_code = forms.CharField(
        label=_("统一社会信用代码"), required=False, help_text=_("企业填写18位代码,系统会核对校验位。")
    )
    group = forms.ModelChoiceField(
        label=_("工作组"),
        queryset=WorkGroup.objects.none(),
        error_messages={"required": _("请选择工作组。"), "invalid_choice": _("请选择您可以管理的工作组。")},
    )
    responsible = forms.ModelChoiceField(
        label=_("包保责任人"),
        queryset=Person.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("包保责任人应为工作组成员。")},
    )
    contacts = forms.CharField(
        label=_("联系人"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("姓名、职务、电话,一行一人。"),
    )
    profile = forms.CharField(label=_("基本情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self,
        *args: Any,
        kind: TargetKind,
        groups: QuerySet[WorkGroup],
        regions: QuerySet[Region],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["group"].queryset = groups  # type: ignore[attr-defined]
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["responsible"].queryset = (  # type: ignore[attr-defined]
            Person.objects.filter(memberships__group__in=groups).distinct().order_by("name")
        )
        for item in kind.schema:
            self.fields[ATTR_PREFIX + item["key"]] = attribute_field(item)

    @classmethod
    def initial_for(cls, target: Target) -> dict[str, Any]:
        initial: dict[str, Any] = {f: getattr(target, f) for f in TARGET_FIELDS}
        for key, value in target.attributes.items():
            initial[ATTR_PREFIX + key] = attribute_initial(value)
        return initial

    def clean_credit_code(self) -> str:
        return self.cleaned_data["credit_code"].strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        group, person = data.get("group"), data.get("responsible")
        if group and person and not group.memberships.filter(person=person).exists():
            self.add_error("responsible", _("包保责任人应为所选工作组的成员。"))
        # The schema check gives messages keyed by attribute, so each one lands next to its input.
        try:
            clean_attributes(self.kind.schema, self.attributes())
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                name = ATTR_PREFIX + key
                if name in self.fields and name not in self.errors:
                    self.add_error(name, messages)
        return data

    def attributes(self) -> dict[str, str]:
        return {
            item["key"]: self.cleaned_data.get(ATTR_PREFIX + item["key"]) or ""
            for item in self.kind.schema
            if self.cleaned_data.get(ATTR_PREFIX + item["key"])
        }

    def target_fields(self) -> dict[str, Any]:
        return {f: self.cleaned_data[f] for f in TARGET_FIELDS}

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put the service's errors next to the inputs; attribute messages name their attribute's label."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for field, messages in exc.message_dict.items():
            if field == "attributes":
                for message in messages:
                    self.add_error(self._attribute_for(message), message)
            else:
                self.add_error(field if field in self.fields else None, messages)

    def _attribute_for(self, message: str) -> str | None:
        for item in self.kind.schema:
            if f"“{item['label']}”" in message or f"“{item['key']}”" in message:
                return ATTR_PREFIX + item["key"]
        return None

    def attribute_fields(self) -> list[forms.BoundField]:
        return [self[ATTR_PREFIX + item["key"]] for item in self.kind.schema]

    def base_fields_bound(self) -> list[forms.BoundField]:
        return [self[f] for f in TARGET_FIELDS]


UNDECIDED = "undecided"


class BulkTargetForm(forms.Form):
    """批量新增帮扶对象: a number of unnamed ones, or pasted names (the service checks lines and duplicates)."""

    kind = forms.ChoiceField(label=_("类型"), error_messages={"required": _("请选择类型。")})
    count = forms.IntegerField(
        label=_("数量"),
        required=False,
        min_value=1,
        max_value=BULK_MAX,
        help_text=_("名称未知时填写数量,如 12,系统新增“未具名企业 1”至“未具名企业 12”。"),
        error_messages={
            "min_value": _("数量至少为1。"),
            "max_value": _("一次最多新增%(limit_value)s个。"),
            "invalid": _("数量应为整数。"),
        },
    )
    names = forms.CharField(
        label=_("名称(每行一个)"),
        required=False,
        max_length=BULK_MAX * 102,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("最多500行,每行不超过100字;与已有对象重名或重复的行会被指出,全部无误才保存。"),
        error_messages={"max_length": _("粘贴内容过长。")},
    )

    def __init__(self, *args: Any, group: WorkGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = [(k.code, k.name) for k in group.campaign.kinds.filter(undecided=False).order_by("order")]
        self.fields["kind"].choices = [*kinds, (UNDECIDED, _("待定"))]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("count") and not (data.get("names") or "").strip():
            raise ValidationError(_("请填写数量,或粘贴名称(每行一个)。"))
        if data.get("count") and (data.get("names") or "").strip():
            raise ValidationError(_("数量和名称只填一项。"))
        return data


class CadreForm(forms.Form):
    """A 包保 cadre for a target, chosen among the people the group works with."""

    person = forms.ModelChoiceField(
        label=_("干部"),
        queryset=Person.objects.none(),
        error_messages={"required": _("请选择干部。"), "invalid_choice": _("所选干部无效。")},
    )
    role = forms.ChoiceField(label=_("包保角色"), choices=CadreRole.choices)
    start = forms.DateField(
        label=_("起始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("日期格式不正确。")},
    )
    end = forms.DateField(
        label=_("截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("日期格式不正确。")},
    )

    def __init__(self, *args: Any, people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people  # type: ignore[attr-defined]


class GroupDocumentForm(forms.Form):
    title = forms.CharField(
        label=_("标题"),
        max_length=100,
        required=False,
        help_text=_("不知道标题时可不填,显示为类别(如“工作方案”)"),
        error_messages={"max_length": _("标题不能超过%(limit_value)d字。")},
    )
    kind = forms.ChoiceField(label=_("类别"), choices=DocumentKind.choices)
    issued_on = forms.DateField(
        label=_("印发日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("日期格式不正确。")},
    )
    file = forms.FileField(label=_("文件"), required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
