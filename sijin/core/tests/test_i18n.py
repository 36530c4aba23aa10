"""zh-Hans first, English complete (issue 4): the main pages in English, and a catalogue with nothing left out.

The msgids are the Chinese UI text; sijin/locale/en/LC_MESSAGES/django.po gives every one an English msgstr and
the compiled django.mo (committed, so runtime needs no gettext) says the same.
"""

import ast
import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

from sijin.problems.models import Problem
from sijin.testing import client_for

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"

# Labels of the page chrome: in English none of them may be left as a text of its own.
CHINESE_LABELS = {
    "工作台",
    "工作组",
    "帮扶对象",
    "走访",
    "问题台账",
    "督办",
    "帮扶",
    "报表",
    "退出",
    "筛选",
    "重置",
    "保存",
    "取消",
    "问题",
    "状态",
    "类型",
    "名称",
    "区划",
    "亮灯",
    "办结期限",
    "发现日期",
    "承办单位",
    "包保责任人",
    "响应率",
    "办结率",
    "按期办结率",
    "满意率",
    "我的待办",
    "成效汇总",
    "最近动态",
    "走访录入",
    "保存走访",
    "清空草稿",
    "发现的问题",
    "走访日期",
    "走访对象",
    "办理过程",
    "可执行的操作",
    "成员与分工",
    "领导调研",
    "时间线",
    "基本情况",
    "四进 · 驻点帮扶工作平台",
}


class _Texts(HTMLParser):
    """The text nodes of a page (stripped), outside <script>/<style>, plus button-like attributes."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("placeholder", "aria-label", "title", "alt") and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def texts(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    return parser.texts


def english(username: str):
    client = client_for(username)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def pages(world) -> list[tuple[str, str]]:
    group = world.group
    target = group.targets.order_by("pk").first()
    problem = Problem.objects.filter(group=group).order_by("pk").first()
    return [
        ("office", "/"),
        ("office", f"/groups/{group.pk}/"),
        ("office", "/groups/"),
        ("office", "/targets/"),
        ("office", f"/targets/{target.pk}/"),
        ("office", "/problems/"),
        ("office", f"/problems/{problem.pk}/"),
        ("office", "/problems/supervision/"),
        ("office", "/support/plans/"),
        ("office", "/support/outcomes/"),
        ("office", "/support/checklists/"),
        ("member", "/visits/new/"),
    ]


@pytest.mark.django_db
def test_main_pages_in_english(world):
    for username, url in pages(world):
        r = english(username).get(url)
        assert r.status_code == 200, url
        html = r.content.decode()
        assert '<html lang="en">' in html, url
        for word in ("Dashboard", "Work group", "Supported target", "Problem ledger", "Log out"):
            assert word in html, (url, word)
        left = sorted(CHINESE_LABELS & set(texts(html)))
        assert not left, (url, left)


@pytest.mark.django_db
def test_page_specific_english(world):
    group = world.group
    problem = Problem.objects.filter(group=group).order_by("pk").first()
    office = english("office")
    home = office.get("/").content.decode()
    assert "My to-dos" in home and "Response rate" in home and "On-time resolution rate" in home
    assert "Members and duties" in office.get(f"/groups/{group.pk}/").content.decode()
    ledger = office.get("/problems/").content.decode()
    assert "Handling unit" in ledger and "Deadline" in ledger and "All statuses" in ledger
    detail = office.get(f"/problems/{problem.pk}/").content.decode()
    assert "Handling history" in detail
    visit = english("member").get("/visits/new/").content.decode()
    assert "Record a visit" in visit and "Save visit" in visit and "Visit date" in visit


@pytest.mark.django_db
def test_set_language_view_switches_to_english(world):
    client = client_for("office")
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert r.status_code == 302
    html = client.get("/").content.decode()
    assert "Dashboard" in html and "Log out" in html
    assert "工作台" not in texts(html)


@pytest.mark.django_db
def test_default_is_chinese(world):
    html = client_for("office").get("/").content.decode()
    assert '<html lang="zh-hans">' in html
    found = set(texts(html))
    assert {"工作台", "问题台账", "退出", "响应率"} <= found
    assert "Dashboard" not in found and "Log out" not in found


# ---- the catalogue ---------------------------------------------------------------------------------------------


def po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: msgid, msgstr and flags (the header, msgid "", left out)."""
    entries, entry, field = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry and entry.get("msgid"):
                entries.append(entry)
            entry, field = None, None
            continue
        entry = entry if entry is not None else {"flags": set(), "msgid": "", "msgstr": ""}
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif m := re.match(r'^(msgid|msgstr|msgid_plural|msgstr\[\d+\]|msgctxt) (".*")$', line):
            field = m.group(1)
            entry[field] = ast.literal_eval(m.group(2))
        elif line.startswith('"') and field:
            entry[field] += ast.literal_eval(line)
    # A plural entry ({% blocktranslate count %}) counts as translated when both its forms are.
    for e in entries:
        if "msgid_plural" in e:
            e["msgstr"] = e.get("msgstr[0]", "") if e.get("msgstr[1]", "").strip() else ""
    return entries


def test_every_msgid_translated_and_none_fuzzy():
    entries = po_entries(LOCALE / "django.po")
    assert len(entries) > 500
    assert not [e["msgid"] for e in entries if not e["msgstr"].strip()]
    assert not [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert "#, fuzzy" not in (LOCALE / "django.po").read_text(encoding="utf-8")
    # English, not Chinese copied over (a few quoted Chinese examples in hints are fine).
    untranslated = [
        e["msgid"] for e in entries if re.search(r"[\u4e00-\u9fff]", e["msgstr"]) and "“" not in e["msgstr"]
    ]
    assert not untranslated


def test_placeholders_kept():
    for e in po_entries(LOCALE / "django.po"):
        pattern = r"%\(\w+\)[sd]|%[sd]|\{\w*\}"
        assert sorted(re.findall(pattern, e["msgid"])) == sorted(re.findall(pattern, e["msgstr"])), e["msgid"]


def test_mo_is_compiled_from_po():
    with (LOCALE / "django.mo").open("rb") as f:
        catalogue = gettext.GNUTranslations(f)
    stale = [
        e["msgid"]
        for e in po_entries(LOCALE / "django.po")
        if (
            catalogue.ngettext(e["msgid"], e["msgid_plural"], 1)
            if "msgid_plural" in e
            else catalogue.gettext(e["msgid"])
        )
        != e["msgstr"]
    ]
    assert not stale, "run: cd sijin && ../.venv/bin/python ../manage.py compilemessages -l en"


def test_it_stays_chinese_for_an_english_browser_until_the_user_switches(world):
    client = client_for("office")
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "工作台" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Dashboard" in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
