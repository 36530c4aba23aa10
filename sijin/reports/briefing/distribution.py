"""版头 and 版记 defaults of a new briefing: who compiles it, to whom it goes, the series' name."""

from dataclasses import dataclass

from sijin.accounts.access import region_within_q
from sijin.campaigns.models import Campaign, WorkGroup
from sijin.directory.models import Organization, OrganizationKind, Region

from .phrases import unit_name


@dataclass(frozen=True)
class Distribution:
    """Who compiles a briefing (编发单位) and to whom it goes (报 / 送 / 发): suggestions the office edits."""

    issuer: str
    report_to: str
    copy_to: str
    issue_to: str


def _office_over(region: Region, *, above: bool) -> Organization | None:
    """The nearest campaign office (活动办) whose region holds ``region`` (strictly above it if ``above``)."""
    own = len(region.prefix)
    codes = [region.code[:n].ljust(12, "0") for n in (2, 4, 6, 9, 12) if n < own or (n == own and not above)]
    offices = Organization.objects.filter(kind=OrganizationKind.OFFICE, region__code__in=codes)
    return max(offices, key=lambda o: o.region_id, default=None)


def briefing_distribution(
    *, group: WorkGroup | None = None, organization: Organization | None = None, region: Region | None = None
) -> Distribution:
    if group is not None:
        office = _office_over(group.region, above=False)
        return Distribution(
            issuer=group.name,
            report_to=office.name if office else "",
            copy_to=unit_name(group.dispatching_org),  # 送 the unit, when it is known
            issue_to="工作组全体成员",
        )
    if organization is not None:
        office = _office_over(organization.region, above=False) if organization.region else None
        return Distribution(
            issuer=organization.name,
            report_to=office.name if office else "",
            copy_to="",
            issue_to="各驻点工作组",
        )
    assert region is not None
    own, upper = _office_over(region, above=False), _office_over(region, above=True)
    return Distribution(
        issuer=own.name if own else f"{region.name}活动办",
        report_to=upper.name if upper and upper != own else "",
        copy_to="",
        issue_to="各驻点工作组、各派出单位",
    )


def series_name(
    *, group: WorkGroup | None = None, organization: Organization | None = None, region: Region | None = None
) -> str:
    """The 版头 of a new series: 〈the campaign〉工作简报 when the scope's groups are all in one campaign."""
    if group is not None:
        campaigns = Campaign.objects.filter(pk=group.campaign_id)
    elif organization is not None:
        campaigns = Campaign.objects.filter(groups__dispatching_org=organization)
    elif region is not None:
        campaigns = Campaign.objects.filter(region_within_q("groups__region", region.prefix))
    else:
        campaigns = Campaign.objects.none()
    names = list(campaigns.values_list("name", flat=True).distinct()[:2])
    return f"{names[0]}工作简报" if len(names) == 1 else "工作简报"
