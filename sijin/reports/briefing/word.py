"""The briefing as offices print it (after GB/T 9704-2012, the layout of 党政机关公文):

- A4, 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm (bottom 35 mm, right 26 mm); 22 lines of 28 characters a page
  (GB/T 9704 5.2.3 "一般每面排22行,每行排28个字"): a line grid (``docGrid``) of 28.9 pt with the same exact line
  spacing, and the 仿宋 三号 text condensed by 0.25 pt so that 28 characters fill the 156 mm line. (Word's
  character grid, ``linesAndChars``, would do the latter, but LibreOffice then gives each character two cells.)
- 版头: the series' name in red 小标宋 (工作简报, or the campaign's), 第N期 below it, then the 编发单位 on the left
  and the date on the right over a red rule as wide as the 版心;
- the title in 小标宋 二号, numbered sections (一、 in 黑体, (一) in 楷体), tables in 仿宋 小四 with a 黑体 header
  row repeated on every page and columns fitted to their texts, ordered lists as 1. 2. 3.;
- 版记: the 报 / 送 / 发 lines between a thick rule above and below, thin rules between them;
- page numbers "— 1 —" in the footer.
"""

from dataclasses import dataclass
from datetime import date

from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml.ns import qn
from docx.shared import Length, Pt
from docx.text.paragraph import Paragraph
from lxml.html import HtmlElement

from sijin.core.officedoc import (
    BODY_FONT,
    BODY_SIZE,
    CELL_PADDING,
    CONDENSED_TWIPS,
    HEADING_FONT,
    INDENT,
    LINE,
    RED,
    RIGID,
    RULE_THICK,
    RULE_THIN,
    SMALL_SIZE,
    SUBHEADING_FONT,
    TABLE_SIZE,
    TEXT_WIDTH,
    TITLE_FONT,
    TITLE_SIZE,
    border,
    column_widths,
    document_bytes,
    ems,
    insert,
    official_document,
    red_rule,
    repeat_header,
    set_fonts,
    width,
)

from .body import blocks, numbered

# Styles by the role of the paragraph (the office can restyle them in Word).
STYLES = {
    "masthead": ("简报版头", TITLE_FONT),
    "title": ("简报标题", TITLE_FONT),
    "h2": ("简报一级标题", HEADING_FONT),
    "h3": ("简报二级标题", SUBHEADING_FONT),
    "p": ("简报正文", BODY_FONT),
    "cell": ("简报表格", BODY_FONT),
    "head": ("简报表头", HEADING_FONT),
    "record": ("简报版记", BODY_FONT),
}


@dataclass(frozen=True)
class Masthead:
    """What stands around the body: 版头 and 版记."""

    name: str = "工作简报"  # the series' name, in red
    issue: str = ""  # 第3期; empty for a draft
    issuer: str = ""  # 编发单位
    day: date | None = None  # the date it was submitted (印发)
    report_to: str = ""  # 报
    copy_to: str = ""  # 送
    issue_to: str = ""  # 发


def document_docx(title: str, body: str, masthead: Masthead) -> bytes:
    doc = official_document()
    _styles(doc)
    _masthead(doc, masthead)
    _paragraph(doc, "title", [(title, False, False)])
    _body(doc, numbered(body))
    _record(doc, masthead)
    return document_bytes(doc)


# ---- page and styles ----------------------------------------------------------------------------------------
def _styles(doc: DocxDocument) -> None:
    normal = doc.styles["Normal"]
    sizes = {
        "masthead": Pt(42),
        "title": TITLE_SIZE,
        "cell": TABLE_SIZE,
        "head": TABLE_SIZE,
        "record": SMALL_SIZE,
    }
    for role, (name, font) in STYLES.items():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.name, style.font.size = font, sizes.get(role, BODY_SIZE)
        set_fonts(style.element, font)
        fmt = style.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        if role in ("h2", "h3", "p"):
            fmt.first_line_indent = INDENT
            fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE
            insert(style.element.get_or_add_rPr(), "w:spacing").set(qn("w:val"), str(CONDENSED_TWIPS))
        elif role in ("cell", "head", "record"):
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(22) if role == "record" else Pt(20)
        if role in ("masthead", "title", "head"):
            fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if role in ("h2", "h3"):
            fmt.keep_with_next = True
    doc.styles[STYLES["masthead"][0]].font.color.rgb = RED


Run = tuple[str, bool, bool]  # text ("\n" for a line break), bold, italic


def _paragraph(doc_or_cell, role: str, runs: list[Run], size: Length | None = None) -> Paragraph:
    name, font = STYLES[role]
    p = doc_or_cell.add_paragraph(style=name)
    for text, bold, italic in runs:
        if text == "\n":
            p.add_run().add_break()
            continue
        run = p.add_run(text)
        # Fonts on the runs too, as before: a document pasted elsewhere keeps its faces.
        set_fonts(run._element, font)
        run.font.size = size or doc_or_cell.part.document.styles[name].font.size
        run.font.bold = bold or None
        run.font.italic = italic or None
    return p


