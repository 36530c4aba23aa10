"""系统管理 through Django's admin, writing through the same doors as the app.

A model that has service functions is written through them here too: its ModelAdmin (or inline) declares
once which service adds, changes and deletes it — ``services = Services(create=…, update=…, delete=…)`` on a
``ServiceAdmin`` or ``ServiceInline`` — and gets the same checks, side effects and audit rows as the app's
pages. An operation without a service is not offered (no add button, a read-only page, no delete). A refusal
from a service is shown on the form, as the form's own errors are.

Only models without any service use the generic ``AuditedAdmin``, which audits each write as
``admin_add`` / ``admin_change`` / ``admin_delete``. (sijin/core/tests/test_admin_services.py walks every
registered admin and holds it to this.)
"""

import inspect
import tempfile
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.forms import BaseForm
from django.http import FileResponse, HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import path, reverse
from django.utils import timezone

from .audit import audit, audit_export_xlsx, audit_read
from .dates import parse_date
from .models import AuditAction, AuditLog, HolidayOverride, Notification
from .services import error_text
from .workdays import coverage_warning

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

admin.site.site_header = "四进 · 系统管理"
admin.site.site_title = "四进"
admin.site.index_title = "系统管理"


@dataclass(frozen=True)
class Services:
    """The service functions behind the admin's add, change and delete of one model.

    Each is called with ``actor`` and keyword arguments named like the form's fields: ``create`` with all of
    them, ``update`` with the object (its first keyword after ``actor``, as in ``target_update(*, actor,
    target, …)``) and the fields that changed (plus any it requires), ``delete`` with the object.
    """

    create: Callable[..., models.Model] | None = None
    update: Callable[..., models.Model] | None = None
    delete: Callable[..., object] | None = None


def object_parameter(service: Callable[..., Any]) -> str:
    """The name under which an update or delete service takes its object: its first keyword after actor."""
    names = [p.name for p in inspect.signature(service).parameters.values() if p.kind is p.KEYWORD_ONLY]
    return names[1]


def _required(service: Callable[..., Any]) -> set[str]:
    params = inspect.signature(service).parameters.values()
    return {p.name for p in params if p.kind is p.KEYWORD_ONLY and p.default is p.empty} - {
        "actor",
        object_parameter(service),
    }


def form_values(form: BaseForm, names: list[str]) -> dict[str, Any]:
    """The cleaned values of ``names`` that are the model's own editable fields, as service arguments."""
    opts = form._meta.model._meta  # type: ignore[attr-defined]
    fields = {f.name for f in opts.get_fields() if f.concrete or f.many_to_many} - {opts.pk.name}
    return {
        n: form.cleaned_data[n]
        for n in names
        if n in fields and n in form.cleaned_data and not form.fields[n].disabled
    }


def _adopt(obj: models.Model, stored: models.Model) -> None:
    """Copy what the service stored onto the admin's own object, which the admin goes on using (inline rows,
    its log, the redirect)."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(stored, field.attname))
    obj._state.adding = False
    obj._state.db = stored._state.db


def show_refusal(form: BaseForm, refusal: ValidationError) -> None:
    """Put a service's ValidationError on the form: under the field it names, else at the top."""
    errors = refusal.error_dict if hasattr(refusal, "error_dict") else {NON_FIELD_ERRORS: refusal.error_list}
    for name, errors_of_field in errors.items():
        if name in form.fields:
            form.add_error(name, errors_of_field)
            continue
        try:
            label = f"{form._meta.model._meta.get_field(name).verbose_name}:"  # type: ignore[attr-defined]
        except (FieldDoesNotExist, AttributeError):
            label = ""
        form.add_error(None, [f"{label}{m}" for m in ValidationError(errors_of_field).messages])


# The refusal being shown while the admin renders a refused form again (see ServiceAdmin.changeform_view).
_refusal: ContextVar[ValidationError | None] = ContextVar("service_refusal", default=None)


