"""The small pieces of wording a briefing is written with: dates, the length of a period, people, documents and
measures as offices write them. Each takes recorded fields and invents nothing."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import cn2an

from sijin.campaigns.models import DocumentKind, GroupDocument, Posting
from sijin.campaigns.naming import target_phrase
from sijin.directory.models import Organization, Person
from sijin.fieldwork.services import MeasureTotal

# A dispatching unit recorded as not stated in the source (an import of an old report) is not named.
UNSTATED = frozenset({"", "未载明", "不详", "未知"})
# A measure's name that already starts with its verb is written as it is (送温暖, 走访慰问); a meeting or a
# 座谈 is 召开; the rest (宣讲, 培训, 督导, 服务 …) is 开展.
VERBS = (
    "召开",
    "开展",
    "组织",
    "举办",
    "举行",
    "进行",
    "实施",
    "推动",
    "落实",
    "送",
    "走访",
    "召集",
    "协调",
    "帮助",
    "慰问",
    "深入",
    "参加",
    "邀请",
    "印发",
    "制定",
)
MEETINGS = ("会议", "座谈")
MEETING_VERBS = ("召开", "组织", "举办", "举行", "召集", "参加")


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def cn_day(d: date, year: int) -> str:
    """3月9日 within ``year`` (the year the briefing's period starts), 2021年1月4日 outside it."""
    return f"{d.month}月{d.day}日" if d.year == year else cn_date(d)


def cn_period(start: date, end: date) -> str:
    tail = f"{end.month}月{end.day}日" if end.year == start.year else cn_date(end)
    return f"{cn_date(start)}至{tail}"


def cn_count(n: int) -> str:
    """A count before a measure word as offices write it: 一, 两, 三 … 十二."""
    return "两" if n == 2 else cn2an.an2cn(n)


def period_length(first: date, last: date) -> str:
    """The real length of the days ``first`` … ``last`` (both counted): whole calendar months (the day after the
    last has the first's day of the month) as 一个月/两个月, whole weeks as 三周, anything else in days (10天);
    "" for no day at all."""
    days = (last - first).days + 1
    if days <= 0:
        return ""
    after = last + timedelta(days=1)
    months = (after.year - first.year) * 12 + after.month - first.month
    if months >= 1 and after.day == first.day:
        return f"{cn_count(months)}个月"
    if days % 7 == 0:
        return f"{cn_count(days // 7)}周"
    return f"{days}天"


def percent(part: int, whole: int) -> str:
    """A rate we compute, written as every rate of a briefing is (problems.rates: one decimal, half up):
    53.0%, 7.3%, 0.0%; — when there is nothing to count."""
    if not whole:
        return "—"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}%"


def quote(text: str) -> str:
    """“…” around a name or a saying, once: a text typed already in its quotes is left as it is."""
    text = text.strip()
    inner = text[1:-1]
    if len(text) > 1 and text[0] == "“" and text[-1] == "”" and "“" not in inner and "”" not in inner:
        return text
    return f"“{text}”"


def sentence(text: str) -> str:
    """The text closed with 。, unless it ends a sentence already (a closing quote only when what it quotes
    ends with its own 。!?)."""
    text = text.strip()
    if not text or text[-1] in "。!?!?::":
        return text
    if text[-1] == "”" and len(text) > 1 and text[-2] in "。!?!?":
        return text
    return f"{text}。"


def unit_name(org: Organization | None) -> str:
    """A dispatching unit's name, or "" when none is recorded or the source did not state it."""
    if org is None or org.name.strip() in UNSTATED:
        return ""
    return org.name.strip()


def person_phrase(person: Person, *, within: Organization | None = None) -> str:
    """滨州市教育局局长刘春国; the unit is left out when it is ``within`` (the unit the sentence already names)."""
    org = person.organization
    unit = org.name if org is not None and (within is None or org.pk != within.pk) else ""
    return f"{unit}{person.title}{person.name}"


def document_title(doc: GroupDocument) -> str:
    """《…》 around a title (once, even when it was typed with them); an untitled one by its kind (工作方案)."""
    title = doc.title.strip().strip("《》")
    return f"《{title}》" if title else doc.display_title


def documents_phrase(docs: list[GroupDocument]) -> str:
    """制定了《…工作方案》《…管理办法》, 形成了《…》 for the other kinds; "" for none."""
    made = [d for d in docs if d.kind in (DocumentKind.PLAN, DocumentKind.RULES)]
    other = [d for d in docs if d not in made]
    parts = [
        f"{verb}{''.join(document_title(d) for d in group)}"
        for verb, group in (("制定了", made), ("形成了", other))
        if group
    ]
    return ",".join(parts)


def measure_phrase(total: MeasureTotal) -> str:
    """召开协调会3次(协调部门5个,参加人数30人); 开展政策宣讲4场; 送温暖2次 (its own verb)."""
    name = total.name.strip()
    meeting = name.endswith("会") or any(word in name for word in MEETINGS)
    if name.startswith(MEETING_VERBS) or (name.startswith(VERBS) and not meeting):
        verb = ""
    elif meeting:  # 协调会, 专题会议, 座谈交流: a meeting whatever its first word
        verb = "召开"
    else:
        verb = "开展"
    return f"{verb}{total.text}"


def posting_phrase(posting: Posting) -> str:
    """济宁市农业农村局科员张明任王庄村第三任驻村第一书记."""
    place = target_phrase(posting.target) if posting.target is not None else posting.region.name
    term = f"第{cn2an.an2cn(posting.term)}任" if posting.term else ""
    return f"{person_phrase(posting.person)}任{place}{term}{posting.get_role_display()}"


# A region named …省 is the whole of it as 全省 (the office's campaign-wide figures).
WHOLE_ENDINGS = "省市县区州旗盟"


def whole_of(name: str) -> str:
    """全省 for 山东省, 全市 for 焦作市, 全县, 全区 …; the name itself when it ends otherwise."""
    return f"全{name[-1]}" if name and name[-1] in WHOLE_ENDINGS else name