# ---- 版头 ---------------------------------------------------------------------------------------------------
def _masthead(doc: DocxDocument, m: Masthead) -> None:
    # One line in 小标宋, as large as fits: 初号 for 工作简报, smaller for a long campaign name.
    size = Pt(max(22, min(42, int(TEXT_WIDTH.pt / (ems(m.name) + 1)))))
    name = _paragraph(doc, "masthead", [(m.name, False, False)], size=size)
    for run in name.runs:
        run.font.color.rgb = RED
    name.paragraph_format.space_after = Pt(6)
    issue = _paragraph(doc, "p", [(m.issue or "(草稿)", False, False)])
    issue.alignment = WD_ALIGN_PARAGRAPH.CENTER
    issue.paragraph_format.first_line_indent = Pt(0)
    when = f"{m.day.year}年{m.day.month}月{m.day.day}日" if m.day else ""
    line = _paragraph(doc, "p", [(m.issuer, False, False), ("\t", False, False), (when, False, False)])
    fmt = line.paragraph_format
    fmt.first_line_indent = Pt(0)
    fmt.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    fmt.space_after = LINE  # the title stands one line below the red rule
    red_rule(line)


# ---- the body -----------------------------------------------------------------------------------------------
def _body(doc: DocxDocument, root: HtmlElement) -> None:
    els = list(blocks(root))
    for el, after in zip(els, [*els[1:], None], strict=True):
        if el.tag in ("h2", "h3", "p"):
            runs = _runs(el)
            if "".join(t for t, _, _ in runs).strip():
                p = _paragraph(doc, el.tag, runs)
                if after is not None and after.tag == "table":
                    # The line that introduces a table (…统计如下:) is never left alone at a page's foot.
                    p.paragraph_format.keep_with_next = True
        elif el.tag in ("ol", "ul"):
            _list(doc, el, depth=0)
        elif el.tag == "table":
            _table(doc, el)


def _runs(el: HtmlElement, bold: bool = False, italic: bool = False) -> list[Run]:
    """The text of one block as runs; nested lists are laid out by the caller, block children in a table cell
    end with a line break."""
    out: list[Run] = []
    if el.text:
        out.append((el.text, bold, italic))
    for child in el:
        if not isinstance(child.tag, str) or child.tag in ("ol", "ul"):
            pass
        elif child.tag == "br":
            out.append(("\n", bold, italic))
        else:
            inner = _runs(child, bold or child.tag == "strong", italic or child.tag == "em")
            if child.tag in ("p", "h2", "h3", "li") and out and inner:
                out.append(("\n", bold, italic))
            out.extend(inner)
        if child.tail:
            out.append((child.tail, bold, italic))
    return out


def _list(doc: DocxDocument, el: HtmlElement, depth: int) -> None:
    items = [li for li in el if li.tag == "li"]
    for i, li in enumerate(items, 1):
        mark = (f"{i}." if depth == 0 else f"({i})") if el.tag == "ol" else "·"
        p = _paragraph(doc, "p", [(mark, False, False), *_runs(li)])
        p.paragraph_format.first_line_indent = INDENT + Pt(16 * depth)
        for nested in li:
            if nested.tag in ("ol", "ul"):
                _list(doc, nested, depth + 1)


def _table(doc: DocxDocument, el: HtmlElement) -> None:
    rows = [[cell for cell in tr if cell.tag in ("td", "th")] for tr in el.iter("tr")]
    rows = [r for r in rows if r]
    if not rows:
        return
    cols = max(len(r) for r in rows)
    table = doc.add_table(rows=len(rows), cols=cols)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = fitted_widths([[cell.text_content().strip() for cell in cells] for cells in rows])
    table.autofit = False
    for i, w in enumerate(widths):
        table.columns[i].width = w
    repeat_header(table)
    for r, cells in enumerate(rows):
        row = table.rows[r]
        for c in range(cols):
            cell = row.cells[c]
            cell.width = widths[c]
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            runs = _runs(cells[c]) if c < len(cells) else []
            cell._element.remove(cell.paragraphs[0]._p)
            p = _paragraph(cell, "head" if r == 0 else "cell", runs)
            text = "".join(t for t, _, _ in runs)
            if r > 0 and width(text) <= 12:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacer(doc)


