"""Forms of the problem pages: the ledger's filters and one small form per workflow action."""

import html
import zipfile
from dataclasses import dataclass
from functools import lru_cache, reduce
from operator import or_
from typing import Any, NamedTuple

from django import forms
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection
from django.db.models import CharField, IntegerField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.forms.models import ModelChoiceIteratorValue
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from sijin.accounts import access
from sijin.campaigns.models import Campaign, Category, Indicator, MeasureType, Target, TargetKind, WorkGroup
from sijin.campaigns.services import check_date
from sijin.core.expressions import AmongIds
from sijin.core.forms import MultipleFileField
from sijin.core.quantities import parse_quantity
from sijin.directory.models import PREFIX_LENGTH, Organization, Person, Region, RegionLevel
from sijin.fieldwork.models import MAX_PEOPLE, MAX_TIMES, MAX_UNITS, Satisfaction
from sijin.fieldwork.photos import photo_check, sniff_image_type

from .models import Action, Level, Light, Problem, Status
from .services import BULK_LIMIT
from .similar import title_filter
from .supervision import light_q
from .workflow import FIELD_LABELS, MEASURE_ACTIONS, ReturnReason, Transition, routing_orgs

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


class PlainSelect(forms.Select):
    """A <select> whose options are written out here rather than through Django's widget machinery.

    The same HTML as Django's ``select.html`` and ``select_option.html`` (without optgroups, unused here). The
    问题台账 shows some hundreds of options (承办单位, and in the bulk bar units and handlers): one template
    include per option was most of the page's time, and one option dict each (``create_option``) much of the
    rest. ``option_attrs`` gives an option attributes of its own (``HandlerSelect``)."""

    def option_attrs(self, value: Any) -> dict:
        return {}

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)
        found = False
        options = []
        for option_value, label in self.choices:
            key = "" if option_value is None else str(option_value)
            selected = not found and key in chosen
            found = found or selected
            extra = self.option_attrs(option_value)
            option_attrs: str
            if selected:
                option_attrs = flatatt({**extra, "selected": True})
            else:  # most options: no attributes, and flatatt's lazy-string machinery is a third of this loop
                option_attrs = flatatt(extra) if extra else ""
            options.append(f'<option value="{_escaped(key)}"{option_attrs}>{_escaped(label)}</option>')
        final_attrs = self.build_attrs(self.attrs, attrs)
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(final_attrs), mark_safe("".join(options))
        )


def _escaped(text: Any) -> str:
    """``conditional_escape`` without its lazy-string wrapper, for the hundreds of options of a page."""
    return str(text) if isinstance(text, SafeData) else html.escape(str(text))


def offer(field: Any, queryset: QuerySet) -> None:
    """Give a ModelChoiceField its ``queryset`` and its options read once from it, in one plain query.

    Django re-reads a ModelChoiceField's queryset each time it renders, through ``iterator()`` (on PostgreSQL a
    server-side cursor: three round trips). The queryset still validates a submitted value."""
    field.queryset = queryset
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    field.choices = ReadChoices(
        empty
        + [
            (ModelChoiceIteratorValue(field.prepare_value(obj), obj), field.label_from_instance(obj))
            for obj in queryset
        ]
    )


class ReadChoices(BaseChoiceIterator):
    """Options already in the shape Django's choices take — (value, label) pairs, no groups — passed on as
    they are. A plain list is checked and copied item by item each time a field is given it, and again by its
    widget: for the 问题台账's some hundreds of options that cost more than reading them."""

    def __init__(self, choices: list[tuple[Any, Any]]):
        self.choices = choices

    def __iter__(self):
        return iter(self.choices)

    def __len__(self) -> int:
        return len(self.choices)


class Offered(NamedTuple):
    """One option of a drop-down read beforehand: the object's key (a region's code) and name, a region's level."""

    key: Any
    name: str
    level: int = 0


class OfferedChoiceField(forms.ModelChoiceField):
    """A drop-down of objects read beforehand (``offer_read``), which takes a value only if it was offered: no
    query of its own, neither to render nor to check what was sent (Django's asks its queryset for both), and
    no model instance but for the value chosen."""

    offered: dict[str, Offered]

    def offer_read(self, offered: list[Offered], accepted: list[Offered] | None = None) -> None:
        """List ``offered``; take any of ``accepted`` (default: those listed)."""
        self.offered = {str(o.key): o for o in (offered if accepted is None else accepted)}
        empty = [("", self.empty_label)] if self.empty_label is not None else []
        self.choices = ReadChoices(empty + [(o.key, self.label_of(o)) for o in offered])

    def label_of(self, option: Offered) -> str:
        return option.name

    def instance_of(self, option: Offered) -> Any:
        return self.queryset.model(pk=option.key, name=option.name)  # type: ignore[union-attr]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        found = getattr(self, "offered", {}).get(str(getattr(value, "pk", value)))
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return self.instance_of(found)


