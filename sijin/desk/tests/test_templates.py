"""Templates read well in a diff and escape what they show; every link is made from a URL name.

- lines of at most 120 characters (the limit of our Python code);
- no ``|safe`` on a help text: help texts come from forms and from the admin (a target kind's field hints), so
  marking them safe lets whoever edits them put script into every form page;
- no literal path in a link, a form action, an htmx request or a redirect: ``{% url %}`` in templates,
  ``reverse()`` or ``redirect("app:name", …)`` in Python, so a path can change in one urls.py.
"""

import re
from pathlib import Path

from django import forms
from django.template.loader import render_to_string

import sijin

ROOT = Path(sijin.__file__).parent
MAX_LINE = 120
SAFE_HELP_TEXT = re.compile(r"help_text\s*\|\s*safe\b")
LITERAL_URL = re.compile(r"""\b(?:href|action|src|hx-(?:get|post|put|patch|delete))\s*=\s*["']/""")
LITERAL_REDIRECT = re.compile(r"""\b(?:redirect|HttpResponseRedirect)\(\s*f?["']/""")


def templates() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.html") if "templates" in p.relative_to(ROOT).parts)


def offending_lines(paths: list[Path], check) -> list[str]:
    return [
        f"{path.relative_to(ROOT.parent)}:{number}"
        for path in paths
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if check(line)
    ]


def test_there_are_templates_to_check():
    assert len(templates()) > 30


def test_template_lines_are_at_most_120_characters():
    assert offending_lines(templates(), lambda line: len(line) > MAX_LINE) == []


def test_no_tag_is_broken_across_lines_by_the_wrapping():
    """Django reads ``{% … %}`` and ``{{ … }}`` on one line only: a tag wrapped over two is shown as text."""
    unclosed = re.compile(r"\{%(?:(?!%\}).)*$|\{\{(?:(?!\}\}).)*$")
    assert offending_lines(templates(), unclosed.search) == []


def test_no_template_marks_a_help_text_safe():
    assert offending_lines(templates(), SAFE_HELP_TEXT.search) == []


def test_a_help_text_is_shown_escaped():
    class HintForm(forms.Form):
        name = forms.CharField(help_text="<script>alert(1)</script> 如“某企业”")

    html = render_to_string("includes/field.html", {"field": HintForm()["name"]})
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 如“某企业”" in html
    assert "<script>" not in html


def test_no_template_links_to_a_literal_path():
    assert offending_lines(templates(), LITERAL_URL.search) == []


def test_no_view_redirects_to_a_literal_path():
    code = sorted(
        p for p in ROOT.rglob("*.py") if not {"tests", "migrations"} & set(p.relative_to(ROOT).parts)
    )
    assert offending_lines(code, LITERAL_REDIRECT.search) == []


def test_the_checks_see_what_they_look_for():
    assert LITERAL_URL.search('<a class="x" href="/targets/{{ t.pk }}/">')
    assert LITERAL_URL.search("hx-post='/problems/1/act/accept/'")
    assert not LITERAL_URL.search("<a href=\"{% url 'desk:target_detail' t.pk %}\">")
    assert LITERAL_REDIRECT.search('return redirect(f"/targets/{target.pk}/")')
    assert not LITERAL_REDIRECT.search('return redirect("desk:target_detail", target.pk)')
    assert SAFE_HELP_TEXT.search("{{ field.help_text|safe }}")
