"""Forms of the field pages: input checks only; every write goes through the services."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sijin.campaigns.models import Target
from sijin.directory.models import Person

from .models import VisitMode
from .photos import photo_check

QUICK_MODES = [
    (m.value, m.label)
    for m in (VisitMode.COLLECTIVE, VisitMode.INDIVIDUAL, VisitMode.SYMPOSIUM, VisitMode.ONSITE)
]
MAX_PHOTOS = 12


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos from one <input multiple>; each one is checked by content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/heic,.heic"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("一次最多上传%(n)d张照片。") % {"n": MAX_PHOTOS})
        errors = []
        for f in files:
            super().clean(f, initial)
            try:
                photo_check(f)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return files


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
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, groups, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["group"].error_messages["invalid_choice"] = _("请选择您所在的工作组。")
        if group is not None:
            self.fields["targets"].queryset = group.targets.order_by("kind__order", "name")
            self.fields["participants"].queryset = Person.objects.filter(memberships__group=group).order_by(
                "name"
            )

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise ValidationError(_("走访日期不能晚于今天。"))
        return value


class ProblemFoundForm(forms.Form):
    """One problem found on the visit; a row without a title is ignored."""

    target: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("帮扶对象"), queryset=Target.objects.none(), required=False
    )
    title = forms.CharField(label=_("问题"), max_length=200, required=False)
    description = forms.CharField(
        label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, group=None, **kwargs):
        super().__init__(*args, **kwargs)
        if group is not None:
            self.fields["target"].queryset = group.targets.order_by("kind__order", "name")
        self.fields["target"].error_messages["invalid_choice"] = _("所选帮扶对象无效。")

    def clean(self):
        data = super().clean()
        if data.get("title") and not data.get("target"):
            self.add_error("target", _("请选择问题所在的帮扶对象。"))
        if not data.get("title") and (data.get("target") or data.get("description")):
            self.add_error("title", _("请填写问题。"))
        return data


ProblemFoundFormSet = forms.formset_factory(ProblemFoundForm, extra=3, max_num=10)