class RegionChoiceField(forms.ModelChoiceField):
    """Regions as an indented tree (a full-width space per level below the top one offered)."""

    top_level = RegionLevel.PROVINCE

    def label_from_instance(self, obj) -> str:
        return "\u3000" * (obj.level - self.top_level) + obj.name


class OfferedRegionField(OfferedChoiceField):
    """``RegionChoiceField``'s indented tree, read beforehand."""

    top_level = RegionLevel.PROVINCE

    def label_of(self, option: Offered) -> str:
        return "\u3000" * (option.level - self.top_level) + option.name

    def instance_of(self, option: Offered) -> Region:
        return Region(code=option.key, name=option.name, level=option.level)


class ProblemFilterForm(forms.Form):
    """The ledger's filters; every field optional, invalid values are simply ignored. Its drop-downs offer what
    the user's scope holds (``LedgerScope.options``: one query for all four) and take nothing else."""

    q = forms.CharField(label=_("关键词"), required=False)
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部状态")), *Status.choices], required=False, widget=PlainSelect
    )
    light = forms.ChoiceField(label=_("亮灯"), choices=LIGHT_CHOICES, required=False, widget=PlainSelect)
    level = forms.ChoiceField(
        label=_("办理层级"), choices=[("", _("全部层级")), *Level.choices], required=False, widget=PlainSelect
    )
    category = OfferedChoiceField(
        label=_("类别"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("全部类别"),
        widget=PlainSelect,
    )
    handling_org = OfferedChoiceField(
        label=_("承办单位"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("全部承办单位"),
        widget=PlainSelect,
    )
    kind = OfferedChoiceField(
        label=_("对象类型"),
        queryset=TargetKind.objects.none(),
        required=False,
        empty_label=_("全部对象类型"),
        widget=PlainSelect,
    )
    # Cascading 省→市→县 selects with static/sijin/region-picker.js, a plain indented select without it.
    region = OfferedRegionField(
        label=_("区划"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("全部区划"),
        widget=PlainSelect(attrs={"data-region-picker": ""}),
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

    def __init__(self, *args, user: access.Viewer, **kwargs):
        super().__init__(*args, **kwargs)
        chosen = self.data.get("region") if self.is_bound else None
        options = LedgerScope(user).options(chosen if isinstance(chosen, str) else None)
        fields: Any = self.fields
        fields["category"].offer_read(options.categories)
        fields["kind"].offer_read(options.kinds)
        fields["handling_org"].offer_read(options.units)
        region = fields["region"]
        region.top_level = min((r.level for r in options.regions_shown), default=RegionLevel.PROVINCE)
        # Listed without the trunk above the first branch (choosing it changes nothing), taken with it.
        region.offer_read(options.regions_shown, accepted=options.regions)

    def ordering(self) -> str:
        sort = getattr(self, "cleaned_data", {}).get("sort") or DEFAULT_SORT
        return sort if sort.lstrip("-") in SORTS else DEFAULT_SORT

    def order_by(self) -> tuple[str, str]:
        """The list's order as columns, for ``order_by``: the sort's column, then the id the same way round —
        a stable order that an index on (column, id) gives read forwards or backwards, which keyset pages
        seek in; the export's order too when the list was sorted."""
        sort = self.ordering()
        sign = "-" if sort.startswith("-") else ""
        return f"{sign}{SORTS[sort.lstrip('-')]}", f"{sign}id"


def _ancestors(code: str, level: int) -> set[str]:
    """The codes of the regions above one (its prefix at each level above, padded with zeros)."""
    return {code[: PREFIX_LENGTH[lv]].ljust(12, "0") for lv in RegionLevel if lv < level}


@dataclass
class LedgerOptions:
    """What the 问题台账's drop-downs offer, each in its order: categories and target kinds by campaign and
    order, units by name, regions by code (``regions``: every one read, ``regions_shown``: those listed)."""

    categories: list[Offered]
    kinds: list[Offered]
    units: list[Offered]
    regions: list[Offered]
    regions_shown: list[Offered]


class LedgerScope:
    """What the 问题台账's drop-downs offer a user, read from the scope's own small tables — the user's region
    grants, groups, units and campaigns — never by scanning the problems in scope (a million for a province).

    The scope's *roots* are region subtrees: an office's or leader's region, the regions of the groups of a
    group leader, member or dispatching unit (a group's targets, so its problems, lie in its region). A
    problem of a root is routed to a unit of its region line or to its group's sending unit
    (``problems.workflow.routing_orgs``), and belongs to a campaign organised in that line. A handler sees
    only their units' problems: those few are read directly (an index on the unit).

    The grants bring the regions and a group leader's or member's groups (``access.grants``); a dispatching
    unit's groups are read (one query); the four drop-downs are then one query (``options``). Two scopes with
    the same ``key`` ask the same query: its SQL is kept once built (``_options_statement``).
    """

    def __init__(self, user: access.Viewer):
        self.admin = access.is_admin(user)
        held = access.grants(user)
        groups = {
            g.work_group_id: g.work_group for g in held if g.role in access.GROUP_ROLES and g.work_group
        }
        if units := access.unit_ids(user):
            sent = WorkGroup.objects.filter(dispatching_org_id__in=units).select_related("region")
            groups |= {g.pk: g for g in sent.only("campaign_id", "dispatching_org_id", "region")}
        self.groups = list(groups.values())
        roots = {g.region.code: g.region for g in held if g.role in access.REGION_ROLES and g.region}
        roots |= {g.region.code: g.region for g in self.groups}
        self.roots = list(roots.values())
        self.handler_orgs = access.handler_org_ids(user)
        self.handled = (
            Problem.objects.filter(handling_org_id__in=self.handler_orgs) if self.handler_orgs else None
        )

    def key(self) -> tuple:
        """Everything the drop-downs' query is built from (its rows are read afresh each time): equal keys, the
        same SQL."""
        return (
            self.admin,
            tuple(sorted((r.code, r.level) for r in self.roots)),
            tuple(sorted((g.pk, g.campaign_id) for g in self.groups)),
            tuple(sorted(self.handler_orgs)),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LedgerScope) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())

    def _within(self, field: str) -> Q:
        q = Q(pk__in=[])
        for root in self.roots:
            q |= access.region_within_q(field, root.prefix)
        return q

    def _line_codes(self) -> set[str]:
        """The roots and the regions above them."""
        codes: set[str] = set()
        for root in self.roots:
            codes |= _ancestors(root.code, root.level) | {root.code}
        return codes

    def campaigns(self) -> QuerySet[Campaign]:
        if self.admin:
            return Campaign.objects.all()
        q = Q(pk__in={g.campaign_id for g in self.groups}) | self._within("region_id")
        if self.roots:
            q |= Q(region_id__in=self._line_codes())
        if self.handled is not None:
            q |= Q(pk__in=self.handled.values("campaign_id"))
        return Campaign.objects.filter(q)

    def units(self) -> QuerySet[Organization]:
        if self.admin:
            return Organization.objects.all()
        q = Q(pk__in=self.handler_orgs) | self._within("region_id")
        if self.roots:
            senders = WorkGroup.objects.filter(
                self._within("region_id") | Q(pk__in=[g.pk for g in self.groups])
            )
            q |= Q(region_id__in=self._line_codes()) | Q(pk__in=senders.values("dispatching_org_id"))
        return Organization.objects.filter(q)

    def _handled_q(self) -> Q:
        """A handler's regions: those of their units' problems and the regions above them (an ancestor's code is
        the region's prefix at its level padded with zeros), answered by the query that reads the regions."""
        return Q(pk__in=[]) if self.handled is None else _in_region_lines("code", self.handled)

    def regions(self) -> QuerySet[Region]:
        """Every region a filter may name: any level of the roots' subtrees, and a handler's regions."""
        if self.admin:
            return Region.objects.all()
        return Region.objects.filter(self._within("code") | self._handled_q())

    def options(self, chosen: str | None = None) -> LedgerOptions:
        """The four drop-downs in one query (a UNION ALL of the four small reads, each row tagged with its
        list): the campaigns' categories and target kinds, the units, and the regions — the roots' subtrees
        down to the counties, a handler's regions, and the region ``chosen`` (a town or village a dashboard
        link filters by) when it is in scope."""
        statement = _options_statement(self, chosen[:12] if chosen else None, connection.alias)
        read: dict[str, list] = {"category": [], "kind": [], "unit": [], "region": []}
        if statement is not None:
            with connection.cursor() as cursor:
                cursor.execute(*statement)
                for row in cursor.fetchall():
                    read[row[0]].append(row[1:])
        regions = [Offered(code, name, level) for code, name, level, *_ in sorted(read["region"])]
        return LedgerOptions(
            categories=[Offered(int(k), n) for k, n, *_ in sorted(read["category"], key=_by_campaign)],
            kinds=[Offered(int(k), n) for k, n, *_ in sorted(read["kind"], key=_by_campaign)],
            units=[Offered(int(k), n) for k, n, *_ in sorted(read["unit"], key=lambda r: (r[1], r[0]))],
            regions=regions,
            regions_shown=_without_trunk(regions, chosen),
        )

    def options_query(self, chosen: str | None) -> QuerySet:
        """``options``' query: rows of (list, key, name, level, campaign, order)."""
        campaigns = self.campaigns().values("pk")
        within = Q() if self.admin else self._within("code")
        q = Q(level__lte=RegionLevel.COUNTY) & within | self._handled_q()
        if chosen:
            q |= Q(code=chosen[:12]) & within  # a handler's own regions are all listed already
        text, number = CharField(), IntegerField()
        parts = [  # one list each, tagged
            Category.objects.filter(campaign_id__in=campaigns).values_list(
                Value("category", text), Cast("id", text), "name", Value(0, number), "campaign_id", "order"
            ),
            TargetKind.objects.filter(campaign_id__in=campaigns).values_list(
                Value("kind", text), Cast("id", text), "name", Value(0, number), "campaign_id", "order"
            ),
            self.units().values_list(
                Value("unit", text),
                Cast("id", text),
                "name",
                Value(0, number),
                Value(0, number),
                Value(0, number),
            ),
            Region.objects.filter(q).values_list(
                Value("region", text), "code", "name", "level", Value(0, number), Value(0, number)
            ),
        ]
        return parts[0].order_by().union(*(p.order_by() for p in parts[1:]), all=True)


@lru_cache(maxsize=512)
def _options_statement(scope: LedgerScope, chosen: str | None, alias: str) -> tuple[str, tuple] | None:
    """The SQL of ``scope.options_query(chosen)`` (None: it can find nothing, as for a user without a scope),
    built once per scope key (``LedgerScope.key``), region asked for and database: building its four querysets
    and compiling them took twice as long as running it, on every page of the 问题台账."""
    try:
        sql, params = scope.options_query(chosen).query.get_compiler(alias).as_sql()
    except EmptyResultSet:
        return None
    return sql, tuple(params)


def _by_campaign(row: tuple) -> tuple:
    """A category's or target kind's place: by campaign, then its order, then its name."""
    _key, name, _level, campaign, rank = row
    return campaign, rank, name


def _without_trunk(found: list[Offered], chosen: str | None) -> list[Offered]:
    """The regions a drop-down lists, without the common trunk above the first branch (滨州市 when everything
    is in 滨州市: choosing it changes nothing); a chosen region below the counties does not count as a branch."""
    regions = [r for r in found if r.key != chosen or r.level <= RegionLevel.COUNTY]
    levels = sorted({r.level for r in regions})
    while len(levels) > 1 and sum(r.level == levels[0] for r in regions) == 1:
        levels.pop(0)
    return [r for r in found if r not in regions or r.level >= levels[0]]


def keyword_filter(problems: QuerySet[Problem], q: str) -> QuerySet[Problem]:
    """The 关键词 filter (``?q=``): the problems whose title or target's name contains ``q``.

    The one place the list's (and the export's) keyword search is decided. The title goes through the trigram
    index (``problems.similar.title_filter``: pg_trgm's, or SQLite's FTS5 table), checked on the rows in scope as
    they are read when the word is common and searched first when it is rare; a target's name by
    ``LIKE '%…%'`` over the targets (a few hundred thousand short names at most)."""
    targets = Target.objects.filter(name__contains=q).order_by().values("pk")
    return title_filter(problems, q) | problems.filter(AmongIds("target_id", targets))


def filter_problems(
    problems: QuerySet[Problem], form: ProblemFilterForm, lights: dict[Light, Q] | None = None
) -> QuerySet[Problem]:
    """The 问题台账's filters applied to ``problems`` (already the user's scope). Only the valid ones: a mistyped
    filter is ignored rather than hiding every row. Public so that an export can show exactly the same rows.
    ``lights``: the page's ``light_conditions`` when it has read the clock already (to show the lights)."""
    if not form.is_bound:
        return problems
    form.is_valid()
    data = form.cleaned_data
    if q := data.get("q"):
        problems = keyword_filter(problems, q)
    for name in ("status", "level", "category", "handling_org"):
        if value := data.get(name):
            problems = problems.filter(**{name: value})
    if region := data.get("region"):
        problems = problems.filter(access.region_within_q("region_id", region.prefix))
    if kind := data.get("kind"):
        problems = problems.filter(target__kind=kind)
    if light := data.get("light"):
        problems = problems.filter(light_q(light) if lights is None else _light_q(light, lights))
    if start := data.get("reported_from"):
        problems = problems.filter(reported_on__gte=start)
    if end := data.get("reported_to"):
        problems = problems.filter(reported_on__lte=end)
    return problems


def _light_q(light: str, lights: dict[Light, Q]) -> Q:
    """``supervision.light_q`` from conditions already built (``none``: none of the others)."""
    return ~reduce(or_, lights.values()) if light == Light.NONE else lights[Light(light)]


class HandlerSelect(PlainSelect):
    """承办人 options carry their unit (``data-org``): problem-routing.js offers only the chosen unit's people.

    The server refuses a handler of another unit anyway (ActionForm.clean, workflow._routing)."""

    def option_attrs(self, value: Any) -> dict:
        person = getattr(value, "instance", None)
        return {"data-org": person.organization_id or ""} if person is not None else {}


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES = 10
OUTCOME_ROWS = 3
ZIP_MARKERS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EVIDENCE_ACCEPT = ".pdf,.jpg,.jpeg,.png,.heic,.docx,.xlsx"


def sniff_evidence_type(uploaded_file) -> str | None:
    """The real type of a 佐证材料 file from its content: PDF, JPEG/PNG/HEIC, Word (.docx) or Excel (.xlsx)."""
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if image := sniff_image_type(head):
        return image
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(uploaded_file) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError):
        return None
    finally:
        uploaded_file.seek(0)
    return next((ct for marker, ct in ZIP_MARKERS.items() if marker in names), None)


class EvidenceField(MultipleFileField):
    """Several 佐证材料 files from one <input multiple>; each checked by size and by content, not by name."""

    accept = EVIDENCE_ACCEPT
    max_files = MAX_EVIDENCE_FILES
    too_many = _("一次最多上传%(n)d个文件。")

    def check(self, uploaded_file: UploadedFile) -> None:
        name = uploaded_file.name or _("附件")
        if uploaded_file.size and uploaded_file.size > MAX_EVIDENCE_BYTES:
            raise ValidationError(_("文件“%(name)s”超过10MB,请压缩后再上传。") % {"name": name})
        content_type = sniff_evidence_type(uploaded_file)
        if content_type is None:
            raise ValidationError(_("“%(name)s”不是PDF、图片、Word或Excel文件。") % {"name": name})
        uploaded_file.content_type = (
            content_type  # stored on the attachment: the content's type, not the browser's
        )


def _field(name: str, required: bool, user_problems, problem: Problem) -> forms.Field:
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
        return forms.ModelChoiceField(queryset=routing_orgs(problem), empty_label=_("请选择"), **kw)
    if name == "handler":
        return forms.ModelChoiceField(
            queryset=Person.objects.filter(organization__in=routing_orgs(problem)).order_by("name"),
            empty_label=_("不指定"),
            widget=HandlerSelect,
            **kw,
        )
    if name == "category":
        return forms.ModelChoiceField(
            queryset=Category.objects.filter(campaign_id=problem.campaign_id).order_by("order", "name"),
            empty_label=_("不变") if problem.category_id else _("未分类"),
            initial=problem.category_id,
            help_text=_("可设置或更正问题类别"),
            **kw,
        )
    if name == "deadline_days":
        return forms.IntegerField(min_value=1, max_value=365, help_text=_("不填则按类别或行动默认时限"), **kw)
    if name == "complex":
        return forms.BooleanField(label=label, required=False)
    if name in ("resolution", "comment", "measures"):
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **kw)
    if name == "coordinated_with":
        return forms.CharField(max_length=200, help_text=_("如协调的部门、企业或人员"), **kw)
    if name == "evidence":
        return EvidenceField(help_text=_("PDF、图片、Word或Excel,每个不超过10MB,可多选"), **kw)
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
    "category",
    "deadline_days",
    "complex",
    "resolution",
    "measures",
    "coordinated_with",
    "evidence",
    "reason",
    "new_deadline",
    "satisfaction",
    "review_on",
    "merged_into",
    "comment",
)
# Fields offered only where the action takes outcomes (办结, 现场解决), though the service accepts them anywhere.
RESOLVE_ONLY = ("measures", "coordinated_with")
# Optional fields the service accepts but a form should not ask for: a handler's 办结 does not change the level.
NOT_ASKED = {("resolve", "level")}


