"""The generated 工作简报: every fact of shared/scenarios/binzhou.md, read back from the .docx."""

import io
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from docx import Document

from sijin.core.workdays import workdays_between
from sijin.reports.briefing import briefing_docx
from sijin.reports.models import Briefing
from sijin.reports.services import briefing_generate, briefing_submit, briefing_update

START, END = date(2020, 3, 9), date(2020, 3, 29)
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


def generate(demo) -> Briefing:
    return briefing_generate(
        actor=demo["users"]["admin"], group=demo["group"], period_start=START, period_end=END
    )


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


@pytest.fixture
def binzhou_docx(demo) -> bytes:
    briefing = generate(demo)
    return briefing_docx(briefing.title, briefing.body)


@pytest.mark.parametrize(("fact", "words"), FACTS, ids=[f for f, _ in FACTS])
def test_it_carries_every_binzhou_fact_in_the_docx(binzhou_docx, fact, words):
    text = docx_text(binzhou_docx)
    missing = [w for w in words if w not in text]
    assert not missing, f"{fact}: {missing} not in the briefing"


def test_it_heads_the_sections_with_the_slogans_in_campaign_order(binzhou_docx):
    paragraphs = [p.text for p in Document(io.BytesIO(binzhou_docx)).paragraphs]
    positions = [paragraphs.index(s) for s in SLOGANS]
    assert positions == sorted(positions)
    assert paragraphs.index("各方评价") > positions[-1]
    assert paragraphs.index("超期问题通报") < paragraphs.index("工作法入选情况")


def test_it_lays_out_the_docx_as_an_official_document(binzhou_docx):
    doc = Document(io.BytesIO(binzhou_docx))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    title_run = doc.paragraphs[0].runs[0]
    assert title_run.text.startswith("滨州市教育局驻惠民县")
    assert (
        title_run._element.rPr.rFonts.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
        )
        == "方正小标宋简体"
    )
    body_run = doc.paragraphs[1].runs[0]
    assert body_run.font.size.pt == 16
    assert (
        body_run._element.rPr.rFonts.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
        )
        == "仿宋"
    )
    footer_xml = section.footer._element.xml
    assert "PAGE" in footer_xml and "fldChar" in footer_xml


def test_it_keeps_the_overdue_list_from_the_data(demo):
    # Three weeks later the two assigned problems are past their deadline and are named in the 通报.
    briefing = briefing_generate(
        actor=demo["users"]["admin"], group=demo["group"], period_start=START, period_end=date(2020, 4, 20)
    )
    notice = briefing.body.split("# 超期问题通报", 1)[1]
    assert "“新校师资短缺”" in notice and "“专业设置不合理”" in notice and "惠民县教育局" in notice


def overdue_notice(demo, start: date, end: date) -> str:
    briefing = briefing_generate(
        actor=demo["users"]["admin"], group=demo["group"], period_start=start, period_end=end
    )
    return briefing.body.split("# 超期问题通报", 1)[1].split("\n\n# ", 1)[0]


def test_it_reports_problems_from_earlier_periods_overdue_in_working_days(demo):
    # Both were reported on 2020-03-12 (before this week) with deadline 2020-04-02 and are still 办理中.
    # Working days in (04-02, 04-12]: 04-03, then 清明 04-04..04-06 off, 04-07..04-10, a weekend: 5.
    notice = overdue_notice(demo, date(2020, 4, 6), date(2020, 4, 12))
    assert "截至2020年4月12日,以下2个问题超过办结期限仍未办结" in notice
    for title in ("新校师资短缺", "专业设置不合理"):
        assert f"“{title}”,承办单位惠民县教育局,办结期限2020年4月2日,超期5个工作日" in notice
    assert "天" not in notice


def test_it_counts_overdue_days_no_further_than_today(demo):
    today = timezone.localdate()
    notice = overdue_notice(demo, today - timedelta(days=3), today + timedelta(days=60))
    days = workdays_between(date(2020, 4, 2), today)
    assert f"截至{today.year}年{today.month}月{today.day}日" in notice
    assert notice.count(f"办结期限2020年4月2日,超期{days}个工作日") == 2


def test_it_reports_no_overdue_problem_before_any_deadline(demo):
    notice = overdue_notice(demo, date(2020, 3, 30), date(2020, 4, 2))
    assert "截至2020年4月2日,无超期未办结问题" in notice


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
    assert Briefing.objects.get(pk=briefing.pk).body == "正文"


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        pytest.skip(
            "LibreOffice (soffice/libreoffice) is NOT installed: the .docx → PDF check did not run. "
            "Install libreoffice-writer (.ci/run does)."
        )
    return found


def convert(binary: str, docx: bytes, tmp_path: Path, to: str) -> Path:
    source = tmp_path / "briefing.docx"
    source.write_bytes(docx)
    result = subprocess.run(
        [
            binary,
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            to,
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = tmp_path / f"briefing.{to.split(':')[0]}"
    assert out.exists(), result.stdout + result.stderr
    return out


def test_it_converts_to_pdf_with_libreoffice(binzhou_docx, tmp_path):
    pdf = convert(soffice(), binzhou_docx, tmp_path, "pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000
    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        pytest.skip(
            "pdftotext (poppler-utils) is NOT installed: the PDF converted without error, but its text "
            "was not checked for the four section headings."
        )
    text = subprocess.run(
        [pdftotext, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.replace("\n", "")
    for slogan in SLOGANS:
        assert slogan in text


def test_it_opens_in_libreoffice_with_the_section_headings(binzhou_docx, tmp_path):
    # LibreOffice's own reading of the document (text export), independent of pdftotext.
    txt = convert(soffice(), binzhou_docx, tmp_path, "txt:Text (encoded):UTF8").read_text(
        encoding="utf-8-sig"
    )
    for slogan in SLOGANS:
        assert slogan in txt
