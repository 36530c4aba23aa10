"""The 督办通知单, an official notice (GB/T 9704-2012, in the briefing's fonts and page, ``sijin.core.officedoc``):

- 版头: "督办通知单" in red 小标宋, the 发文字号 (〔2026〕3号, numbered by the system per issuing office and
  year, ``notice_issue``) under it, and the red rule;
- the title, the 主送单位, the body with the table of near-due and overdue problems (columns fitted to their
  texts; 超期N个工作日 counted to today on the working-day clock, and only while the problem is open), the
  reply deadline (``REPLY_WORKDAYS`` working days from today);
- 落款 (the issuing office) and the date, 右空四字; the 抄送 line (the groups' dispatching units) as a 版记;
- page numbers "— 1 —".
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import F
from django.utils import translation
from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.shared import Length, Pt
from docx.text.paragraph import Paragraph

from sijin.core.audit import audit
from sijin.core.models import AuditAction
from sijin.core.officedoc import (
    BODY_FONT,
    BODY_SIZE,
    HEADING_FONT,
    INDENT,
    LINE,
    RED,
    RULE_THICK,
    SMALL_SIZE,
    TABLE_SIZE,
    TITLE_FONT,
    TITLE_SIZE,
    border,
    chinese_date,
    column_widths,
    document_bytes,
    official_document,
    red_rule,
    repeat_header,
    set_fonts,
    set_widths,
)
from sijin.core.workdays import add_workdays, workdays_between, workdays_since
from sijin.directory.models import Organization

from .models import OPEN_STATUSES, NoticeCounter, Problem

REPLY_WORKDAYS = 5  # the handling unit reports back in writing within this many working days
MASTHEAD = "督办通知单"
TITLE = "关于督促办理临期超期问题的通知"
HEADERS = ("序号", "帮扶对象", "问题", "交办日期", "办结期限", "超期情况")
ONE_LINE = frozenset({0, 3, 4, 5})  # numbers, dates and 超期N个工作日 are not wrapped


@dataclass(frozen=True)
class Notice:
    """One issued 督办通知单: what the document says around its problems."""

    issuer: str  # 发文机关, also the 落款
    year: int
    number: int
    org: Organization  # 主送单位
    day: date

    @property
    def reference(self) -> str:
        """The 发文字号: 〔2026〕3号 (六角括号, no leading zeros)."""
        return f"〔{self.year}〕{self.number}号"


@transaction.atomic
def notice_issue(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    org: Organization,
    problems: Sequence[Problem],
    issuer: str,
    day: date,
) -> Notice:
    """Give a 督办通知单 to ``org`` the issuer's next 发文字号 of the year, and audit it."""
    NoticeCounter.objects.get_or_create(issuer=issuer, year=day.year)
    NoticeCounter.objects.filter(issuer=issuer, year=day.year).update(last=F("last") + 1)
    number = NoticeCounter.objects.get(issuer=issuer, year=day.year).last
    notice = Notice(issuer=issuer, year=day.year, number=number, org=org, day=day)
    audit(
        actor if isinstance(actor, AbstractBaseUser) else None,
        AuditAction.NOTICE_ISSUE,
        org,
        f"签发督办通知单 {issuer}{notice.reference} 主送{org.name}",
        reference=notice.reference,
        problems=[p.pk for p in problems],
    )
    return notice


def overdue_workdays(problem: Problem, today: date, late: dict[date, int] | None = None) -> int | None:
    """Working days past the deadline as of ``today``, while the problem is open; None otherwise (a problem
    closed in 2020 is not 1,660 days overdue). ``late``: the counts by deadline (``workdays_since``) when the
    caller has them for many problems."""
    if problem.status not in OPEN_STATUSES or problem.deadline is None or problem.deadline >= today:
        return None
    if late is not None and problem.deadline in late:
        return late[problem.deadline]
    return workdays_between(problem.deadline, today)


def overdue_text(problem: Problem, today: date, late: dict[date, int] | None = None) -> str:
    days = overdue_workdays(problem, today, late)
    if days is not None and days > 0:
        return f"超期{days}个工作日"
    return "临期" if problem.status in OPEN_STATUSES and problem.deadline is not None else ""