def _outcome_fields(i: int, indicators) -> dict[str, forms.Field]:
    return {
        f"outcome{i}_indicator": forms.ModelChoiceField(
            label=_("指标"),
            queryset=indicators,
            required=False,
            empty_label=_("请选择指标"),
            error_messages={"invalid_choice": _("所选指标无效。")},
        ),
        f"outcome{i}_value": forms.CharField(
            label=_("数值"),
            max_length=50,
            required=False,
            widget=forms.TextInput(attrs={"placeholder": _("如“2万斤”")}),
        ),
        f"outcome{i}_note": forms.CharField(
            label=_("说明"),
            max_length=300,
            required=False,
            widget=forms.TextInput(attrs={"placeholder": _("说明(可选)")}),
        ),
    }


MEASURE_PARTS = ("measure_type", "measure_times", "measure_units", "measure_people")


def _measure_fields(types) -> dict[str, forms.Field]:
    def number(label, limit: int, minimum: int = 0) -> forms.IntegerField:
        return forms.IntegerField(
            label=label,
            required=False,
            min_value=minimum,
            max_value=limit,
            error_messages={
                "invalid": format_lazy(_("{}应为整数。"), label),
                "min_value": format_lazy(_("{}不能小于{}。"), label, minimum),
                "max_value": format_lazy(_("{}不能超过{}。"), label, limit),
            },
        )

    return {
        "measure_type": forms.ModelChoiceField(
            label=_("措施类型"),
            queryset=types,
            required=False,
            empty_label=_("不记录措施"),
            error_messages={"invalid_choice": _("所选措施类型无效。")},
        ),
        "measure_times": number(_("次数"), MAX_TIMES, 1),
        "measure_units": number(_("协调单位/部门数"), MAX_UNITS),
        "measure_people": number(_("参加人数"), MAX_PEOPLE),
    }


