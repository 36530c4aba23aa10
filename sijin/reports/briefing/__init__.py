"""工作简报: written from the data (writer), kept as sanitised HTML (body), laid out for print (word).

``briefing_text()`` writes a draft's title and body for a scope and period; ``clean_body()`` is what every
save stores; ``briefing_docx()`` gives a briefing as the Word document an office sends (版头 with 第N期, red
rule, numbered sections, tables, 版记).
"""

from datetime import date

from django.utils import timezone

from ..models import Briefing, BriefingSeries
from .body import as_html, body_is_empty, clean_body, display_html
from .distribution import Distribution, briefing_distribution, series_name
from .phrases import cn_date, period_length
from .word import Masthead, document_docx
from .writer import BriefingText, briefing_text, scoped_groups

__all__ = [
    "BriefingText",
    "Distribution",
    "Masthead",
    "as_html",
    "body_is_empty",
    "briefing_distribution",
    "briefing_docx",
    "briefing_masthead",
    "briefing_text",
    "clean_body",
    "cn_date",
    "display_html",
    "document_docx",
    "period_length",
    "scoped_groups",
    "series_name",
]


def briefing_masthead(briefing: Briefing) -> Masthead:
    """版头 and 版记 of a briefing: its series' name (or the one its series will get), 第N期 once submitted,
    the date it was submitted (today for a draft)."""
    if briefing.series_id:
        name = briefing.series.name
    else:
        series = BriefingSeries.objects.filter(
            scope=briefing.scope,
            group=briefing.group,
            organization=briefing.organization,
            region=briefing.region,
        ).first()
        name = (
            series.name
            if series
            else series_name(group=briefing.group, organization=briefing.organization, region=briefing.region)
        )
    when: date = timezone.localdate(briefing.submitted_at) if briefing.submitted_at else timezone.localdate()
    return Masthead(
        name=name,
        issue=briefing.issue_label,
        issuer=briefing.issuer,
        day=when,
        report_to=briefing.report_to,
        copy_to=briefing.copy_to,
        issue_to=briefing.issue_to,
    )


def briefing_docx(briefing: Briefing) -> bytes:
    return document_docx(briefing.title, briefing.body, briefing_masthead(briefing))
