import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum

from sijin.core.models import AuditLog
from sijin.fieldwork.models import Visit
from sijin.fieldwork.services import visit_record
from sijin.problems.models import VOID_STATUSES, Problem
from sijin.problems.services import problem_report
from sijin.tallies.models import TallyField, TallyForm, TallyReport, TallyStatus
from sijin.tallies.periods import period_of
from sijin.tallies.services import (
    tally_form_define,
    tally_report_open,
    tally_report_reopen,
    tally_report_submit,
    tally_value_set,
)
from sijin.tallies.sources import source_value
from sijin.testing import d

from .conftest import WEEKLY_FIELDS

WEEK = (d(6, 9), d(6, 15))  # Monday to Sunday: the world's busiest week


def values_of(report):
    return {v.field.code: v for v in report.values.select_related("field")}


def test_it_lets_only_an_office_over_the_campaign_define_a_form(world):
    for username in ("member", "group_leader", "unit", "leader", "outsider", "handler"):
        with pytest.raises(PermissionDenied):
            tally_form_define(
                actor=world.users[username],
                campaign=world.campaign,
                name="周报",
                period_kind="week",
                fields=WEEKLY_FIELDS,
            )
    assert not TallyForm.objects.exists()


@pytest.mark.parametrize(
    ("name", "kind", "fields", "message"),
    [
        ("", "week", WEEKLY_FIELDS, "请填写报表名称"),
        ("周" * 51, "week", WEEKLY_FIELDS, "不能超过50字"),
        ("周报", "daily", WEEKLY_FIELDS, "报送周期"),
        ("周报", "week", [], "至少设置一个栏目"),
        ("周报", "week", [{"label": f"栏目{i}"} for i in range(41)], "不能超过40个"),
        ("周报", "week", [{"label": "走访", "source": "nonsense"}], "不存在"),
        ("周报", "week", [{"label": "走访", "code": "a"}, {"label": "问题", "code": "a"}], "不能重复"),
        ("周报", "week", [{"label": "走访", "code": "走访"}], "代码只能"),
        ("周报", "week", [{"label": "走访", "unit": "个" * 11}], "单位不能超过"),
    ],
)
def test_it_refuses_a_bad_form_in_chinese_and_saves_nothing(world, name, kind, fields, message):
    with pytest.raises(ValidationError) as exc:
        tally_form_define(
            actor=world.users["office"], campaign=world.campaign, name=name, period_kind=kind, fields=fields
        )
    assert message in " ".join(exc.value.messages)
    assert not TallyForm.objects.exists()


def test_it_takes_the_source_a_label_names(world, weekly):
    infra = weekly.fields.get(code="infra")
    assert infra.source == f"category:{world.categories['基础设施'].pk}"
    assert infra.unit == "个"
    assert weekly.fields.get(code="firms").source == ""


def test_it_audits_the_definition(world, weekly):
    row = AuditLog.objects.filter(object_type="tallies.tallyform", object_id=str(weekly.pk)).get()
    assert "制定报送表 周报" in row.summary


def test_it_prefills_the_report_with_the_itemised_counts(world, weekly):
    report = tally_report_open(actor=world.users["member"], form=weekly, group=world.group, day=d(6, 11))
    assert (report.period_start, report.period_end) == WEEK
    values = values_of(report)
    visits = Visit.objects.filter(group=world.group, date__range=WEEK).aggregate(n=Sum("occasions"))["n"]
    found = Problem.objects.filter(group=world.group, reported_on__range=WEEK).exclude(
        status__in=VOID_STATUSES
    )
    solved = Problem.objects.filter(
        group=world.group, resolved_on__range=WEEK, status__in=("resolved", "closed")
    )
    assert values["visits"].value == visits == 13
    assert values["found"].value == found.count() == 6
    assert values["solved"].value == solved.count() == 1
    assert values["infra"].value == found.filter(category__name="基础设施").count() == 3
    assert values["firms"].value is None  # nothing itemised to pre-fill it


