"""The briefing's body: HTML limited to what a briefing needs, sanitised on every save.

Allowed: headings ``h2`` (一、) and ``h3`` ((一)), ``p``, ``strong``/``em``, ``br``, ``ol``/``ul``/``li`` and
tables (``table``/``thead``/``tbody``/``tr``/``td``/``th``), with no attributes at all. The section numbers are
not stored: they are put in front of the headings when the body is shown or laid out (``numbered``), so that
the office can add, move or drop a section in the editor without renumbering by hand.

Bodies written before the editor (plain text, a ``# `` line being a heading) are read as such (``as_html``).
"""

import re
from collections.abc import Iterator

import cn2an
import nh3
from django.utils.html import escape
from lxml import html as lxml_html
from lxml.html import HtmlElement

HEADING_MARK = "# "
ALLOWED_TAGS = frozenset(
    {"h2", "h3", "p", "strong", "em", "br", "ol", "ul", "li", "table", "thead", "tbody", "tr", "td", "th"}
)
BLOCK_TAGS = frozenset({"h2", "h3", "p", "ol", "ul", "table"})
# What an editor or a paste may bring that has a briefing equivalent; anything else is dropped by nh3.
RENAMES = {"h1": "h2", "h4": "h3", "h5": "h3", "h6": "h3", "b": "strong", "i": "em", "div": "p"}
# Never text of the briefing: these go with everything inside them.
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "title", "template", "textarea", "select", "noscript", "svg"}
)
BLOCK_TAG = re.compile(r"<(?:p|h[1-6]|ol|ul|li|table|div|br)\b", re.IGNORECASE)
# A heading the office numbered by hand keeps its own number.
NUMBERED = {
    "h2": re.compile(r"^[一二三四五六七八九十百]+、"),
    "h3": re.compile(r"^[((][一二三四五六七八九十百]+[))]"),
}


def is_html(body: str) -> bool:
    """HTML holds block tags; a body of the old kind (or typed without the editor) holds none."""
    return bool(BLOCK_TAG.search(body))


def legacy_html(text: str) -> str:
    """A body of the plain-text kind (``# `` headings, one paragraph a line) as HTML."""
    out = []
    for line in text.replace("\r\n", "\n").split("\n"):
        line = line.strip()
        if line.startswith(HEADING_MARK.strip()):
            out.append(f"<h2>{escape(line.lstrip('#').strip())}</h2>")
        elif line:
            out.append(f"<p>{escape(line)}</p>")
    return "\n".join(out)


def as_html(body: str) -> str:
    return body if is_html(body) else legacy_html(body)


def fragment(body: str) -> HtmlElement:
    """The body parsed into one ``<div>`` holding its blocks."""
    return lxml_html.fragment_fromstring(as_html(body) or "<p></p>", create_parent="div")


def clean_body(body: str) -> str:
    """The body as stored: only the allowed tags, no attributes, no script or style content, loose text put
    into paragraphs, empty paragraphs dropped, non-breaking spaces (Quill writes every space as one) made
    plain."""
    # nh3 first, keeping the tags that have a briefing equivalent: whatever came in is a plain fragment now.
    loose = nh3.clean(
        as_html(body),
        tags=set(ALLOWED_TAGS | RENAMES.keys()),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={},
        link_rel=None,
    )
    root = lxml_html.fragment_fromstring(loose or "<p></p>", create_parent="div")
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in RENAMES:
            el.tag = RENAMES[el.tag]
    cleaned = nh3.clean(_serialise(root), tags=set(ALLOWED_TAGS), attributes={}, link_rel=None)
    root = lxml_html.fragment_fromstring(cleaned or "<p></p>", create_parent="div")
    _wrap_loose_inline(root)
    for el in root.iter():
        el.text = el.text.replace("\xa0", " ") if el.text else el.text
        el.tail = el.tail.replace("\xa0", " ") if el.tail else el.tail
    # nh3 again over what lxml wrote: the stored text is always nh3's own output.
    return nh3.clean(_serialise(root), tags=set(ALLOWED_TAGS), attributes={}, link_rel=None).strip()


def body_is_empty(body: str) -> bool:
    return not fragment(body).text_content().strip()


def _serialise(root: HtmlElement) -> str:
    text = escape(root.text) if root.text else ""
    return text + "".join(lxml_html.tostring(child, encoding="unicode") for child in root)


def _wrap_loose_inline(root: HtmlElement) -> None:
    """Text and inline elements directly in the body (a stripped ``<h4>``'s words …) become paragraphs."""
    loose: list[HtmlElement] = []
    pending = root.text or ""
    root.text = None
    children = list(root)
    out: list[HtmlElement] = []
    for child in children:
        root.remove(child)
        if child.tag == "li":  # a list item out of its list is a paragraph
            child.tag = "p"
        if child.tag in BLOCK_TAGS:
            if pending.strip() or loose:
                out.append(_paragraph(pending, loose))
            pending, loose = "", []
            tail, child.tail = child.tail or "", None
            out.append(child)
            pending = tail
        else:
            loose.append(child)
    if pending.strip() or loose:
        out.append(_paragraph(pending, loose))
    for el in out:
        if el.tag == "p" and not el.text_content().strip():
            continue  # empty lines of the editor: the layout spaces the blocks itself
        el.tail = "\n"  # one block a line, for whoever reads the stored text
        root.append(el)


def _paragraph(text: str, inline: list[HtmlElement]) -> HtmlElement:
    p = lxml_html.Element("p")
    p.text = text
    for el in inline:
        p.append(el)
    return p


def numbered(body: str) -> HtmlElement:
    """The body with 一、二、… before each ``h2`` and (一)(二)… before the ``h3`` under it."""
    root = fragment(body)
    section = subsection = 0
    for el in root:
        if el.tag not in NUMBERED:
            continue
        text = el.text_content().strip()
        if el.tag == "h2":
            section, subsection = section + 1, 0
            number = f"{cn2an.an2cn(section)}、"
        else:
            subsection += 1
            number = f"({cn2an.an2cn(subsection)})"
        if not NUMBERED[el.tag].match(text):
            el.text = number + (el.text or "")
    return root


def display_html(body: str) -> str:
    """The numbered body for a page (sanitised: safe to mark safe)."""
    return nh3.clean(_serialise(numbered(body)), tags=set(ALLOWED_TAGS), attributes={}, link_rel=None)


def blocks(root: HtmlElement) -> Iterator[HtmlElement]:
    """The block elements of a body, in order (loose inline content comes as paragraphs)."""
    for el in root:
        if isinstance(el.tag, str):
            yield el
