import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sijin.campaigns.models import Campaign

from .models import LABEL_MAX
from .periods import PeriodKind
from .services import FIELDS_MAX, FieldSpec

SEPARATORS = re.compile(r"\s*[|,,\t]\s*")


class TallyFormDefineForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("行动"), queryset=Campaign.objects.none())
    name = forms.CharField(label=_("报表名称"), max_length=LABEL_MAX, help_text=_("如“周报”“月报”"))
    period_kind = forms.ChoiceField(label=_("报送周期"), choices=PeriodKind.choices)
    columns = forms.CharField(
        label=_("栏目"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "每行一个栏目:名称,单位,对应明细代码(可省略),栏目代码(可省略)。"
            "名称与问题类别、办理层级或成效指标同名时自动对应。"
        ),
    )
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, campaigns: list[Campaign], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["campaign"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Campaign.objects.filter(pk__in=[c.pk for c in campaigns])
        if len(campaigns) == 1:
            self.fields["campaign"].initial = campaigns[0].pk

    def clean_columns(self) -> list[FieldSpec]:
        lines = [line for line in self.cleaned_data["columns"].splitlines() if line.strip()]
        if len(lines) > FIELDS_MAX:
            raise ValidationError(_("栏目不能超过%(n)s个。") % {"n": FIELDS_MAX})
        specs: list[FieldSpec] = []
        for n, line in enumerate(lines, 1):
            parts = [*SEPARATORS.split(line.strip()), "", "", ""]
            spec: FieldSpec = {"label": parts[0], "unit": parts[1], "source": parts[2]}
            spec["code"] = parts[3] or f"f{n}"
            specs.append(spec)
        return specs
