"""Template helpers for problems: `{% load problem_tags %}`."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from sijin.problems.models import Light

register = template.Library()


@register.filter
def light_label(light: str | None) -> str:
    """The label of a deadline light ("—" when there is none)."""
    return Light.label_of(light) if light and light != Light.NONE else "—"


@register.filter
def light_colour(light: str | None) -> str:
    return Light.colour_of(light)


@register.simple_tag
def ledger_row(p, bulk) -> SafeString:
    """One row of the 问题台账 (``problems/problem_list.html``), written out here rather than as a dozen
    template variables and a ``{% url %}`` per row, which were most of the page's rendering; the same HTML.
    ``p`` is a row of ``problems.views.problem_list`` with what ``_page_rows`` adds (address, labels, light);
    ``bulk``: the page has the bulk bar, so the row has its checkbox. Every text is escaped as ``{{ }}`` would."""
    pk = p.pk
    pick = (
        f'<td class="sj-check"><input class="form-check-input" type="checkbox" name="problems" value="{pk}"\n'
        f'      form="bulk-form" id="pick-{pk}" aria-label="{escape(str(p.pick_label))}"></td>'
        if bulk
        else ""
    )
    category, org = p.category, p.handling_org
    light = _light_html(p.light, p.resolved_on)
    return mark_safe(  # every value above and below is escaped or an id, a date or a colour name
        "<tr>\n"
        f"    {pick}\n"
        f'    <td><a href="{escape(p.url)}">{escape(p.title)}</a></td>\n'
        f"    <td>{escape(p.target.name)}</td>\n"
        f'    <td class="d-none d-lg-table-cell">{escape(category.name) if category and category.name else "—"}</td>\n'
        f'    <td class="d-none d-md-table-cell text-nowrap">{escape(str(p.level_label or "—"))}</td>\n'
        f'    <td class="d-none d-md-table-cell">{escape(org.name) if org and org.name else "—"}</td>\n'
        f'    <td class="text-nowrap"><span class="badge text-bg-{p.status_colour}">{escape(str(p.status_label))}'
        "</span></td>\n"
        f"    <td>{light}</td>\n"
        f'    <td class="d-none d-md-table-cell text-nowrap">{p.deadline.isoformat() if p.deadline else "—"}</td>\n'
        f'    <td class="d-none d-sm-table-cell text-nowrap">{p.reported_on.isoformat()}</td>\n'
        "  </tr>"
    )


@register.simple_tag
def light_badge(light: str | None, done: object) -> SafeString:
    """A deadline light (``includes/light.html``; ``done``: the problem was solved, so a green light reads
    按期办结): the one way every page writes it, the rows of the 问题台账 and 督办 included."""
    return mark_safe(_light_html(light, done))  # its label escaped, the rest our own words


def _light_html(light: str | None, done: object) -> str:
    if light == Light.GREEN and done:
        label = escape(gettext("按期办结"))
        return (
            f'\n<span class="sj-light sj-light-green" title="{label}">\n'
            f'  <span class="sj-dot bg-success" aria-hidden="true"></span>{label}</span>\n\n'
        )
    if light and light != Light.NONE:
        label = escape(str(light_label(light)))
        return (
            f'\n<span class="sj-light sj-light-{escape(light)}" title="{label}">\n'
            f'  <span class="sj-dot bg-{light_colour(light)}" aria-hidden="true"></span>{label}</span>\n\n'
        )
    return '<span class="sj-light text-body-secondary">—</span>\n'


@register.simple_tag
def supervision_row(p, here: str, csrf_token) -> SafeString:
    """One problem of a unit on the 督办 page (``problems/supervision.html``), written out here rather than
    through two includes, two ``{% url %}`` and a dozen template variables per row (most of the page's
    rendering); the same HTML. ``p`` is a row of ``problems.views.supervision`` (``light``, ``status_label``,
    ``days_overdue``, ``may_urge``, its addresses ``url`` and ``urge_url``); ``here`` the page's address for
    the 催办 form to come back to, and ``csrf_token`` the page's, for that form."""
    title, target = escape(p.title), escape(p.target.name)
    deadline = f"{p.deadline:%Y-%m-%d}" if p.deadline else ""
    if p.days_overdue:
        n = p.days_overdue
        overdue = (
            '<span class="text-danger fw-semibold">\n'
            f"            {ngettext('%(n)s个工作日', '%(n)s个工作日', n) % {'n': n}}</span>\n            "
        )
    else:
        overdue = f'<span class="text-body-secondary">{escape(gettext("未超期"))}</span>'
    urge = ""
    if p.may_urge:
        label = gettext("催办“%(title)s”") % {"title": title}
        urge = (
            "\n"
            f'            <form method="post" action="{escape(p.urge_url)}" class="d-inline">\n'
            f'              {_csrf_input(csrf_token)}<input type="hidden" name="next" value="{escape(here)}">\n'
            '              <button class="btn btn-sm btn-warning text-nowrap" type="submit"\n'
            f'                      aria-label="{label}">\n'
            '                <i class="bi bi-bell" aria-hidden="true"></i><span\n'
            f'                  class="d-none d-sm-inline"> {escape(gettext("催办"))}</span></button>\n'
            "            </form>"
        )
    return mark_safe(  # every value is escaped or an id, a date, a number or a colour name
        "<tr>\n"
        f'          <td class="d-none d-sm-table-cell">{_light_html(p.light, p.resolved_on)}</td>\n'
        f'          <td><a href="{escape(p.url)}">{title}</a>\n'
        f'            <div class="small text-body-secondary d-md-none">{target}</div>\n'
        '            <div class="small text-body-secondary d-sm-none">\n'
        f"              {escape(gettext('期限'))} {deadline}</div></td>\n"
        f'          <td class="d-none d-md-table-cell">{target}</td>\n'
        '          <td class="d-none d-lg-table-cell">\n'
        f'            <span class="badge text-bg-{p.status_colour or "secondary"}">{escape(str(p.status_label))}'
        "</span>\n\n"
        "          </td>\n"
        f'          <td class="text-nowrap d-none d-sm-table-cell">{deadline}</td>\n'
        f'          <td class="text-nowrap sj-overdue">{overdue}</td>\n'
        f'          <td class="text-end">{urge}</td>\n'
        "        </tr>"
    )


def _csrf_input(token) -> str:
    """What ``{% csrf_token %}`` writes for the page's token."""
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'
