"""The generated 工作简报: every fact of shared/scenarios/binzhou.md, read back from the .docx; its layout as an
office prints it (after GB/T 9704-2012), read from the .docx and from LibreOffice's rendering of it."""

import io
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn
from lxml import html as lxml_html
from PIL import Image

from sijin.core.workdays import workdays_between
from sijin.reports.briefing import briefing_docx
from sijin.reports.models import Briefing
from sijin.reports.services import briefing_generate, briefing_submit, briefing_update

# The module-scoped fixtures below use the database through demo_module; this tells pytest-django so.
pytestmark = pytest.mark.django_db

START, END = date(2020, 3, 9), date(2020, 3, 29)
LATER = date(2020, 4, 20)  # three weeks on: the two problems handed to 惠民县教育局 are overdue
SLOGANS = [
    "进企业真服务,在“帮”上下功夫",
    "进项目真协调,在“引”上出主意",
    "进乡村真帮助,在“扶”上想办法",
    "进社区重防疫,在“细”上做文章",
]
# Each entry: the fact in binzhou.md, and the words the briefing must carry for it.
FACTS = [
    ("dispatching unit", ["滨州市教育局"]),
    ("stationed county", ["惠民县"]),
    ("tier", ["市派"]),
    ("deployment", ["按照省市部署要求"]),
    ("campaign", ["山东省“四进”攻坚行动"]),
    ("three weeks", ["三周"]),
    ("the approach", ["集体出动了解工作的面", "分散活动把准问题的线", "责任到人落实扶持的点"]),
    ("enterprise", ["惠宇汽车零部件有限公司"]),
    ("enterprise problems", ["复工人员多、来源散", "防控难度大", "安全生产问题突出"]),
    ("enterprise measures", ["惠企政策", "融资措施"]),
    ("enterprise plan", ["“三步递进”", "产能迅速恢复"]),
    ("school-enterprise", ["滨州职业学院", "技术学院", "校企联合", "请进来、送出去", "安全生产意识"]),
    ("project", ["惠民县职业中专智能制造综合实训基地", "教育重点项目"]),
    ("project attributes", ["1.8亿元", "100亩", "3000多人"]),
    ("site visits", ["10余次"]),
    ("project plan", ["“三早、二申、一扶”"]),
    ("三早", ["早规划学校内部设施布局", "早筹划实训设备购置安装", "早谋划实训基地教师"]),
    (
        "二申",
        [
            "国家职业教育创新发展高地",
            "申报现代职业教育质量提升计划资金和重大项目安排",
            "申报政府财政资金支持",
        ],
    ),
    ("一扶", ["定期跟进督导复工进度"]),
    ("handed to", ["惠民县教育局"]),
    ("teacher shortage", ["师资短缺", "教师招聘、配备"]),
    ("programme set-up", ["专业设置不合理", "县职业教育主管部门"]),
    ("village", ["官道李村", "200余亩", "果蔬大棚"]),
    ("village problem", ["绿色果蔬种植技术"]),
    ("expert", ["惠民县农业农村服务中心", "李东起", "排查作物病害"]),
    ("village outcomes", ["2万斤", "甜瓜", "10万元", "3.5万元"]),
    ("land", ["惠民县国土资源自然局", "农业设施土地"]),
    ("community", ["棣州社区", "“树党旗、抓六点”", "防疫物资短缺", "人手不足"]),
    ("measures", ["3处"]),
    ("lists", ["2项清单", "督促整改"]),
    ("feedback", ["社区党支部书记", "昭晖", "刘春国", "局长"]),
    (
        "the quote",
        [
            "“市教育局‘四进’工作组来的时间不长,自觉成为社区一份子,出谋划策当参谋,一上来就把工作解决到难点上、"
            "把事办到了居民的心坎里。”"
        ],
    ),
    ("work method", ["“帮引扶细”", "全省“四进”优秀工作法"]),
    ("slogans", SLOGANS),
]
CN_NUMBERS = "一二三四五六七八九十"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def generate(demo, end: date = END) -> Briefing:
    return briefing_generate(
        actor=demo["users"]["admin"], group=demo["group"], period_start=START, period_end=end
    )


def docx_paragraphs(data: bytes) -> list[str]:
    """Every paragraph's text in document order, table cells included."""
    body = Document(io.BytesIO(data)).element.body
    return ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in body.iter(qn("w:p"))]