def test_it_counts_a_back_dated_record_in_the_period_it_happened(world, weekly):
    before = source_value("visits", world.campaign, world.group, d(6, 2), d(6, 8))
    visit_record(
        actor=world.users["member"],
        group=world.group,
        targets=[world.enterprise],
        date=d(6, 4),
        mode="individual",
    )
    problem_report(
        actor=world.users["member"], target=world.enterprise, title="补录的问题", reported_on=d(6, 5)
    )
    assert source_value("visits", world.campaign, world.group, d(6, 2), d(6, 8)) == before + 1
    assert source_value("problems_found", world.campaign, world.group, d(6, 2), d(6, 8)) == 1
    report = tally_report_open(actor=world.users["member"], form=weekly, group=world.group, day=d(6, 3))
    assert values_of(report)["found"].value == 1
    assert values_of(report)["visits"].value == before + 1
    this_week = tally_report_open(actor=world.users["member"], form=weekly, group=world.group, day=d(6, 9))
    assert values_of(this_week)["found"].value == 6  # unchanged by the late entry


def test_it_opens_one_report_per_group_and_period(world, weekly):
    first = tally_report_open(actor=world.users["member"], form=weekly, group=world.group, day=d(6, 9))
    again = tally_report_open(actor=world.users["group_leader"], form=weekly, group=world.group, day=d(6, 15))
    assert first.pk == again.pk
    assert TallyReport.objects.count() == 1


def test_it_lets_only_the_group_fill_its_report(world, weekly, other_group):
    from sijin.accounts.models import User

    for user in (
        world.users["office"],
        world.users["leader"],
        world.users["unit"],
        User.objects.get(username="other_member"),
    ):
        with pytest.raises(PermissionDenied):
            tally_report_open(actor=user, form=weekly, group=world.group, day=d(6, 9))
    report = tally_report_open(actor=world.users["member"], form=weekly, group=world.group, day=d(6, 9))
    with pytest.raises(PermissionDenied):
        tally_value_set(actor=world.users["office"], report=report, values={"firms": "3"})
    with pytest.raises(PermissionDenied):
        tally_report_submit(actor=world.users["leader"], report=report)


def test_it_refuses_a_period_in_the_future_or_of_a_stopped_form(world, weekly):
    from datetime import date

    with pytest.raises(ValidationError):
        tally_report_open(actor=world.users["member"], form=weekly, group=world.group, day=date(2099, 1, 1))
    weekly.active = False
    weekly.save()
    with pytest.raises(ValidationError, match="停用"):
        tally_report_open(actor=world.users["member"], form=weekly, group=world.group, day=d(6, 9))


def test_it_reads_figures_as_people_type_them(world, weekly):
    report = tally_report_open(actor=world.users["member"], form=weekly, group=world.group, day=d(6, 9))
    tally_value_set(
        actor=world.users["member"],
        report=report,
        values={"visits": "120", "firms": "30余", "found": "1.2万", "infra": ""},
    )
    values = values_of(report)
    assert values["visits"].value == 120
    assert (values["firms"].value, values["firms"].qualifier, values["firms"].display) == (30, "余", "30余")
    assert values["found"].value == 12000
    assert values["infra"].value is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("很多", "无法识别"),
        ("-3", "无法识别"),
        ("2万斤", "无法换算"),
        ("1" * 51, "不能超过50字"),
        ("9" * 20, "过大"),
    ],
)
def test_it_refuses_an_unreadable_figure_and_saves_none(world, weekly, typed, message):
    report = tally_report_open(actor=world.users["member"], form=weekly, group=world.group, day=d(6, 9))
    with pytest.raises(ValidationError) as exc:
        tally_value_set(actor=world.users["member"], report=report, values={"visits": "99", "firms": typed})
    assert message in " ".join(exc.value.message_dict["firms"])
    assert values_of(report)["visits"].value == 13  # the valid one was not saved either