class ActionForm(forms.Form):
    """The fields of one action, built from its Transition (required ones first); ``version`` is what was seen.

    办结 and 现场解决 also take 佐证材料 and up to OUTCOME_ROWS outcomes (indicator, value as typed, note).
    """

    version = forms.IntegerField(widget=forms.HiddenInput)
    on_date = forms.DateField(
        label=_("发生日期"),
        required=False,
        widget=_date_input(),
        help_text=_("补录时填实际发生的日期;不填即今天"),
        error_messages={"invalid": _("发生日期格式不正确,应如2025-06-18。")},
    )

    def __init__(
        self,
        *args,
        action: str,
        transition: Transition | None,
        problem: Problem,
        user_problems,
        user: access.Viewer = None,
        **kwargs,
    ):
        kwargs["prefix"] = action
        super().__init__(*args, **kwargs)
        self.action = action
        self.problem = problem
        today = timezone.localdate()
        self.fields["on_date"].initial = today
        self.fields["on_date"].widget.attrs.update(
            {"max": today.isoformat(), "min": problem.reported_on.isoformat()}
        )
        requires = transition.requires if transition else ()
        optional = (*transition.optional, "comment") if transition else ()
        self.takes_outcomes = "outcomes" in optional
        if self.takes_outcomes:
            optional = (*optional, *RESOLVE_ONLY)
        for name in FORM_FIELDS:
            if name in requires or (name in optional and (action, name) not in NOT_ASKED):
                self.fields[name] = _field(name, name in requires, user_problems, problem)
        if self.takes_outcomes:
            indicators = Indicator.objects.filter(campaign_id=problem.campaign_id).order_by("order")
            for i in range(OUTCOME_ROWS):
                self.fields.update(_outcome_fields(i, indicators))
        # One 帮扶措施 (协调会3次,协调5个部门), offered to whoever records the group's work.
        types = MeasureType.objects.filter(campaign_id=problem.campaign_id).order_by("order", "name")
        self.takes_measure = (
            transition is not None
            and action in MEASURE_ACTIONS
            and access.can_write(user, problem.group_id)
            and types.exists()
        )
        if self.takes_measure:
            self.fields.update(_measure_fields(types))

    def main_fields(self) -> list[forms.BoundField]:
        return [f for f in self if not f.name.startswith(("outcome", "measure_"))]

    def measure_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in MEASURE_PARTS] if self.takes_measure else []

    def outcome_rows(self) -> list[list[forms.BoundField]]:
        if not self.takes_outcomes:
            return []
        return [
            [self[f"outcome{i}_{part}"] for part in ("indicator", "value", "note")]
            for i in range(OUTCOME_ROWS)
        ]

    def clean_on_date(self):
        """The day it happened: today when left empty; another day must lie in the campaign and not after today
        (the workflow checks it again, with the order of the steps)."""
        day = self.cleaned_data.get("on_date") or timezone.localdate()
        if day != timezone.localdate():
            try:
                check_date(self.problem.campaign, day, "on_date")
            except ValidationError as exc:
                raise ValidationError(exc.messages) from None
        if day < self.problem.reported_on:
            raise ValidationError(
                _("发生日期不能早于发现日期(%(day)s)。") % {"day": self.problem.reported_on.isoformat()}
            )
        return day

    def clean(self):
        data = super().clean() or {}
        org, handler = data.get("handling_org"), data.get("handler")
        if org and handler and handler.organization_id != org.pk:
            raise ValidationError({"handler": _("承办人不属于所选承办单位。")})
        if self.takes_outcomes:
            self._clean_outcomes(data)
        if self.takes_measure and data.get("measure_type") is None:
            for name in ("measure_times", "measure_units", "measure_people"):
                if data.get(name) is not None:
                    self.add_error("measure_type", _("请选择措施类型,或清空措施的次数和人数。"))
                    break
        return data

    def _clean_outcomes(self, data: dict) -> None:
        """Check each filled row here, so a value like “很多” is shown next to its input before any file is kept."""
        for i in range(OUTCOME_ROWS):
            indicator, value = data.get(f"outcome{i}_indicator"), data.get(f"outcome{i}_value", "").strip()
            if f"outcome{i}_indicator" in self.errors:
                continue
            if value and indicator is None:
                self.add_error(f"outcome{i}_indicator", _("请选择成效指标。"))
            elif indicator is not None and not value:
                self.add_error(f"outcome{i}_value", _("请填写数值,例如“2万斤”“3.5万元”。"))
            elif indicator is not None:
                try:
                    parse_quantity(value, default_unit=indicator.unit).to_unit(indicator.unit)
                except ValidationError as exc:
                    self.add_error(f"outcome{i}_value", exc.messages)

    def transition_fields(self) -> dict:
        """The cleaned values to pass on: empty optional values are left out; outcome rows become ``outcomes``."""
        fields = {
            k: v
            for k, v in self.cleaned_data.items()
            if k not in ("version", "on_date")
            and not k.startswith(("outcome", "measure_"))
            and v not in (None, "", False, [])
        }
        outcomes = [
            {
                "indicator": self.cleaned_data[f"outcome{i}_indicator"],
                "value": self.cleaned_data[f"outcome{i}_value"].strip(),
                "note": self.cleaned_data[f"outcome{i}_note"],
            }
            for i in range(OUTCOME_ROWS)
            if self.takes_outcomes and self.cleaned_data.get(f"outcome{i}_indicator") is not None
        ]
        if outcomes:
            fields["outcomes"] = outcomes
        if self.takes_measure and self.cleaned_data.get("measure_type") is not None:
            fields["measure"] = {
                "type": self.cleaned_data["measure_type"],
                "times": self.cleaned_data.get("measure_times") or 1,
                "units": self.cleaned_data.get("measure_units"),
                "people": self.cleaned_data.get("measure_people"),
            }
        return fields