def section(body: str, heading: str) -> tuple[str, list[list[list[str]]]]:
    """The text of the body's section under the ``<h2>`` ``heading`` (up to the next one), and its tables as
    rows of cell texts."""
    root = lxml_html.fragment_fromstring(body, create_parent="div")
    blocks = list(root)
    start = next(i for i, el in enumerate(blocks) if el.tag == "h2" and el.text_content() == heading)
    end = next((i for i in range(start + 1, len(blocks)) if blocks[i].tag == "h2"), len(blocks))
    inside = blocks[start + 1 : end]
    tables = [
        [[td.text_content() for td in tr.iter("td", "th")] for tr in el.iter("tr")]
        for el in inside
        if el.tag == "table"
    ]
    return "\n".join(el.text_content() for el in inside), tables


@pytest.fixture(scope="module")
def binzhou_docx(demo_module, django_db_blocker) -> bytes:
    """The draft for the three weeks of the report, as a .docx (made once for the module)."""
    with django_db_blocker.unblock():
        return briefing_docx(generate(demo_module))


@pytest.mark.parametrize(("fact", "words"), FACTS, ids=[f for f, _ in FACTS])
def test_it_carries_every_binzhou_fact_in_the_docx(binzhou_docx, fact, words):
    text = "\n".join(docx_paragraphs(binzhou_docx))
    missing = [w for w in words if w not in text]
    assert not missing, f"{fact}: {missing} not in the briefing"


def test_it_heads_the_sections_with_the_slogans_in_campaign_order(binzhou_docx):
    paragraphs = docx_paragraphs(binzhou_docx)
    positions = [paragraphs.index(f"{n}、{s}") for n, s in zip(CN_NUMBERS, SLOGANS, strict=False)]
    assert positions == sorted(positions)
    headings = [p for p in paragraphs if re.match(f"^[{CN_NUMBERS}]+、", p)]
    assert headings == [
        *(f"{n}、{s}" for n, s in zip(CN_NUMBERS, SLOGANS, strict=False)),
        "五、各方评价",
        "六、问题办理情况",
        "七、超期问题通报",
        "八、工作法入选情况",
    ]
    # Under each slogan its targets, numbered (一) afresh in each section.
    assert paragraphs.index("(一)惠宇汽车零部件有限公司") == positions[0] + 1
    assert paragraphs.index("(一)棣州社区") == positions[3] + 1


def test_it_keeps_the_overdue_list_from_the_data(demo):
    # Three weeks later the two assigned problems are past their deadline and are named in the 通报.
    text, tables = section(generate(demo, LATER).body, "超期问题通报")
    assert "以下2个问题超过办结期限仍未办结" in text
    assert [row[2] for row in tables[0][1:]] == ["新校师资短缺", "专业设置不合理"]
    assert {row[3] for row in tables[0][1:]} == {"惠民县教育局"}


def overdue_notice(demo, start: date, end: date) -> tuple[str, list[list[str]]]:
    briefing = briefing_generate(
        actor=demo["users"]["admin"], group=demo["group"], period_start=start, period_end=end
    )
    text, tables = section(briefing.body, "超期问题通报")
    return text, tables[0] if tables else []


def test_it_reports_problems_from_earlier_periods_overdue_in_working_days(demo):
    # Both were reported on 2020-03-12 (before this week) with deadline 2020-04-02 and are still 办理中.
    # Working days in (04-02, 04-12]: 04-03, then 清明 04-04..04-06 off, 04-07..04-10, a weekend: 5.
    text, table = overdue_notice(demo, date(2020, 4, 6), date(2020, 4, 12))
    assert "截至2020年4月12日,以下2个问题超过办结期限仍未办结,予以通报:" in text
    assert table == [
        ["序号", "帮扶对象", "问题", "承办单位", "办结期限", "超期"],
        [
            "1",
            "惠民县职业中专智能制造综合实训基地",
            "新校师资短缺",
            "惠民县教育局",
            "4月2日",  # the year of the 通报 is not repeated in the table
            "5个工作日",
        ],
        [
            "2",
            "惠民县职业中专智能制造综合实训基地",
            "专业设置不合理",
            "惠民县教育局",
            "4月2日",  # the year of the 通报 is not repeated in the table
            "5个工作日",
        ],
    ]
    assert "天" not in text + "".join(c for row in table for c in row)


