"""What every official document (公文) we print shares, after GB/T 9704-2012: the A4 page with its 版心 and line
grid, the fonts (小标宋 title, 黑体 headings, 仿宋 body) set for Chinese text too (``eastAsia``), the red
rule under the 版头, tables whose columns are fitted to their texts, and "— 1 —" page numbers.

Used by the 简报 (reports.briefing.word) and the 督办通知单 (problems.notice). Only python-docx here: core
imports no app.
"""

import io
import unicodedata
from itertools import pairwise
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体"
BODY_FONT = "仿宋"
BODY_SIZE = Pt(16)  # 三号
SMALL_SIZE = Pt(14)  # 四号: 版记, page numbers
TITLE_SIZE = Pt(22)  # 二号
RED = RGBColor(0xFF, 0x00, 0x00)
RED_HEX = "FF0000"
TABLE_SIZE = Pt(12)  # 小四: a table of six columns fits the 版心
CELL_PADDING = Pt(5.4)  # Word's default left and right cell margin (0.19 cm)
RIGID = 7.5  # ems: a column this narrow (12月31日, 惠民县教育局) is not wrapped if it can be helped

PAGE = (Mm(210), Mm(297))
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
TEXT_WIDTH = Mm(156)
# 225 mm / 22 lines = 28.99 pt; 28.9 pt leaves LibreOffice the room its rounding needs to set all 22 lines.
LINE_PITCH_TWIPS = 578
LINE = Pt(LINE_PITCH_TWIPS / 20)
# 156 mm / 28 characters = 15.79 pt a character: 三号 (16 pt) condensed by 0.25 pt, in twentieths of a point.
CONDENSED_TWIPS = -5
INDENT = Pt(32)  # two characters
RULE_THICK, RULE_THIN, RULE_RED = 8, 6, 12  # eighths of a point: 0.35 mm, 0.25 mm; the red rule 1.5 pt


# ---- page ------------------------------------------------------------------------------------------------------
def official_document() -> DocxDocument:
    """A new A4 document with the official page (margins, line grid) and a 仿宋 三号 Normal style."""
    doc = Document()
    page_setup(doc)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, BODY_SIZE
    set_fonts(normal.element, BODY_FONT)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    return doc


def document_bytes(doc: DocxDocument) -> bytes:
    """The finished document: page numbers in the footer (— 1 —), saved as .docx bytes."""
    page_number_footer(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def page_setup(doc: DocxDocument) -> None:
    """A4, the 版心 156 × 225 mm, and a grid of 22 lines a page."""
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.header_distance, section.footer_distance = Mm(15), Mm(20)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))


# What may follow the elements added here in their parents, in the schema's order (Word refuses any other).
SUCCESSORS = {
    "w:spacing": "w:w w:kern w:position w:sz w:szCs w:highlight w:u w:effect w:bdr w:shd w:fitText w:vertAlign "
    "w:rtl w:cs w:em w:lang w:eastAsianLayout w:specVanish w:oMath",
    "w:pBdr": "w:shd w:tabs w:suppressAutoHyphens w:kinsoku w:wordWrap w:overflowPunct w:topLinePunct "
    "w:autoSpaceDE w:autoSpaceDN w:bidi w:adjustRightInd w:snapToGrid w:spacing w:ind w:contextualSpacing "
    "w:mirrorIndents w:suppressOverlap w:jc w:textDirection w:textAlignment w:textboxTightWrap w:outlineLvl "
    "w:divId w:cnfStyle w:rPr w:sectPr w:pPrChange",
}


def insert(parent: Any, tag: str) -> Any:
    """A new ``tag`` element in ``parent``, before the elements the schema wants after it."""
    child = OxmlElement(tag)
    parent.insert_element_before(child, *SUCCESSORS[tag].split())
    return child


def set_fonts(element: Any, font: str) -> None:
    """``font`` for every script of a style or run: Word takes Chinese text's face from ``eastAsia`` only."""
    rfonts = element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), font)


def border(p: Paragraph, edge: str, size: int, colour: str = "000000", space: int = 1) -> None:
    """A rule along one edge of a paragraph, as wide as the 版心 (``size`` in eighths of a point)."""
    ppr = p._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = insert(ppr, "w:pBdr")
    el = OxmlElement(f"w:{edge}")
    for attr, value in (("val", "single"), ("sz", str(size)), ("space", str(space)), ("color", colour)):
        el.set(qn(f"w:{attr}"), value)
    borders.append(el)