class ServiceWrites:
    """Calls the declared services; shared by ServiceAdmin and ServiceInline."""

    services: Services = Services()

    def service_values(self, request: HttpRequest, form: BaseForm, change: bool) -> dict[str, Any]:
        """The service's keyword arguments from a valid form: every field to create, the changed ones to
        update. Override to translate a field the service takes in another shape."""
        if not change:
            return form_values(form, list(form.cleaned_data))
        values = form_values(form, form.changed_data)
        assert self.services.update is not None
        return {**form_values(form, sorted(_required(self.services.update))), **values}

    def create_through_service(self, request: HttpRequest, obj: models.Model, form: BaseForm) -> None:
        assert self.services.create is not None
        stored = self.services.create(actor=request.user, **self.service_values(request, form, change=False))
        _adopt(obj, stored)

    def update_through_service(self, request: HttpRequest, obj: models.Model, form: BaseForm) -> None:
        if not form.has_changed():
            return  # nothing was changed, so nothing is written or audited
        service = self.services.update
        assert service is not None
        values = self.service_values(request, form, change=True)
        _adopt(obj, service(actor=request.user, **{object_parameter(service): obj}, **values))

    def delete_through_service(self, request: HttpRequest, obj: models.Model) -> None:
        service = self.services.delete
        assert service is not None
        service(actor=request.user, **{object_parameter(service): obj})

    def save_formset_through_services(self, request: HttpRequest, formset: Any) -> None:
        """Inline rows: deleted, added and changed each through its service, as formset.save() would."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        deleted = set(formset.deleted_forms)
        try:
            for form in formset.initial_forms:
                if form in deleted:
                    self.delete_through_service(request, form.instance)
                    formset.deleted_objects.append(form.instance)
            for form in formset.forms:
                if form in deleted or not form.has_changed():
                    continue
                if form.instance._state.adding:
                    self.create_through_service(request, form.instance, form)
                    formset.new_objects.append(form.instance)
                else:
                    self.update_through_service(request, form.instance, form)
                    formset.changed_objects.append((form.instance, form.changed_data))
        except ValidationError as refusal:
            # Shown at the top of the page: say which kind of row was refused.
            raise ValidationError(f"{formset.model._meta.verbose_name}:{error_text(refusal)}") from refusal


class AuditedAdmin(admin.ModelAdmin):
    """The generic path, for models that have no service: every change leaves an ``admin_*`` audit row.

    ``personal_data = True`` on an admin of people's data (a login, a person) audits each opening of an
    object's page as ``personal_data_view`` (安全审计: reads of personal data).
    """

    personal_data = False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if self.personal_data and change and obj is not None and request.method == "GET":
            audit_read(request, AuditAction.PERSONAL_DATA_VIEW, obj, f"查看{self.opts.verbose_name} {obj}")
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit(
            request.user,
            AuditAction.ADMIN_CHANGE if change else AuditAction.ADMIN_ADD,
            obj,
            f"管理后台{'修改' if change else '新增'} {obj}",
            fields=list(form.changed_data),
        )

    def delete_model(self, request, obj):
        audit(request.user, AuditAction.ADMIN_DELETE, obj, f"管理后台删除 {obj}")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit(request.user, AuditAction.ADMIN_DELETE, obj, f"管理后台删除 {obj}")
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        inline = getattr(formset, "service_inline", None)
        if inline is not None:
            inline.save_formset_through_services(request, formset)
            return
        # Inline rows of a model without a service (items of a checklist …) are audited one by one.
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audit(request.user, AuditAction.ADMIN_DELETE, obj, f"管理后台删除 {obj}")
            obj.delete()
        for obj in instances:
            new = obj.pk is None
            obj.save()
            audit(
                request.user,
                AuditAction.ADMIN_ADD if new else AuditAction.ADMIN_CHANGE,
                obj,
                f"管理后台{'新增' if new else '修改'} {obj}",
            )
        formset.save_m2m()


class ServiceAdmin(ServiceWrites, AuditedAdmin):
    """A model written through its services; declare them with ``services = Services(…)``."""

    def has_add_permission(self, request):
        return self.services.create is not None and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.services.update is not None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.services.delete is not None and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            self.update_through_service(request, obj, form)
        else:
            self.create_through_service(request, obj, form)

    def save_related(self, request, form, formsets, change):
        # The services set the form's many-to-many fields themselves: form.save_m2m() is not called.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        self.delete_through_service(request, obj)

    def delete_queryset(self, request, queryset):
        try:
            with transaction.atomic():
                for obj in queryset:
                    self.delete_through_service(request, obj)
        except ValidationError as refusal:
            self.message_user(request, error_text(refusal), messages.ERROR)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refusal:
            if request.method != "POST":
                raise
            # The refused save was rolled back; render the posted form again with the service's reasons.
            token = _refusal.set(refusal)
            try:
                return super().changeform_view(request, object_id, form_url, extra_context)
            finally:
                _refusal.reset(token)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        shown = _refusal.get()
        if shown is None:
            return form
        refusal: ValidationError = shown

        class Refused(form):  # type: ignore[valid-type,misc]
            def clean(self):
                cleaned = super().clean()
                show_refusal(self, refusal)
                return cleaned

        return Refused

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as refusal:
            self.message_user(request, error_text(refusal), messages.ERROR)
            return HttpResponseRedirect(request.path)


class ServiceInline(ServiceWrites, admin.options.InlineModelAdmin):
    """Inline rows written through their model's services; use with TabularInline or StackedInline."""

    def has_add_permission(self, request, obj):  # type: ignore[override]  # (as InlineModelAdmin's)
        return self.services.create is not None and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.services.update is not None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.services.delete is not None and super().has_delete_permission(request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # The parent admin's save_formset finds the inline (and so its services) on the formset.
        return type(formset.__name__, (formset,), {"service_inline": self})


class InputFilter(admin.ListFilter):
    """A filter by typed values (dates, a username), shown as a small form in the admin's filter column."""

    template = "admin/core/auditlog/input_filter.html"
    inputs: tuple[tuple[str, str, str], ...] = ()  # (query parameter, label, <input type>)

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        for name, _label, _type in self.inputs:
            if name in params:
                value = params.pop(name)
                self.used_parameters[name] = str(value[-1] if isinstance(value, list) else value).strip()

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str | None]:
        return [name for name, _label, _type in self.inputs]

    def choices(self, changelist):
        mine = self.expected_parameters()
        yield {
            "inputs": [
                (name, label, kind, self.used_parameters.get(name, "")) for name, label, kind in self.inputs
            ],
            "others": [(k, v) for k, v in changelist.params.items() if k not in mine],
            "active": any(self.used_parameters.values()),
            "clear": changelist.get_query_string(remove=mine),
        }

    def queryset(self, request, queryset):
        values = {k: str(v) for k, v in self.used_parameters.items() if v}
        if not values:
            return queryset
        try:
            return self.filtered(queryset, values)
        except ValidationError as exc:  # shown by the admin as "incorrect lookup"
            raise IncorrectLookupParameters(error_text(exc)) from exc

    def filtered(self, queryset, values: dict[str, str]):
        raise NotImplementedError


