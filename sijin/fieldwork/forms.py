"""Forms of the field pages (走访, 帮扶方案, 成效, 评价, 清单): input checks only; every write goes through the
services."""

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from sijin.campaigns.models import Category, Indicator, MeasureType, Target, WorkGroup
from sijin.core.forms import MultipleFileField
from sijin.directory.models import Person

from .models import (
    MAX_PEOPLE,
    MAX_TIMES,
    MAX_UNITS,
    OUTCOME_TEXT_MAX,
    ChecklistKind,
    PlanStep,
    Satisfaction,
    StepStatus,
    SupportPlan,
    Visit,
    VisitMode,
)
from .photos import photo_check

QUICK_MODES = [
    (m.value, m.label)
    for m in (VisitMode.COLLECTIVE, VisitMode.INDIVIDUAL, VisitMode.SYMPOSIUM, VisitMode.ONSITE)
]
MAX_PHOTOS = 12


class MultiplePhotoField(MultipleFileField):
    """Several photos from one <input multiple>; each one is checked by content."""

    accept = "image/jpeg,image/png,image/heic,.heic"
    max_files = MAX_PHOTOS
    too_many = _("一次最多上传%(n)d张照片。")

    def check(self, uploaded_file: UploadedFile) -> None:
        photo_check(uploaded_file)


def coordinate_field(label: Any, limit: int) -> forms.DecimalField:
    """A latitude or longitude as the phone gives it (WGS 84, degrees, at most 6 decimals: about 0.1 m)."""
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=-limit,
        max_value=limit,
        max_digits=9,
        decimal_places=6,
        localize=False,
        widget=forms.TextInput(
            attrs={
                "readonly": True,
                "inputmode": "decimal",
                "autocomplete": "off",
                "class": "bg-body-tertiary",
            }
        ),
        error_messages={
            "invalid": format_lazy(_("{}应为数字。"), label),
            "min_value": format_lazy(_("{}应在-{}到{}之间。"), label, limit, limit),
            "max_value": format_lazy(_("{}应在-{}到{}之间。"), label, limit, limit),
            "max_decimal_places": format_lazy(_("{}最多保留6位小数。"), label),
            "max_digits": format_lazy(_("{}应在-{}到{}之间。"), label, limit, limit),
            "max_whole_digits": format_lazy(_("{}应在-{}到{}之间。"), label, limit, limit),
        },
    )