def red_rule(p: Paragraph) -> None:
    """The red rule (红色分隔线) under the 版头, below ``p``."""
    border(p, "bottom", RULE_RED, RED_HEX, space=6)


def page_number_footer(doc: DocxDocument) -> None:
    """ "— 1 —" centred in the footer, in 仿宋 四号."""
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def run(text: str = "") -> Any:
        r = paragraph.add_run(text)
        set_fonts(r._element, BODY_FONT)
        r.font.size = SMALL_SIZE
        return r

    run("— ")
    field = run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:t")
            el.text = text
        field._element.append(el)
    run(" —")


# ---- tables ----------------------------------------------------------------------------------------------------
def repeat_header(table: Table) -> None:
    """No row breaks across pages; the first row is repeated on every page the table runs onto."""
    for r, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if r == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))


def set_widths(table: Table, widths: list[Length]) -> None:
    """Fixed column widths (grid and every cell: Word reads the cells, LibreOffice the grid)."""
    table.autofit = False
    for i, width in enumerate(widths):
        table.columns[i].width = width
    for row in table.rows:
        for i, width in enumerate(widths):
            row.cells[i].width = width


def width(text: str) -> int:
    """Display width in half-characters: a CJK character counts two."""
    return sum(2 if _wide(c) else 1 for c in text)


def _wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in "WF"


def ems(text: str) -> float:
    """Roughly how wide ``text`` is set, in ems: a CJK character is one, a digit or letter 0.62, and each
    change between the two scripts adds the 0.2 em of space that Word and LibreOffice put there."""
    changes = sum(1 for a, b in pairwise(text) if _wide(a) != _wide(b))
    return sum(1 if _wide(c) else 0.62 for c in text) + 0.2 * changes


def column_widths(
    text: list[list[str]], room: Length = TEXT_WIDTH, keep: frozenset[int] = frozenset()
) -> list[Length]:
    """Column widths for a table of ``text`` (the header row first): each column as wide as its longest text
    on one line when they all fit ``room`` (then widened in proportion). Otherwise short columns (numbers,
    dates, units: up to ``RIGID`` ems) keep one line and the long ones share the rest, wrapping; headers may
    wrap after four characters. The columns numbered in ``keep`` (from 0) are never wrapped when it can be
    helped, however long."""
    pad, size = CELL_PADDING.pt * 2 + 1, TABLE_SIZE.pt
    cols = max(len(r) for r in text)
    text = [r + [""] * (cols - len(r)) for r in text]

    def need(texts: list[str], floor: float = 1) -> list[float]:
        return [pad + size * max(floor, ems(t)) for t in texts]

    full = [max(col) for col in zip(*(need(r) for r in text), strict=True)]
    total = room.pt
    if sum(full) <= total:
        return _lengths([n * total / sum(full) for n in full], room)
    header = need([t[:4] for t in text[0]])
    least = [max(col) for col in zip(header, *(need(r) for r in text[1:]), strict=True)]
    rigid = [n <= pad + size * RIGID or i in keep for i, n in enumerate(least)]
    flexible = total - sum(n for n, r in zip(least, rigid, strict=True) if r)
    if not all(rigid) and flexible >= rigid.count(False) * (pad + size * 4):
        points = _fill([n for n, r in zip(least, rigid, strict=True) if not r], flexible)
        it = iter(points)
        return _lengths([n if r else next(it) for n, r in zip(least, rigid, strict=True)], room)
    return _lengths(_fill(least, total), room)


def _fill(need: list[float], room: float) -> list[float]:
    """Widths within ``room``: the narrow columns as they need, the widest cut to one common width."""
    if sum(need) <= room:
        return [n * room / sum(need) for n in need]
    low, high = 0.0, max(need)
    for _ in range(40):  # the common width, by bisection
        cap = (low + high) / 2
        low, high = (cap, high) if sum(min(n, cap) for n in need) < room else (low, cap)
    points = [min(n, low) for n in need]
    points[points.index(max(points))] += room - sum(points)
    return points


def _lengths(points: list[float], room: Length) -> list[Length]:
    widths = [Length(int(Pt(p))) for p in points]
    widths[-1] = Length(room - sum(widths[:-1]))
    return widths


def chinese_date(d: Any) -> str:
    """2026年3月5日, as a 成文日期 is written (no leading zeros)."""
    return f"{d.year}年{d.month}月{d.day}日"