class TimeRangeFilter(InputFilter):
    title = "时间范围"
    inputs = (("since", "自", "date"), ("until", "至(含)", "date"))

    def filtered(self, queryset, values):
        if "since" in values:
            queryset = queryset.filter(at__gte=_day_start(parse_date(values["since"])))
        if "until" in values:
            queryset = queryset.filter(at__lt=_day_start(parse_date(values["until"]) + timedelta(days=1)))
        return queryset


class ActorObjectFilter(InputFilter):
    title = "操作人与对象"
    inputs = (("actor", "操作人(用户名)", "text"), ("object_id", "对象编号", "text"))

    def filtered(self, queryset, values):
        if "actor" in values:
            queryset = queryset.filter(actor__username=values["actor"])
        if "object_id" in values:
            queryset = queryset.filter(object_id=values["object_id"])
        return queryset


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """The auditor's page: filter the log by time, action, actor and object, and export what is shown (.xlsx).
    Nobody adds, changes or deletes a row here (nor anywhere: see sijin/core/audit.py)."""

    list_display = ["at", "actor", "action", "object_type", "object_id", "summary"]
    list_filter = [TimeRangeFilter, ActorObjectFilter, "action", "object_type"]
    list_select_related = ["actor"]
    search_fields = ["summary", "object_id"]
    date_hierarchy = "at"
    show_full_result_count = False  # one count per page, not two, on a table of millions of rows

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        export = path("export/", self.admin_site.admin_view(self.export_view), name="core_auditlog_export")
        return [export, *super().get_urls()]

    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        """The rows the list shows (the same filters, search and order) as .xlsx; the export is audited."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            rows = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(f"{reverse('admin:core_auditlog_changelist')}?e=1")
        out = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it after streaming
        count = audit_export_xlsx(rows, out)
        out.seek(0)
        audit_read(
            request, AuditAction.AUDIT_EXPORT, None, f"导出审计日志 {count} 条", query=request.GET.dict()
        )
        name = f"审计日志-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
        return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(AuditedAdmin):
    list_display = ["date", "is_workday", "note"]

    def changelist_view(self, request, extra_context=None):
        # This is where the missing holidays are entered, so this is where the admins are told.
        year = timezone.localdate().year
        for y in (year, year + 1):
            if warning := coverage_warning(y):
                messages.warning(request, warning)
        return super().changelist_view(request, extra_context)


@admin.register(Notification)
class NotificationAdmin(AuditedAdmin):
    list_display = ["at", "user", "kind", "title", "read_at"]