def test_it_submits_only_a_complete_report_and_freezes_it(world, weekly):
    member = world.users["member"]
    report = tally_report_open(actor=member, form=weekly, group=world.group, day=d(6, 9))
    with pytest.raises(ValidationError, match="走访企业"):
        tally_report_submit(actor=member, report=report)
    tally_value_set(actor=member, report=report, values={"firms": "12"})
    report = tally_report_submit(actor=member, report=report)
    assert report.status == TallyStatus.SUBMITTED
    assert report.submitted_by == member and report.submitted_at is not None
    with pytest.raises(ValidationError, match="已报送"):
        tally_value_set(actor=member, report=report, values={"firms": "13"})
    with pytest.raises(ValidationError, match="已报送"):
        tally_report_submit(actor=member, report=report)


def test_it_lets_the_office_return_a_submitted_report_with_a_reason(world, weekly, other_group):
    member = world.users["member"]
    report = tally_report_open(actor=member, form=weekly, group=world.group, day=d(6, 9))
    tally_value_set(actor=member, report=report, values={"firms": "12"})
    with pytest.raises(ValidationError, match="尚未报送"):
        tally_report_reopen(actor=world.users["office"], report=report, reason="数字有误")
    tally_report_submit(actor=member, report=report)
    for username in ("member", "group_leader", "leader", "outsider"):
        with pytest.raises(PermissionDenied):
            tally_report_reopen(actor=world.users[username], report=report, reason="数字有误")
    with pytest.raises(ValidationError, match="退回原因"):
        tally_report_reopen(actor=world.users["office"], report=report, reason=" ")
    with pytest.raises(ValidationError, match="200字"):
        tally_report_reopen(actor=world.users["office"], report=report, reason="长" * 201)
    report = tally_report_reopen(actor=world.users["office"], report=report, reason="数字有误")
    assert report.status == TallyStatus.DRAFT
    assert AuditLog.objects.filter(object_type="tallies.tallyreport", summary__startswith="退回报送").exists()


def test_it_redefines_a_form_by_code_and_keeps_reported_fields(world, weekly):
    office = world.users["office"]
    report = tally_report_open(actor=world.users["member"], form=weekly, group=world.group, day=d(6, 9))
    tally_value_set(actor=world.users["member"], report=report, values={"firms": "12"})
    # firms has a figure: it may not go.
    with pytest.raises(ValidationError, match="走访企业"):
        tally_form_define(
            actor=office, campaign=world.campaign, name="周报", period_kind="week", fields=WEEKLY_FIELDS[:3]
        )
    kept = [*WEEKLY_FIELDS[:4], {"code": "funds", "label": "争取资金"}]  # infra (prefilled, never typed) goes
    tally_value_set(actor=world.users["member"], report=report, values={"infra": ""})
    form = tally_form_define(
        actor=office, campaign=world.campaign, name="周报", period_kind="week", fields=kept
    )
    assert list(form.fields.values_list("code", flat=True)) == ["visits", "found", "solved", "firms", "funds"]
    assert form.fields.get(code="funds").source == "indicator:funds"
    assert TallyField.objects.filter(form=form).count() == 5
    with pytest.raises(ValidationError, match="报送周期"):
        tally_form_define(
            actor=office, campaign=world.campaign, name="周报", period_kind="month", fields=kept
        )


def test_it_finds_the_period_of_a_day():
    class Campaign:
        start, end = d(6, 3), d(6, 30)

    assert period_of("week", Campaign, d(6, 15)).start == d(6, 9)
    assert (period_of("month", Campaign, d(6, 15)).start, period_of("month", Campaign, d(6, 15)).end) == (
        d(6, 1),
        d(6, 30),
    )
    assert period_of("campaign", Campaign, d(6, 15)).start == d(6, 3)