class VisitForm(forms.Form):
    """走访 quick entry: the group is chosen first (it decides the targets and people offered)."""

    group: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("工作组"), queryset=None, empty_label=None
    )
    targets: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("走访对象"),
        queryset=Target.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个走访对象。"), "invalid_choice": _("所选走访对象无效。")},
    )
    date = forms.DateField(
        label=_("走访日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写走访日期。"), "invalid": _("日期格式不正确。")},
    )
    mode = forms.ChoiceField(
        label=_("方式"),
        choices=QUICK_MODES,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择走访方式。")},
    )
    end_date = forms.DateField(
        label=_("截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("合并录入一段时间的走访时填写。"),
        error_messages={"invalid": _("日期格式不正确。")},
    )
    occasions = forms.IntegerField(
        label=_("走访次数"),
        initial=1,
        required=False,  # empty: one visit
        min_value=1,
        max_value=MAX_TIMES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("共走访几次;走访多个对象也只计这一次数。"),
        error_messages={
            "invalid": _("走访次数应为整数。"),
            "min_value": _("走访次数至少为1。"),
            "max_value": _("走访次数不能超过%(limit_value)s。"),
        },
    )
    part_of: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("已计入汇总走访"),
        queryset=Visit.objects.none(),
        required=False,
        empty_label=_("(否,单独计数)"),
        help_text=_("这次走访已包含在合并录入的走访次数中(如“3月共走访21次”)时选择,不再重复计数。"),
        error_messages={"invalid_choice": _("所选汇总走访无效。")},
    )
    participants: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("参加人员"),
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    notes = forms.CharField(label=_("走访记录"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    photos = MultiplePhotoField(
        label=_("照片"), required=False, help_text=_("JPEG、PNG或HEIC,每张不超过10MB,可多选。")
    )
    keep_location = forms.BooleanField(
        label=_("保留位置信息"),
        required=False,
        help_text=_("默认删除照片中的GPS位置;勾选后照片保留拍摄地点。"),
    )
    # Filled by the page's 获取当前位置 button (visit-location.js); both or neither.
    latitude = coordinate_field(_("纬度"), 90)
    longitude = coordinate_field(_("经度"), 180)
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, groups, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups  # type: ignore[attr-defined]
        self.fields["group"].error_messages["invalid_choice"] = _("请选择您所在的工作组。")
        if group is not None:
            targets = group.targets.order_by("kind__order", "name")
            people = Person.objects.filter(memberships__group=group).order_by("name")
            self.fields["targets"].queryset = targets  # type: ignore[attr-defined]
            self.fields["participants"].queryset = people  # type: ignore[attr-defined]
            part_of: Any = self.fields["part_of"]
            part_of.queryset = counted_entries(group)
            part_of.label_from_instance = lambda v: (
                f"{v.date:%Y-%m-%d}至{(v.end_date or v.date):%Y-%m-%d} {v.occasions_display}"
                + (f" {v.purpose}" if v.purpose else "")
            )

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise ValidationError(_("走访日期不能晚于今天。"))
        return value

    def clean_occasions(self):
        return self.cleaned_data["occasions"] or 1

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("截止日期不能早于走访日期。"))
        elif end and end > timezone.localdate():
            self.add_error("end_date", _("截止日期不能晚于今天。"))
        entry = data.get("part_of")
        if entry is not None and start and not entry.date <= start <= (entry.end_date or entry.date):
            self.add_error("part_of", _("走访日期不在所选汇总走访的时间段内。"))
        if (
            "latitude" in data
            and "longitude" in data
            and (data["latitude"] is None) != (data["longitude"] is None)
        ):
            self.add_error("latitude", _("位置须同时有纬度和经度,请重新获取位置或清除。"))
        return data


def counted_entries(group: Any) -> Any:
    """The group's counted visit entries (a range or several times) a single visit may be one of."""
    return (
        Visit.objects.filter(group=group, part_of=None)
        .filter(Q(occasions__gt=1) | Q(end_date__isnull=False))
        .order_by("-date", "-id")
    )


class ProblemFoundForm(forms.Form):
    """One problem found on the visit; a row without a title is ignored. Its category is one of the group's
    campaign (blank: 未分类); ``at_visit`` puts it where the visit was recorded, when a location was taken."""

    target: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("帮扶对象"), queryset=Target.objects.none(), required=False
    )
    title = forms.CharField(label=_("问题"), max_length=200, required=False)
    category: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("类别"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("未分类"),
        error_messages={"invalid_choice": _("所选类别不属于本工作组所在的行动。")},
    )
    description = forms.CharField(
        label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    at_visit = forms.BooleanField(label=_("问题位置同走访位置"), required=False, initial=True)

    def __init__(self, *args, group=None, **kwargs):
        super().__init__(*args, **kwargs)
        if group is not None:
            targets = group.targets.order_by("kind__order", "name")
            self.fields["target"].queryset = targets  # type: ignore[attr-defined]
            categories = Category.objects.filter(campaign_id=group.campaign_id).order_by("order", "name")
            self.fields["category"].queryset = categories  # type: ignore[attr-defined]
        self.fields["target"].error_messages["invalid_choice"] = _("所选帮扶对象无效。")

    def clean(self):
        data = super().clean() or {}
        if data.get("title") and not data.get("target"):
            self.add_error("target", _("请选择问题所在的帮扶对象。"))
        if not data.get("title") and (data.get("target") or data.get("description") or data.get("category")):
            self.add_error("title", _("请填写问题。"))
        return data


ProblemFoundFormSet = forms.formset_factory(ProblemFoundForm, extra=3, max_num=10)


def problems_found(
    formset: forms.BaseFormSet, latitude: Decimal | None, longitude: Decimal | None
) -> list[dict[str, Any]]:
    """The filled problem rows, as visit_report takes them: those marked 同走访位置 carry the visit's location."""
    return [
        {
            **{k: row.get(k) for k in ("target", "title", "description", "category")},
            **({"latitude": latitude, "longitude": longitude} if row.get("at_visit") else {}),
        }
        for row in formset.cleaned_data
        if row.get("title")
    ]


# ---- 帮扶方案, 成效, 评价, 清单 ----------------------------------------------------------------------------------
def date_field(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": format_lazy(_("请填写{}。"), label),
            "invalid": _("日期格式不正确,应为 YYYY-MM-DD。"),
        },
    )