def test_it_counts_overdue_days_no_further_than_today(demo):
    today = timezone.localdate()
    text, table = overdue_notice(demo, today - timedelta(days=3), today + timedelta(days=60))
    days = workdays_between(date(2020, 4, 2), today)
    assert f"截至{today.year}年{today.month}月{today.day}日" in text
    assert [row[4:] for row in table[1:]] == [["2020年4月2日", f"{days}个工作日"]] * 2


def test_it_reports_no_overdue_problem_before_any_deadline(demo):
    text, table = overdue_notice(demo, date(2020, 3, 30), date(2020, 4, 2))
    assert "截至2020年4月2日,无超期未办结问题" in text
    assert table == []


def test_it_tabulates_the_four_rates_of_the_period(demo):
    text, tables = section(generate(demo).body, "问题办理情况")
    assert "共发现问题8个,已办结6个" in text
    assert tables == [
        [
            ["发现问题(个)", "已办结(个)", "响应率", "办结率", "按期办结率", "满意率"],
            ["8", "6", "100.0%", "75.0%", "—", "—"],
        ]
    ]


def test_it_writes_only_what_the_actor_may_see(demo):
    from sijin.testing import outsider

    briefing = briefing_generate(actor=outsider(), group=demo["group"], period_start=START, period_end=END)
    assert "惠宇" not in briefing.body
    assert "没有可查看的工作组" in briefing.body


def test_it_freezes_a_submitted_briefing(demo):
    briefing = generate(demo)
    briefing = briefing_update(
        actor=demo["users"]["member"], briefing=briefing, title="改过的标题", body="正文"
    )
    assert briefing.title == "改过的标题"
    briefing_submit(actor=demo["users"]["member"], briefing=briefing)
    with pytest.raises(ValidationError, match="简报已报送,不能再修改"):
        briefing_update(actor=demo["users"]["member"], briefing=briefing, title="再改", body="x")
    assert Briefing.objects.get(pk=briefing.pk).body == "<p>正文</p>"


# ---- the layout, from the .docx ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def printed(demo_module, django_db_blocker) -> tuple[Briefing, bytes]:
    """The briefing to 4月20日, submitted (第1期 of its series), as a .docx: what the office prints."""
    with django_db_blocker.unblock():
        briefing = briefing_submit(actor=demo_module["users"]["admin"], briefing=generate(demo_module, LATER))
        return briefing, briefing_docx(briefing)


def east_asian(element) -> str:
    return element.rPr.rFonts.get(qn("w:eastAsia"))


def test_it_prints_the_masthead_in_red_with_the_issue_number(printed):
    briefing, data = printed
    doc = Document(io.BytesIO(data))
    name, issue, line, title = doc.paragraphs[:4]
    assert name.text == "山东省“四进”攻坚行动(2020)工作简报"
    assert {str(r.font.color.rgb) for r in name.runs} == {"FF0000"}
    assert east_asian(name.runs[0]._element) == "方正小标宋简体"
    assert issue.text == "第1期" == briefing.issue_label
    today = timezone.localdate(briefing.submitted_at)
    assert line.text == f"滨州市教育局驻惠民县“四进”工作组\t{today.year}年{today.month}月{today.day}日"
    rule = line._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert (rule.get(qn("w:val")), rule.get(qn("w:color"))) == ("single", "FF0000")
    assert title.text == briefing.title and title.text.startswith("滨州市教育局驻惠民县")
    assert title.style.name == "简报标题" and east_asian(title.runs[0]._element) == "方正小标宋简体"
    assert title.runs[0].font.size.pt == 22


