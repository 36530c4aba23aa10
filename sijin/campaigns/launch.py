"""新建行动: the campaign office's guided page — the campaign, its target kinds, problem categories, indicators,
measure types and deadlines on one page, saved at once through the campaign services, all or nothing.

Only an office opens it (``access.may_create_campaign``), and only for its own region or one below it.
"""

from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sijin.accounts import access
from sijin.accounts.http import AuthenticatedRequest
from sijin.core.once import FormTokenSpent, form_token, form_token_fresh, form_token_spend
from sijin.core.validators import text_cap
from sijin.directory.models import Region, RegionLevel

from . import services
from .models import Campaign, CampaignLevel, Indicator
from .services import IndicatorSpec, KindSpec, MeasureTypeSpec

# The 四进 template: the four kinds with their focus word and slogan, and the attributes most offices ask for.
KIND_PRESETS: list[KindSpec] = [
    {
        "code": "enterprise",
        "name": "企业",
        "focus": "帮",
        "slogan": "进企业真服务,在“帮”上下功夫",
        "schema": [
            {"key": "employees", "label": "职工人数", "type": "quantity", "unit": "人", "required": False},
            {"key": "industry", "label": "行业", "type": "text", "unit": "", "required": False},
        ],
    },
    {
        "code": "project",
        "name": "项目",
        "focus": "引",
        "slogan": "进项目真协调,在“引”上出主意",
        "schema": [
            {"key": "investment", "label": "总投资", "type": "quantity", "unit": "万元", "required": False},
            {"key": "area", "label": "占地", "type": "quantity", "unit": "亩", "required": False},
            {"key": "progress", "label": "进度", "type": "percent", "unit": "%", "required": False},
        ],
    },
    {
        "code": "village",
        "name": "乡村",
        "focus": "扶",
        "slogan": "进乡村真帮助,在“扶”上想办法",
        "schema": [{"key": "industry", "label": "主导产业", "type": "text", "unit": "", "required": False}],
    },
    {
        "code": "community",
        "name": "社区",
        "focus": "细",
        "slogan": "进社区重防疫,在“细”上做文章",
        "schema": [
            {"key": "households", "label": "户数", "type": "quantity", "unit": "户", "required": False}
        ],
    },
]
MEASURE_PRESETS: list[MeasureTypeSpec] = [
    {"name": "政策宣讲", "unit": "场", "people_label": "受众人数"},
    {"name": "协调会", "unit": "次", "units_label": "协调部门", "people_label": "参会人数"},
    {"name": "对接会", "unit": "场", "units_label": "对接单位", "people_label": "参会人数"},
    {"name": "座谈会", "unit": "场", "people_label": "参会人数"},
    {"name": "现场督导", "unit": "次"},
    {"name": "上门服务", "unit": "次", "units_label": "服务对象"},
]
INDICATOR_ROWS = 8
INDICATOR_EXAMPLES = [("挽回损失", "万元"), ("新增产值", "万元"), ("争取资金", "万元"), ("解决用工", "人")]
DEFAULT_CATEGORIES = "政策与资金\n用工与人才\n土地与设施\n技术服务\n安全生产\n其他"
MAX_LINES = 30
# Regions a campaign is organised in: a province, a city or a county (its level must match, see clean()).
LEVEL_OF_REGION = {
    CampaignLevel.PROVINCE: RegionLevel.PROVINCE,
    CampaignLevel.CITY: RegionLevel.PREFECTURE,
    CampaignLevel.COUNTY: RegionLevel.COUNTY,
}


def campaign_regions(user) -> QuerySet[Region]:
    """The regions the user's office may organise a campaign in: its own and those below it, down to counties."""
    return Region.objects.filter(access.campaign_region_q(user), level__lte=RegionLevel.COUNTY).order_by(
        "code"
    )


def _lines(text: str, limit: int, what: str) -> list[str]:
    """Distinct non-empty lines, each at most ``limit`` characters, at most MAX_LINES of them."""
    lines = list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))
    if len(lines) > MAX_LINES:
        raise ValidationError(f"{what}最多{MAX_LINES}项。")
    long = [line for line in lines if len(line) > limit]
    if long:
        raise ValidationError(f"{what}“{long[0][:limit]}…”太长,每项不超过{limit}个字。")
    return lines


def _days(label: str, initial: int, minimum: int = 1) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        initial=initial,
        min_value=minimum,
        max_value=365,
        error_messages={
            "required": f"请填写{label}。",
            "invalid": f"{label}应为整数。",
            "min_value": f"{label}不能小于{minimum}。",
            "max_value": f"{label}不能超过365个工作日。",
        },
    )