def group_people(target: Target) -> QuerySet[Person]:
    """People who may own a step: the members of the target's work group."""
    return Person.objects.filter(memberships__group_id=target.group_id).distinct().order_by("name")


class ServiceErrorsMixin:
    """Put a service's ValidationError next to the inputs it names; the rest above the form."""

    def add_service_errors(self, exc: ValidationError) -> None:
        form: Any = self
        if not hasattr(exc, "error_dict"):
            form.add_error(None, exc)
            return
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)


class PlanForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label=_("方案名称"),
        max_length=100,
        required=False,
        help_text=_("未命名的方案显示为“帮扶方案”"),
        error_messages={"max_length": _("方案名称不能超过%(limit_value)d字。")},
    )
    goal = forms.CharField(label=_("目标"), max_length=200, required=False)
    summary = forms.CharField(label=_("方案要点"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(
        label=_("负责人"),
        queryset=Person.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("负责人应为工作组成员。")},
    )
    made_on = date_field(_("制定日期"), required=False)

    def __init__(self, *args: Any, target: Target, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = group_people(target)  # type: ignore[attr-defined]


class PlanStepForm(forms.Form):
    """One step row; a row left empty is ignored."""

    group_label = forms.CharField(
        label=_("分组"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如“三早”")}),
    )
    title = forms.CharField(label=_("步骤"), max_length=200, required=False)
    owner = forms.ModelChoiceField(
        label=_("负责人"),
        queryset=Person.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("负责人应为工作组成员。")},
    )
    due = date_field(_("计划完成"), required=False)

    def __init__(self, *args: Any, target: Target | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if target is not None:
            self.fields["owner"].queryset = group_people(target)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("title") and (data.get("group_label") or data.get("owner") or data.get("due")):
            self.add_error("title", _("请填写步骤内容。"))
        return data


def plan_steps(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """The filled step rows in order, as plan_create takes them."""
    return [
        {k: row.get(k) for k in ("group_label", "title", "owner", "due")}
        for row in formset.cleaned_data
        if row.get("title")
    ]


# A plan may be made before its steps are known: every row may stay empty.
PlanStepFormSet = forms.formset_factory(PlanStepForm, extra=6, max_num=20, validate_max=True)


class StepProgressForm(ServiceErrorsMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), choices=StepStatus.choices, error_messages={"invalid_choice": _("请选择状态。")}
    )
    done_on = date_field(_("完成日期"), required=False)
    note = forms.CharField(label=_("进展"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == StepStatus.DONE and not data.get("done_on") and "done_on" not in self.errors:
            self.add_error("done_on", _("已完成的步骤请填写完成日期。"))
        if (done_on := data.get("done_on")) and done_on > timezone.localdate():
            self.add_error("done_on", _("完成日期不能晚于今天。"))
        return data


class OutcomeForm(ServiceErrorsMixin, forms.Form):
    indicator = forms.ModelChoiceField(
        label=_("指标"),
        queryset=Indicator.objects.none(),
        error_messages={"required": _("请选择指标。"), "invalid_choice": _("所选指标无效。")},
    )
    value = forms.CharField(
        label=_("数值"),
        max_length=OUTCOME_TEXT_MAX,
        required=False,
        help_text=_(
            "按原话填写,如“2万斤”“约200”“10-20万元”“约40万元/天”“由9000元增至3万余元”“50万元已到位”;"
            "不写单位时按指标单位计。没有具体数字的成效可直接写文字,如“订单已到账、陆续发货”。"
        ),
        error_messages={"max_length": _("数值最多%(limit_value)d个字。")},
    )
    date = date_field(_("日期"))
    plan = forms.ModelChoiceField(
        label=_("所属方案"), queryset=SupportPlan.objects.none(), required=False, empty_label=_("(不关联)")
    )
    problem = forms.ModelChoiceField(
        label=_("解决的问题"),
        queryset=Target.objects.none(),  # the target's own problems, set below
        required=False,
        empty_label=_("(不关联)"),
        error_messages={"invalid_choice": _("所选问题不属于此帮扶对象。")},
    )
    beneficiaries = forms.ModelMultipleChoiceField(
        label=_("其他受益对象"),
        queryset=Target.objects.none(),
        required=False,
        help_text=_("一项成效惠及多个对象时选择;合计只计一次。"),
        error_messages={
            "invalid_choice": _("所选受益对象无效。"),
            "invalid_pk_value": _("所选受益对象无效。"),
        },
    )
    split = forms.BooleanField(
        label=_("数值在受益对象间平均分摊"),
        required=False,
        help_text=_("不勾选时各对象共享全额(如一条路通几个村)。"),
    )
    note = forms.CharField(
        label=_("说明"), max_length=300, required=False, error_messages={"max_length": _("说明最多300个字。")}
    )

    def __init__(self, *args: Any, target: Target, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.filter(  # type: ignore[attr-defined]
            campaign=target.campaign_id
        )
        self.fields["plan"].queryset = target.plans.all()  # type: ignore[attr-defined]
        # problems sits above fieldwork: reached through the target, never imported
        self.fields["problem"].queryset = target.problems.order_by("-reported_on", "-id")  # type: ignore[attr-defined]
        others = Target.objects.none()
        if user is not None:
            others = Target.objects.visible_to(user).filter(campaign=target.campaign_id).exclude(pk=target.pk)
        self.fields["beneficiaries"].queryset = others.order_by("name")  # type: ignore[attr-defined]
        if not others.exists():
            del self.fields["beneficiaries"], self.fields["split"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("split") and not data.get("beneficiaries"):
            self.add_error("split", _("分摊须先选择其他受益对象。"))
        if not (data.get("value") or "").strip() and not (data.get("note") or "").strip():
            self.add_error("value", _("请填写数值,例如“2万斤”“3.5万元”;没有数字时请用文字说明成效。"))
        return data


class FeedbackForm(ServiceErrorsMixin, forms.Form):
    speaker_name = forms.CharField(
        label=_("评价人"), max_length=50, error_messages={"required": _("请填写评价人。")}
    )
    speaker_role = forms.CharField(
        label=_("评价人身份"), max_length=100, required=False, help_text=_("如“社区党支部书记”")
    )
    addressee = forms.CharField(label=_("对谁说"), max_length=100, required=False)
    quote = forms.CharField(
        label=_("原话"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写评价原话。")},
    )
    rating = forms.ChoiceField(
        label=_("满意度"), choices=[("", _("(未评)")), *Satisfaction.choices], required=False
    )
    date = date_field(_("日期"))


class ChecklistForm(ServiceErrorsMixin, forms.Form):
    """A checklist for one target: its problems to include and rectification items (a formset)."""

    name = forms.CharField(
        label=_("清单名称"), max_length=100, error_messages={"required": _("请填写清单名称。")}
    )
    kind = forms.ChoiceField(
        label=_("类型"),
        choices=ChecklistKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择清单类型。")},
    )
    # The choices are the problems of the target that the user may see, given by the page: fieldwork sits
    # below problems and does not import them.
    problems: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("纳入的问题"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("所选问题不属于该帮扶对象。")},
    )
    created_on = date_field(_("形成日期"))
    supervised = forms.BooleanField(label=_("督促整改"), required=False)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, problems: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["problems"].queryset = problems  # type: ignore[attr-defined]


class ChecklistItemForm(forms.Form):
    """One item row; a row left empty is ignored."""

    text = forms.CharField(label=_("事项"), max_length=300, required=False)
    responsible = forms.CharField(label=_("责任人/单位"), max_length=100, required=False)
    due = date_field(_("整改时限"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("text") and (data.get("responsible") or data.get("due")):
            self.add_error("text", _("请填写事项内容。"))
        return data


def checklist_items(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """The filled item rows, as checklist_create takes them."""
    return [
        {k: row.get(k) for k in ("text", "responsible", "due")}
        for row in formset.cleaned_data
        if row.get("text")
    ]


ChecklistItemFormSet = forms.formset_factory(ChecklistItemForm, extra=5, max_num=50, validate_max=True)


class TargetPickForm(forms.Form):
    """Which target a new checklist is for (a GET form; the rest of the page depends on it)."""

    target = forms.ModelChoiceField(
        label=_("帮扶对象"),
        queryset=Target.objects.none(),
        error_messages={"required": _("请选择帮扶对象。"), "invalid_choice": _("所选帮扶对象无效。")},
    )

    def __init__(self, *args: Any, targets: QuerySet[Target], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets  # type: ignore[attr-defined]


# ---- 帮扶措施 ----------------------------------------------------------------------------------------------------
def count_field(label: Any, limit: int, *, required: bool) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=1 if required else 0,
        max_value=limit,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": format_lazy(_("请填写{}。"), label),
            "invalid": format_lazy(_("{}应为整数。"), label),
            "min_value": format_lazy(_("{}不能小于%(limit_value)s。"), label),
            "max_value": format_lazy(_("{}不能超过%(limit_value)s。"), label),
        },
    )


class MeasureForm(ServiceErrorsMixin, forms.Form):
    """A measure of the group: its type from the campaign's list, what it served from the group's own."""

    type = forms.ModelChoiceField(
        label=_("措施类型"),
        queryset=MeasureType.objects.none(),
        empty_label=_("(请选择)"),
        error_messages={"required": _("请选择措施类型。"), "invalid_choice": _("所选措施类型无效。")},
    )
    date = date_field(_("日期"))
    times = count_field(_("次数"), MAX_TIMES, required=True)
    many = forms.BooleanField(label=_("多次(次数不详)"), required=False)
    units = count_field(_("协调单位/部门数"), MAX_UNITS, required=False)
    people = count_field(_("参加人数"), MAX_PEOPLE, required=False)
    target = forms.ModelChoiceField(
        label=_("帮扶对象"),
        queryset=Target.objects.none(),
        required=False,
        empty_label=_("(不关联)"),
        error_messages={"invalid_choice": _("所选帮扶对象无效。")},
    )
    plan_step = forms.ModelChoiceField(
        label=_("方案步骤"),
        queryset=PlanStep.objects.none(),
        required=False,
        empty_label=_("(不关联)"),
        error_messages={"invalid_choice": _("所选方案步骤无效。")},
    )
    # The choices are the group's problems the user may see, given by the page: fieldwork sits below problems.
    problem: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("问题"),
        queryset=None,
        required=False,
        empty_label=_("(不关联)"),
        error_messages={"invalid_choice": _("所选问题无效。")},
    )
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, group: WorkGroup, problems: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["times"].required = False  # 多次: no count (still at least 1 when given)
        fields["type"].queryset = MeasureType.objects.filter(campaign_id=group.campaign_id)
        fields["target"].queryset = group.targets.order_by("kind__order", "name")  # type: ignore[attr-defined]
        fields["plan_step"].queryset = (
            PlanStep.objects.filter(plan__target__group=group)
            .select_related("plan")
            .order_by("plan__name", "order")
        )
        fields["plan_step"].label_from_instance = lambda s: f"{s.plan.display_name} · {s.order}. {s.title}"
        fields["problem"].queryset = problems
        if not fields["type"].queryset.exists():
            fields["type"].help_text = _("本行动尚未配置措施类型,请联系活动办在系统管理中添加。")

    def clean_date(self) -> Any:
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise ValidationError(_("日期不能晚于今天。"))
        return value

    def clean(self) -> dict[str, Any]:
        """Either a count (at least 1), or 多次 with none: ``times=None`` is what measure_record takes for it."""
        data = super().clean() or {}
        many = data.pop("many", False)
        if many and data.get("times") not in (None, 1):  # 1 is the page's default, left as it was
            self.add_error("many", _("已填写次数时不要勾选“多次”。"))
        elif many:
            data["times"] = None
        elif not data.get("times") and "times" not in self.errors:
            self.add_error("times", _("请填写次数;次数不详时勾选“多次”。"))
        return data