def test_it_sets_the_page_as_gbt_9704_wants_it(printed):
    doc = Document(io.BytesIO(printed[1]))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    grid = section._sectPr.find(qn("w:docGrid"))
    pitch = int(grid.get(qn("w:linePitch"))) / 20
    assert grid.get(qn("w:type")) == "lines" and int(225 / 25.4 * 72 / pitch) == 22  # 22 lines a page
    body = next(p for p in doc.paragraphs if p.text.startswith("2020年3月9日至4月20日"))
    assert body.style.name == "简报正文" and east_asian(body.runs[0]._element) == "仿宋"
    assert body.runs[0].font.size.pt == 16  # 三号
    fmt = body.style.paragraph_format
    assert fmt.line_spacing.pt == pitch and fmt.first_line_indent.pt == 32
    # 三号 condensed so that 28 characters fill the 156 mm line.
    condensed = int(body.style.element.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
    assert int((156 / 25.4 * 72) // (16 + condensed)) == 28
    footer_xml = section.footer._element.xml
    assert "PAGE" in footer_xml and "fldChar" in footer_xml


def test_it_numbers_the_sections_in_heiti_and_the_targets_in_kaiti(printed):
    doc = Document(io.BytesIO(printed[1]))
    h2 = [p for p in doc.paragraphs if p.style.name == "简报一级标题"]
    h3 = [p for p in doc.paragraphs if p.style.name == "简报二级标题"]
    assert [p.text.split("、")[0] for p in h2] == list("一二三四五六七八")
    assert [p.text for p in h3] == [
        "(一)惠宇汽车零部件有限公司",
        "(一)惠民县职业中专智能制造综合实训基地",
        "(一)官道李村",
        "(一)棣州社区",
    ]
    assert {east_asian(p.runs[0]._element) for p in h2} == {"黑体"}
    assert {east_asian(p.runs[0]._element) for p in h3} == {"楷体"}


def test_it_tabulates_the_rates_and_the_overdue_problems(printed):
    doc = Document(io.BytesIO(printed[1]))
    rates, overdue = doc.tables
    assert [c.text for c in rates.rows[0].cells] == [
        "发现问题(个)",
        "已办结(个)",
        "响应率",
        "办结率",
        "按期办结率",
        "满意率",
    ]
    assert [c.text for c in overdue.rows[0].cells] == [
        "序号",
        "帮扶对象",
        "问题",
        "承办单位",
        "办结期限",
        "超期",
    ]
    assert [c.text for c in overdue.rows[1].cells][2:] == [
        "新校师资短缺",
        "惠民县教育局",
        "4月2日",
        "11个工作日",
    ]
    for table in (rates, overdue):
        header = table.rows[0]
        assert header._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on each page
        assert east_asian(header.cells[0].paragraphs[0].runs[0]._element) == "黑体"
        assert east_asian(table.rows[1].cells[0].paragraphs[0].runs[0]._element) == "仿宋"
    # Fitted widths across the 版心: the 序号 column the narrowest (how the other cells wrap: see the PDF).
    widths = [cell.width for cell in overdue.rows[0].cells]
    assert round(sum(w.mm for w in widths)) == 156 and widths.index(min(widths)) == 0


def test_it_keeps_the_line_before_a_table_with_it(printed):
    """…统计如下: is never left alone at a page's foot, its table on the next page."""
    doc = Document(io.BytesIO(printed[1]))
    body = list(doc.element.body.iterchildren())
    before = [body[body.index(t._tbl) - 1] for t in doc.tables]
    assert before and all(el.tag == qn("w:p") for el in before)
    kept = {p._p: p.paragraph_format.keep_with_next for p in doc.paragraphs}
    assert [kept[el] for el in before] == [True] * len(doc.tables)
    # Other paragraphs of the text flow freely from page to page.
    text = [p for p in doc.paragraphs if p.style.name == "简报正文" and p.text.strip() and p._p not in before]
    assert len(text) > 5 and not any(p.paragraph_format.keep_with_next for p in text)


def test_it_closes_with_the_report_lines_between_rules(printed):
    doc = Document(io.BytesIO(printed[1]))
    record = [p for p in doc.paragraphs if p.style.name == "简报版记"]
    assert [p.text.strip() for p in record] == [
        "报:滨州市“四进”攻坚行动办公室",
        "送:滨州市教育局",
        "发:工作组全体成员",
    ]
    assert record[-1]._p is doc.paragraphs[-1]._p  # the last thing in the document

    def rule(p, edge: str) -> int:
        border = p._p.pPr.find(qn("w:pBdr")).find(qn(f"w:{edge}"))
        return int(border.get(qn("w:sz"))) if border is not None else 0

    # A thick rule above the first line and below the last, thin ones between.
    assert [(rule(p, "top"), rule(p, "bottom")) for p in record] == [(8, 6), (0, 6), (0, 8)]
    assert [p.paragraph_format.keep_with_next for p in record] == [True, True, False]


# ---- the layout, as LibreOffice renders it -----------------------------------------------------------------
def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        pytest.skip(
            "LibreOffice (soffice/libreoffice) is NOT installed: the .docx → PDF check did not run. "
            "Install libreoffice-writer (.ci/run does)."
        )
    return found


def convert(binary: str, source: Path, to: str, outdir: Path) -> Path:
    result = subprocess.run(
        [
            binary,
            f"-env:UserInstallation=file://{outdir}/lo-profile",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(outdir),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = outdir / f"{source.stem}.{to.split(':')[0]}"
    assert out.exists(), result.stdout + result.stderr
    return out


@pytest.fixture(scope="module")
def rendered(printed, tmp_path_factory) -> tuple[Path, str]:
    """The printed briefing rendered by LibreOffice once for the module: the PDF and its pages as PNG in
    var/screenshots/ (kept by CI), and the PDF's text."""
    binary = soffice()
    work = tmp_path_factory.mktemp("briefing")
    source = work / "briefing.docx"
    source.write_bytes(printed[1])
    pdf = convert(binary, source, "pdf", work)
    shots = settings.VAR_DIR / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("briefing-page-*.png"):
        old.unlink()
    shutil.copy(pdf, shots / "briefing.pdf")
    for tool in ("pdftoppm", "pdftotext"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} (poppler-utils) is NOT installed: the rendered briefing was not checked.")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(pdf), str(shots / "briefing-page")], check=True, timeout=60
    )
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return shots, text


def test_it_renders_the_briefing_with_libreoffice(rendered, printed):
    shots, text = rendered
    flat = re.sub(r"\s+", "", text)
    assert flat.startswith("山东省“四进”攻坚行动(2020)工作简报第1期滨州市教育局驻惠民县“四进”工作组")
    for n, slogan in zip(CN_NUMBERS, SLOGANS, strict=False):
        assert f"{n}、{slogan}" in flat
    for words in (
        "(一)惠宇汽车零部件有限公司",
        "按期办结率",
        "新校师资短缺",
        "11个工作日",
        "发:工作组全体成员",
    ):
        assert words in flat
    assert flat.index("七、超期问题通报") < flat.index("八、工作法入选情况") < flat.index("报:滨州市")
    pages = sorted(shots.glob("briefing-page-*.png"))
    assert 3 <= len(pages) <= 8
    assert text.count("\f") == len(pages)


def test_it_keeps_the_short_cells_of_the_overdue_table_on_one_line(rendered):
    shots, _ = rendered
    layout = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(shots / "briefing.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    table = layout.split("七、超期问题通报", 1)[1].split("八、工作法入选情况", 1)[0]
    lines = [re.sub(r"\s+", "", line) for line in table.splitlines()]
    row = next(line for line in lines if "新校师资短缺" in line)
    assert row.endswith("新校师资短缺惠民县教育局4月2日11个工作日")  # only the long target name wraps
    assert sum("序号帮扶对象问题承办单位办结期限超期" in line for line in lines) >= 1


def test_it_renders_the_masthead_and_the_rule_in_red(rendered):
    shots, _ = rendered
    page = Image.open(sorted(shots.glob("briefing-page-*.png"))[0]).convert("RGB")
    width, height = page.size

    def red(x: int, y: int) -> bool:
        r, g, b = page.getpixel((x, y))
        return r > 180 and g < 140 and b < 140

    rows = [sum(red(x, y) for x in range(width)) for y in range(height // 3)]
    text_width = width * 156 // 210
    assert max(rows) > text_width * 0.9  # the rule: one red line across the 版心
    assert sum(1 for n in rows if 0 < n < text_width * 0.9) > 10  # the 版头's red characters above it
    assert sum(rows[height // 3 - 20 :]) == 0  # and nothing red below the 版头


def test_it_opens_in_libreoffice_with_the_section_headings(printed, tmp_path):
    # LibreOffice's own reading of the document (text export), independent of pdftotext.
    source = tmp_path / "briefing.docx"
    source.write_bytes(printed[1])
    txt = convert(soffice(), source, "txt:Text (encoded):UTF8", tmp_path).read_text(encoding="utf-8-sig")
    for n, slogan in zip(CN_NUMBERS, SLOGANS, strict=False):
        assert f"{n}、{slogan}" in txt