# Official documents are written in Chinese whatever language the page is shown in.
@translation.override("zh-hans")
def notice_docx(notice: Notice, problems: Sequence[Problem]) -> bytes:
    """The notice as a .docx; ``problems`` with their target, group and its dispatching unit loaded."""
    today = notice.day
    doc = official_document()
    masthead = _para(doc, MASTHEAD, TITLE_FONT, Pt(36), WD_ALIGN_PARAGRAPH.CENTER)
    for run in masthead.runs:
        run.font.color.rgb = RED
    masthead.paragraph_format.space_after = Pt(12)
    reference = _para(doc, notice.reference, BODY_FONT, BODY_SIZE, WD_ALIGN_PARAGRAPH.CENTER)
    reference.paragraph_format.space_after = LINE  # the title stands one line below the red rule
    red_rule(reference)
    _para(doc, TITLE, TITLE_FONT, TITLE_SIZE, WD_ALIGN_PARAGRAPH.CENTER).paragraph_format.space_after = LINE
    _para(doc, f"{notice.org.name}:", BODY_FONT, BODY_SIZE, body=True, indent=False)
    # Counted once per distinct deadline (one query for the holiday overrides), not once per problem.
    late = workdays_since((p.deadline for p in problems if p.deadline), today)
    overdue = sum(1 for p in problems if (overdue_workdays(p, today, late) or 0) > 0)
    report_by = add_workdays(today, REPLY_WORKDAYS)
    _para(
        doc,
        f"截至{chinese_date(today)},贵单位承办的以下{len(problems)}件问题中,{overdue}件已超过办结期限,"
        f"{len(problems) - overdue}件临近办结期限。请高度重视,逐件落实办理措施,"
        f"于{chinese_date(report_by)}前将办理情况书面报告{notice.issuer}。",
        BODY_FONT,
        BODY_SIZE,
        body=True,
    )
    _problems_table(doc, problems, today, late)
    # 落款 and 成文日期: 右空四字, one blank line below the body.
    _para(doc, "", BODY_FONT, BODY_SIZE, body=True)
    for text in (notice.issuer, chinese_date(today)):
        p = _para(doc, text, BODY_FONT, BODY_SIZE, WD_ALIGN_PARAGRAPH.RIGHT, body=True, indent=False)
        p.paragraph_format.right_indent = INDENT * 2
    copy_to = sorted({p.group.dispatching_org.name for p in problems if p.group.dispatching_org_id})
    if copy_to:
        _para(doc, "", BODY_FONT, BODY_SIZE, body=True).paragraph_format.keep_with_next = True
        record = _para(doc, f"\u3000抄送:{'、'.join(copy_to)}。", BODY_FONT, SMALL_SIZE, indent=False)
        border(record, "top", RULE_THICK, space=4)
        border(record, "bottom", RULE_THICK, space=4)
    return document_bytes(doc)


def _para(
    doc_or_cell,
    text: str,
    font: str,
    size: Length,
    align: WD_ALIGN_PARAGRAPH | None = None,
    *,
    body: bool = False,
    indent: bool = True,
) -> Paragraph:
    """One paragraph of one run in ``font``; ``body`` sets it on the 22-line grid, indented two characters."""
    p = doc_or_cell.add_paragraph()
    fmt = p.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    if align is not None:
        p.alignment = align
    if body:
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE
        fmt.first_line_indent = INDENT if indent else Pt(0)
    if text:
        run = p.add_run(text)
        set_fonts(run._element, font)
        run.font.size = size
    return p


def _problems_table(
    doc: DocxDocument, problems: Sequence[Problem], today: date, late: dict[date, int]
) -> None:
    rows = [list(HEADERS)]
    for i, p in enumerate(problems, 1):
        rows.append(
            [
                str(i),
                p.target.name,
                p.title,
                f"{p.assigned_on:%Y-%m-%d}" if p.assigned_on else "",
                f"{p.deadline:%Y-%m-%d}" if p.deadline else "",
                overdue_text(p, today, late),
            ]
        )
    table = doc.add_table(rows=len(rows), cols=len(HEADERS))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    set_widths(table, column_widths(rows, keep=ONE_LINE))
    repeat_header(table)
    for r, texts in enumerate(rows):
        for c, text in enumerate(texts):
            cell = table.rows[r].cells[c]
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            cell._element.remove(cell.paragraphs[0]._p)
            centred = r == 0 or c not in (1, 2)
            para = _para(cell, text, HEADING_FONT if r == 0 else BODY_FONT, TABLE_SIZE)
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
            para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            para.paragraph_format.line_spacing = Pt(20)
    _para(doc, "", BODY_FONT, BODY_SIZE).paragraph_format.line_spacing = Pt(12)