class CampaignLaunchForm(forms.Form):
    """Everything a new campaign needs, in the order an office decides it."""

    name = forms.CharField(
        label=gettext_lazy("行动名称"),
        max_length=100,
        error_messages={"required": "请填写行动名称。", "max_length": "行动名称不超过100个字。"},
    )
    level = forms.ChoiceField(label=gettext_lazy("层级"), choices=CampaignLevel.choices)
    region = forms.ModelChoiceField(
        label=gettext_lazy("组织区划"),
        queryset=Region.objects.none(),
        error_messages={"required": "请选择组织区划。", "invalid_choice": "只能选择本活动办所辖区划。"},
    )
    start = forms.DateField(
        label=gettext_lazy("开始日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写开始日期。", "invalid": "开始日期格式不正确。"},
    )
    end = forms.DateField(
        label=gettext_lazy("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "结束日期格式不正确。"},
        help_text=gettext_lazy("长期开展的行动可不填。"),
    )
    deployment = forms.CharField(
        label=gettext_lazy("部署依据"),
        max_length=200,
        required=False,
        error_messages={"max_length": "部署依据不超过200个字。"},
        help_text=gettext_lazy("如:按照省委、省政府部署要求"),
    )
    description = forms.CharField(
        label=gettext_lazy("说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[text_cap()],
    )
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("帮扶对象类型"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(k["code"], f"{k['name']}(在“{k['focus']}”上)") for k in KIND_PRESETS],
    )
    custom_kinds = forms.CharField(
        label=gettext_lazy("其他对象类型"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text=gettext_lazy("每行一个,如:学校、医院。属性可在系统管理中补充。"),
    )
    categories = forms.CharField(
        label=gettext_lazy("问题类别"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=2000,
        help_text=gettext_lazy("每行一个。"),
    )
    measures = forms.MultipleChoiceField(
        label=gettext_lazy("帮扶措施类型"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(m["name"], m["name"]) for m in MEASURE_PRESETS],
    )
    custom_measures = forms.CharField(
        label=gettext_lazy("其他措施类型"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text=gettext_lazy("每行一个,如:送温暖。"),
    )
    accept_days = _days("签收时限(工作日)", 1)
    answer_days = _days("首次答复时限(工作日)", 3)
    solve_days = _days("办结时限(工作日)", 15)
    complex_days = _days("复杂问题办结时限(工作日)", 30)
    yellow_days = _days("黄灯提前(工作日)", 2, minimum=0)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = campaign_regions(user)  # type: ignore[attr-defined]
        self.fields["region"].label_from_instance = Region.full_name  # type: ignore[attr-defined]
        self.indicator_rows = [(f"indicator-{i}-name", f"indicator-{i}-unit") for i in range(INDICATOR_ROWS)]
        if not self.is_bound:
            self.initial.setdefault("kinds", [k["code"] for k in KIND_PRESETS])
            self.initial.setdefault("measures", [m["name"] for m in MEASURE_PRESETS])
            self.initial.setdefault("categories", DEFAULT_CATEGORIES)
            for (name, unit), (n, u) in zip(INDICATOR_EXAMPLES, self.indicator_rows, strict=False):
                self.initial.setdefault(n, name)
                self.initial.setdefault(u, unit)
        self.indicator_errors: dict[int, str] = {}

    def indicator_values(self) -> list[tuple[str, str, str]]:
        """(name, unit, error) of each indicator row, as shown on the page."""
        source = self.data if self.is_bound else self.initial
        return [
            (str(source.get(n, ""))[:50], str(source.get(u, ""))[:20], self.indicator_errors.get(i, ""))
            for i, (n, u) in enumerate(self.indicator_rows)
        ]

    def clean_custom_kinds(self) -> list[str]:
        return _lines(self.cleaned_data["custom_kinds"], 20, "对象类型")

    def clean_custom_measures(self) -> list[str]:
        return _lines(self.cleaned_data["custom_measures"], 30, "措施类型")

    def clean_categories(self) -> list[str]:
        return _lines(self.cleaned_data["categories"], 50, "问题类别")

    def clean_start(self) -> date:
        start = self.cleaned_data["start"]
        today = timezone.localdate()
        if not date(2000, 1, 1) <= start <= today + timedelta(days=366):
            raise ValidationError("开始日期应在2000年以后,且不晚于明年今日。")
        return start

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if Campaign.objects.filter(name=name).exists():
            raise ValidationError("已有同名行动,请换一个名称。")
        return name

    def clean(self):
        super().clean()
        data = self.cleaned_data
        region, level = data.get("region"), data.get("level")
        if region is not None and level and region.level != LEVEL_OF_REGION[CampaignLevel(level)]:
            self.add_error("region", "组织区划应与层级一致(省级行动选省,市级选市,县级选县)。")
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "结束日期不能早于开始日期。")
        kinds = [k for k in KIND_PRESETS if k["code"] in data.get("kinds", [])]
        custom = data.get("custom_kinds") or []
        taken = {k["name"] for k in kinds}
        kinds += [
            KindSpec(code=f"kind{i}", name=name) for i, name in enumerate(custom, 1) if name not in taken
        ]
        if not kinds and "custom_kinds" not in self.errors:
            self.add_error("kinds", "请至少选择或填写一种帮扶对象类型。")
        data["kind_specs"] = kinds
        measures = [m for m in MEASURE_PRESETS if m["name"] in data.get("measures", [])]
        named = {m["name"] for m in measures}
        measures += [MeasureTypeSpec(name=n) for n in data.get("custom_measures") or [] if n not in named]
        data["measure_specs"] = measures
        data["indicator_specs"] = self._indicators()
        return data

    def _indicators(self) -> list[IndicatorSpec]:
        """The filled indicator rows; a name without a unit (or the reverse) is marked on its row."""
        specs: list[IndicatorSpec] = []
        names: set[str] = set()
        for i, (n, u) in enumerate(self.indicator_rows):
            name, unit = self.data.get(n, "").strip(), self.data.get(u, "").strip()
            if not name and not unit:
                continue
            if not name or not unit:
                self.indicator_errors[i] = "请同时填写指标名称和单位。"
            elif len(name) > 50 or len(unit) > 20:
                self.indicator_errors[i] = "指标名称不超过50个字,单位不超过20个字。"
            elif name in names:
                self.indicator_errors[i] = f"指标“{name}”重复。"
            else:
                specs.append(IndicatorSpec(code=f"indicator{i + 1}", name=name, unit=unit))
            names.add(name)
        if self.indicator_errors:
            self.add_error(None, "成效指标有误,请按各行的提示修改。")
        return specs


def campaign_launch(*, actor, form: CampaignLaunchForm) -> Campaign:
    """The campaign and its configuration through the campaign services, in the caller's transaction. An
    indicator the service refuses is named with its row, and nothing of the campaign stays."""
    data = form.cleaned_data
    campaign = services.campaign_create(
        actor=actor,
        name=data["name"],
        level=data["level"],
        region=data["region"],
        start=data["start"],
        end=data["end"],
        deployment=data["deployment"].strip(),
        description=data["description"].strip(),
        **{f: data[f] for f in ("accept_days", "answer_days", "solve_days", "complex_days", "yellow_days")},
    )
    services.campaign_configure(
        actor=actor,
        campaign=campaign,
        kinds=data["kind_specs"],
        categories=data["categories"],
        measure_types=data["measure_specs"],
    )
    for order, spec in enumerate(data["indicator_specs"], 1):
        try:
            services.indicator_create(actor=actor, campaign=campaign, order=order, **spec)
        except ValidationError as exc:
            row = int(spec["code"].removeprefix("indicator")) - 1
            form.indicator_errors[row] = ";".join(
                f"{Indicator._meta.get_field(field).verbose_name}:{message}"
                if field in ("name", "unit")
                else message
                for field, messages_of_field in (
                    exc.error_dict if hasattr(exc, "error_dict") else {"": exc.error_list}
                ).items()
                for message in ValidationError(messages_of_field).messages
            )
            raise ValidationError("成效指标有误,请按各行的提示修改;行动尚未保存。") from exc
    return campaign


@login_required
def campaign_create(request: AuthenticatedRequest) -> HttpResponse:
    """新建行动 (the office's guided page): one submit, one transaction, a one-time token."""
    if not access.may_create_campaign(request.user):
        raise PermissionDenied(_("新建行动由活动办办理。"))
    form = CampaignLaunchForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not form_token_fresh(request):
            messages.warning(request, _("该表单已提交,请勿重复提交。"))
            return redirect("desk:workbench")
        if form.is_valid():
            try:
                with form_token_spend(request):
                    campaign = campaign_launch(actor=request.user, form=form)
            except FormTokenSpent:
                messages.warning(request, _("该表单已提交,请勿重复提交。"))
                return redirect("desk:workbench")
            except ValidationError as exc:
                for field, errors in (
                    exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
                ).items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    _("已新建行动“%(name)s”,可在系统管理中补充对象属性,并组建工作组。")
                    % {"name": campaign.name},
                )
                return redirect("desk:workbench")
    return render(
        request,
        "campaigns/campaign_new.html",
        {"form": form, "form_token": form_token(request)},
        status=400 if form.errors else 200,
    )