# ---- the 问题台账's bulk bar ----------------------------------------------------------------------------------
def bulk_orgs(problems: QuerySet[Problem]) -> QuerySet[Organization]:
    """承办单位 offered for a bulk 交办 of these problems: the units of any of their region lines (their
    regions and the regions above) and their groups' sending units. Each problem is checked again on its own."""
    senders = problems.values("group__dispatching_org_id")
    return Organization.objects.filter(_in_region_lines("region_id", problems) | Q(pk__in=senders)).order_by(
        "name"
    )


def _in_region_lines(field: str, problems: QuerySet[Problem]) -> Q:
    """``field`` (a region code) is the region of one of ``problems`` or a region above it — whose code is the
    region's prefix at its level padded with zeros: a condition the database answers in the query that reads
    ``field``, reading the problems once however many (each of their distinct regions joined with the prefix
    lengths: a handler's 8,780 problems at 1,000,000 lie in a handful of regions)."""
    try:
        sql, params = problems.order_by().values("region_id").distinct().query.sql_with_params()
    except EmptyResultSet:  # no problems at all (an empty list of ids)
        return Q(pk__in=[])
    lengths = " UNION ALL ".join(f"SELECT {n} AS n" for n in sorted(set(PREFIX_LENGTH.values())))
    line = "substr(p.region_id, 1, l.n) || substr('000000000000', 1, 12 - l.n)"
    return Q(**{f"{field}__in": RawSQL(f"SELECT {line} FROM ({sql}) p, ({lengths}) l", params)})


