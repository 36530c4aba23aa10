"""The 督办通知单 as an official notice: fonts, red 版头 and rule, 发文字号 per office and year, fitted table,
超期 only while open; rendered once by LibreOffice into var/screenshots/."""

import io
import re
import shutil
import subprocess
from datetime import date

import pytest
from django.conf import settings
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn

from sijin.core.models import AuditAction, AuditLog
from sijin.core.officedoc import BODY_FONT, TITLE_FONT
from sijin.problems.models import NoticeCounter, Status
from sijin.problems.notice import Notice, notice_docx, overdue_text
from sijin.testing import client_for

URL = "/problems/supervision/{}/notice.docx"


def download(world) -> Document:
    r = client_for("office").get(URL.format(world.dept.pk))
    assert r.status_code == 200
    return Document(io.BytesIO(r.content))


def east_asia(run) -> str:
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def test_it_sets_the_notice_as_an_official_document(world):
    doc = download(world)
    masthead = doc.paragraphs[0]
    assert masthead.text == "督办通知单"
    assert masthead.runs[0].font.color.rgb == (0xFF, 0x00, 0x00) and east_asia(masthead.runs[0]) == TITLE_FONT
    assert 'w:color="FF0000"' in doc.paragraphs[1]._p.xml  # the red rule under the 发文字号
    assert not any(p.style.name.startswith(("Title", "Heading")) for p in doc.paragraphs)  # no Word blue
    body = next(p for p in doc.paragraphs if p.text.startswith("截至"))
    assert east_asia(body.runs[0]) == BODY_FONT
    text = [p.text for p in doc.paragraphs]
    assert "嘉祥县水务局:" in text and "济宁市“四进”攻坚行动办公室" in text
    assert any(t.startswith("\u3000抄送:") for t in text)
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.top_margin.mm), round(section.left_margin.mm)) == (
        210,
        37,
        28,
    )
    assert "PAGE" in section.footer._element.xml


def test_it_numbers_notices_per_office_and_year(world):
    first, second = download(world).paragraphs[1].text, download(world).paragraphs[1].text
    year = timezone.localdate().year
    assert re.fullmatch(rf"〔{year}〕\d+号", first)
    assert (first, second) == (f"〔{year}〕1号", f"〔{year}〕2号")
    assert NoticeCounter.objects.get().last == 2
    issued = AuditLog.objects.filter(action=AuditAction.NOTICE_ISSUE).order_by("id")
    assert [row.data["reference"] for row in issued] == [first, second]


def test_it_fits_the_columns_to_their_texts(world):
    table = download(world).tables[0]
    widths = [c.width for c in table.columns]
    assert len(set(widths)) > 2  # not six equal columns
    assert widths[0] == min(widths) and widths[0] < widths[3]  # 序号 narrower than a date
    assert widths[5] == max(widths)  # 超期N个工作日 kept on one line
    assert abs(sum(w.mm for w in widths) - 156) < 0.5  # as wide as the 版心


def test_it_counts_overdue_working_days_only_while_open(world):
    rows = [[c.text for c in r.cells] for r in download(world).tables[0].rows[1:]]
    assert all(re.fullmatch(r"超期\d+个工作日", r[5]) for r in rows)
    problem = world.overdue
    problem.status = Status.CLOSED  # 销号 in 2025: nothing overdue in 2030
    assert overdue_text(problem, date(2030, 1, 4)) == ""
    notice = Notice("济宁市“四进”攻坚行动办公室", 2030, 1, world.dept, date(2030, 1, 4))
    doc = Document(io.BytesIO(notice_docx(notice, [problem])))
    assert "超期" not in doc.tables[0].rows[1].cells[5].text


def test_it_refuses_a_number_to_a_handler(world):
    assert client_for("handler").get(URL.format(world.dept.pk)).status_code == 403
    assert not NoticeCounter.objects.exists()


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_it_renders_in_libreoffice(world, tmp_path):
    r = client_for("office").get(URL.format(world.dept.pk))
    (tmp_path / "notice.docx").write_bytes(r.content)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(tmp_path / "notice.docx")],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    pdf = tmp_path / "notice.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    assert "督办通知单" in text and "嘉祥县水务局" in text
    assert re.search(r"超期 ?\d+ ?个工作日", text)  # on one line: the column is not wrapped
    screenshots = settings.VAR_DIR / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(screenshots / "notice")], check=True)
    assert list(screenshots.glob("notice*.png"))
