"""The briefing's body as stored: HTML limited to what a briefing needs (sijin/reports/briefing/body.py)."""

import io

import pytest
from docx import Document

from sijin.reports.briefing import Masthead, as_html, clean_body, display_html, document_docx


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>正文<script>alert(1)</script></p>", "<p>正文</p>"),
        ('<p onclick="x()" style="color:red" class="ql-align-center">正文</p>', "<p>正文</p>"),
        ('<h2 id="a">一级</h2><h3>二级</h3>', "<h2>一级</h2>\n<h3>二级</h3>"),
        ("<h1>大标题</h1><h4>小</h4>", "<h2>大标题</h2>\n<h3>小</h3>"),
        (
            "<p><b>粗</b><i>斜</i><u>下划线</u><strong>强</strong><em>重</em></p>",
            "<p><strong>粗</strong><em>斜</em>下划线<strong>强</strong><em>重</em></p>",
        ),
        ('<p><a href="javascript:x()">链接</a><img src="x" onerror="y()"></p>', "<p>链接</p>"),
        (
            "<ol><li>一</li><li>二</li></ol><ul><li>甲</li></ul>",
            "<ol><li>一</li><li>二</li></ol>\n<ul><li>甲</li></ul>",
        ),
        (
            '<table style="border: 1px solid #000;"><tbody><tr><td data-row="row-1">甲</td></tr></tbody></table>',
            "<table><tbody><tr><td>甲</td></tr></tbody></table>",
        ),
        ("<p>三月&nbsp;九日</p>", "<p>三月 九日</p>"),  # Quill writes every space as &nbsp;
        (
            "零散文字<h2>标题</h2>尾巴<strong>粗</strong>",
            "<p>零散文字</p>\n<h2>标题</h2>\n<p>尾巴<strong>粗</strong></p>",
        ),
        ("<style>p{}</style><iframe src=x></iframe><p>留</p>", "<p>留</p>"),
        ("<li>孤立的条目</li>", "<p>孤立的条目</p>"),
        ("<!DOCTYPE html><html><head><title>题</title></head><body><p>文</p></body></html>", "<p>文</p>"),
        ("<p><br></p><p>段</p><p></p>", "<p>段</p>"),  # the editor's empty lines
        ("<p>一行<br>两行</p>", "<p>一行<br>两行</p>"),
    ],
)
def test_it_keeps_only_what_a_briefing_needs(dirty, clean):
    assert clean_body(dirty) == clean
    assert clean_body(clean) == clean  # and cleaning twice changes nothing


def test_it_reads_a_body_of_the_old_kind_as_headings_and_paragraphs():
    old = "概述一段。\n\n# 进企业\n惠宇公司:<复工>\n"
    assert as_html(old) == "<p>概述一段。</p>\n<h2>进企业</h2>\n<p>惠宇公司:&lt;复工&gt;</p>"
    assert clean_body(old) == as_html(old)


def test_it_numbers_the_sections_and_their_subsections_when_shown():
    body = "<p>导语</p><h2>进企业</h2><h3>甲公司</h3><h3>乙公司</h3><h2>进项目</h2><h3>丙项目</h3><h2>三、已编号</h2>"
    assert display_html(body) == (
        "<p>导语</p><h2>一、进企业</h2><h3>(一)甲公司</h3><h3>(二)乙公司</h3>"
        "<h2>二、进项目</h2><h3>(一)丙项目</h3><h2>三、已编号</h2>"
    )


def test_it_lays_out_headings_paragraphs_lists_and_tables_in_word():
    body = (
        "<h2>总体情况</h2><p>本期<strong>重点</strong>推进<em>三项</em>工作。</p>"
        "<ol><li>第一项</li><li>第二项</li></ol><ul><li>要点</li></ul>"
        "<table><tbody><tr><td>单位</td><td>数量</td></tr><tr><td>县教育局</td><td>3</td></tr></tbody></table>"
        "<p></p><h3>分项</h3>"
    )
    doc = Document(io.BytesIO(document_docx("标题", body, Masthead())))
    texts = [(p.style.name, p.text) for p in doc.paragraphs]
    start = texts.index(("简报一级标题", "一、总体情况"))
    assert texts[start + 1 : start + 5] == [
        ("简报正文", "本期重点推进三项工作。"),
        ("简报正文", "1.第一项"),
        ("简报正文", "2.第二项"),
        ("简报正文", "·要点"),
    ]
    assert ("简报二级标题", "(一)分项") in texts
    emphasis = {r.text: (r.bold, r.italic) for r in doc.paragraphs[start + 1].runs}
    assert emphasis == {
        "本期": (None, None),
        "重点": (True, None),
        "推进": (None, None),
        "三项": (None, True),
        "工作。": (None, None),
    }
    (table,) = doc.tables
    assert [[c.text for c in row.cells] for row in table.rows] == [["单位", "数量"], ["县教育局", "3"]]
    assert texts[1] == ("简报正文", "(草稿)")  # a draft has no issue number yet


def test_it_lays_out_a_body_of_the_old_kind_in_word():
    doc = Document(io.BytesIO(document_docx("标题", "导语。\n\n# 进企业\n惠宇公司复工。", Masthead())))
    texts = [(p.style.name, p.text) for p in doc.paragraphs]
    assert texts[-3:] == [
        ("简报正文", "导语。"),
        ("简报一级标题", "一、进企业"),
        ("简报正文", "惠宇公司复工。"),
    ]