def fitted_widths(text: list[list[str]]) -> list[Length]:
    """``column_widths``, unless they wrap a cell into more than two lines where ``tight_widths`` keeps every
    cell within two (or, for names too long for two, within the fewest lines it can). A table of more columns
    than fit with their headers on one line (a region's table of its groups, eight of them) is otherwise
    squeezed to one common width: its long column left four characters wide, a name such as
    市派驻临沂市兰山区工作组 on four lines, one such as 济南市人力资源和社会保障局驻章丘区工作组 on six. Tables that
    fit keep the widths they had."""
    widths = column_widths(text)
    most = max(cell_lines(text, widths), default=1)
    for lines in range(2, most):
        tight = tight_widths(text, lines=lines)
        if tight is not None and max(cell_lines(text, tight), default=1) <= lines:
            return tight
    return widths


def cell_lines(text: list[list[str]], widths: list[Length]) -> list[int]:
    """How many lines each cell below the header takes at ``widths``: characters set one after another and
    wrapped before the first that does not fit, as Word and LibreOffice break Chinese text."""
    pad, size = CELL_PADDING.pt * 2 + 1, TABLE_SIZE.pt
    out = []
    for row in text[1:]:
        for cell, w in zip(row, widths, strict=False):
            room, used, lines = (w.pt - pad) / size, 0.0, 1
            for c in cell:
                step = ems(c)
                if used + step > room and used:
                    lines, used = lines + 1, 0.0
                used += step
            out.append(lines)
    return out


def tight_widths(text: list[list[str]], room: Length = TEXT_WIDTH, *, lines: int = 2) -> list[Length] | None:
    """Widths for a crowded table, or None when it cannot be laid out so: a header may wrap into lines of half
    its characters (帮扶/对象; one of three or fewer stays whole), a short cell (up to ``RIGID`` ems: numbers,
    places, units) keeps one line, a long one takes ``lines`` lines at most. The room left widens the
    narrowest needs first, up to a common width; a column then wider than its header's lines need (帮扶对/象 is
    no better than 帮扶/对象) gives the difference to the long columns."""
    pad, size = CELL_PADDING.pt * 2 + 1, TABLE_SIZE.pt
    cols = max(len(r) for r in text)
    text = [r + [""] * (cols - len(r)) for r in text]
    header, body = text[0], text[1:]

    def cell_floor(t: str) -> float:
        need = ems(t)
        return need if need <= RIGID else ems(t[: -(-len(t) // lines)]) + 0.5

    least, full = [], []
    for c in range(cols):
        head = header[c]
        half = head if len(head) <= 3 else head[: (len(head) + 1) // 2]
        least.append(max([ems(half), *(cell_floor(r[c]) for r in body)]))
        full.append(max(ems(t[c]) for t in text))
    total = (room.pt - pad * cols) / size  # in ems, as the needs
    if sum(least) > total:
        return None
    if sum(full) <= total:
        points = [n * total / sum(full) for n in full]
    else:
        low, high = 0.0, max(full)
        for _ in range(40):  # the common width, by bisection
            cap = (low + high) / 2
            fits = sum(max(m, min(f, cap)) for m, f in zip(least, full, strict=True)) <= total
            low, high = (cap, high) if fits else (low, cap)
        points = [max(m, min(f, low)) for m, f in zip(least, full, strict=True)]
        long = [c for c in range(cols) if any(ems(r[c]) > RIGID for r in body)]
        if long:
            for c in range(cols):
                head = header[c]
                per = max(1, int(points[c] + 0.01))  # characters a line of the header holds
                lines = -(-len(head) // per)
                points[c] = min(points[c], max(least[c], ems(head[: -(-len(head) // lines)])))
            spare = (total - sum(points)) / len(long)
            for c in long:
                points[c] += spare
    widths = [Length(int(Pt(pad + size * p))) for p in points]
    widths[-1] = Length(room - sum(widths[:-1]))  # what rounding left, to the last column
    return widths


def _spacer(doc: DocxDocument) -> None:
    """A short empty line after a table, so the next paragraph does not touch it."""
    p = doc.add_paragraph(style=STYLES["p"][0])
    p.paragraph_format.line_spacing = Pt(12)


# ---- 版记 and page numbers ----------------------------------------------------------------------------------
def _record(doc: DocxDocument, m: Masthead) -> None:
    """报 / 送 / 发, one line each, 左右各空一字: a thick rule above the first and below the last, thin rules
    between; kept together on one page."""
    lines = [
        f"{label}:{text}"
        for label, text in (("报", m.report_to), ("送", m.copy_to), ("发", m.issue_to))
        if text
    ]
    if not lines:
        return
    p = doc.add_paragraph(style=STYLES["p"][0])  # one empty line between the body and the 版记
    p.paragraph_format.keep_with_next = True
    for i, line in enumerate(lines):
        # The rules are the paragraphs' borders, as wide as the 版心: the one-character inset is a space.
        para = _paragraph(doc, "record", [(f"\u3000{line}", False, False)])
        para.paragraph_format.keep_with_next = i < len(lines) - 1
        if i == 0:
            border(para, "top", RULE_THICK, space=4)
        border(para, "bottom", RULE_THICK if i == len(lines) - 1 else RULE_THIN, space=4)