class IdListField(forms.Field):
    """Problem ids from ticked checkboxes (``name="problems"``, several values)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        try:
            ids = [int(v) for v in value]
        except (TypeError, ValueError):
            raise ValidationError(_("所选问题编号不正确。")) from None
        if any(not 0 < i < 2**31 for i in ids):
            raise ValidationError(_("所选问题编号不正确。"))
        return ids


class BulkForm(forms.Form):
    """分级交办 or 催办 for the problems ticked in the 问题台账 (at most BULK_LIMIT)."""

    action = forms.ChoiceField(
        label=_("批量操作"),
        choices=[(Action.TRIAGE, _("批量交办")), (Action.URGE, _("批量催办"))],
        widget=PlainSelect,
        error_messages={"required": _("请选择批量操作。"), "invalid_choice": _("批量操作选择无效。")},
    )
    problems = IdListField(error_messages={"required": _("请先勾选问题。")})
    level = forms.ChoiceField(
        label=_("办理层级"),
        choices=[("", _("办理层级")), *Level.choices],
        required=False,
        error_messages={"invalid_choice": _("办理层级选择无效。")},
        widget=PlainSelect,
    )
    handling_org = forms.ModelChoiceField(
        label=_("承办单位"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("承办单位"),
        error_messages={"invalid_choice": _("承办单位选择无效。")},
        widget=PlainSelect,
    )
    handler = forms.ModelChoiceField(
        label=_("承办人"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("承办人(不指定)"),
        widget=HandlerSelect,
        error_messages={"invalid_choice": _("承办人选择无效。")},
    )
    deadline_days = forms.IntegerField(
        label=_("办理时限(工作日)"),
        required=False,
        min_value=1,
        max_value=365,
        widget=forms.NumberInput(attrs={"placeholder": _("时限(工作日)")}),
        error_messages={
            "invalid": _("办理时限应为1至365个工作日。"),
            "min_value": _("办理时限应为1至365个工作日。"),
            "max_value": _("办理时限应为1至365个工作日。"),
        },
    )
    comment = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("说明(可选)")}),
        error_messages={"max_length": _("说明不能超过500字。")},
    )

    def __init__(self, *args, actions: list[str], orgs: QuerySet[Organization], **kwargs):
        super().__init__(*args, **kwargs)
        action: Any = self.fields["action"]
        action.choices = [c for c in action.choices if c[0] in actions]
        handlers = Person.objects.filter(organization__in=orgs).order_by("name")
        if self.is_bound:  # a submitted form is only checked: the querysets check the values sent
            self.fields["handling_org"].queryset = orgs  # type: ignore[attr-defined]
            self.fields["handler"].queryset = handlers  # type: ignore[attr-defined]
        else:
            offer(self.fields["handling_org"], orgs)
            offer(self.fields["handler"], handlers)

    def clean_problems(self):
        ids = self.cleaned_data["problems"]
        if len(ids) > BULK_LIMIT:
            raise ValidationError(_("一次最多处理%(n)d件问题。") % {"n": BULK_LIMIT})
        return ids

    def clean(self):
        data = super().clean() or {}
        if data.get("action") == Action.TRIAGE:
            if not data.get("level"):
                self.add_error("level", _("批量交办须选择办理层级。"))
            if data.get("handling_org") is None and "handling_org" not in self.errors:
                self.add_error("handling_org", _("批量交办须选择承办单位。"))
        org, handler = data.get("handling_org"), data.get("handler")
        if org and handler and handler.organization_id != org.pk:
            self.add_error("handler", _("承办人不属于所选承办单位。"))
        return data


# ---- photos of a problem --------------------------------------------------------------------------------------
class ProblemPhotoField(MultipleFileField):
    """Photos of a problem, checked by content (JPEG, PNG, HEIC) and size; the pixel cap and the removal of
    the GPS location are the service's (problems.services.problem_photo_add, with the visit photos' code)."""

    accept = "image/jpeg,image/png,image/heic,.heic"
    max_files = 5
    too_many = _("一次最多上传%(n)d张照片。")

    def check(self, uploaded_file: UploadedFile) -> None:
        try:
            photo_check(uploaded_file)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None


class ProblemPhotoForm(forms.Form):
    photos = ProblemPhotoField(
        label=_("照片"),
        help_text=_("JPEG、PNG或HEIC,每张不超过10MB,一次最多5张;位置信息会被去除"),
        error_messages={"required": _("请选择照片。")},
    )
    comment = forms.CharField(
        label=_("照片说明"),
        required=False,
        max_length=200,
        error_messages={"max_length": _("照片说明不能超过200字。")},
    )
