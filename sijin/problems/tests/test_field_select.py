"""Our own select widgets (``problems.forms.PlainSelect``, ``HandlerSelect``) are styled as the selects they are
when a form field is laid out by includes/field.html, which goes by Django's ``widget_type`` (from the widget's
class name)."""

from django import forms
from django.template.loader import render_to_string
from lxml import html

from sijin.problems.forms import HandlerSelect, PlainSelect


class _Form(forms.Form):
    plain = forms.ChoiceField(label="状态", choices=[("a", "甲")], widget=PlainSelect)
    handler = forms.ChoiceField(label="承办人", choices=[("1", "张三")], widget=HandlerSelect)
    text = forms.CharField(label="说明")


def test_our_selects_are_styled_as_selects():
    form = _Form()
    classes = {}
    for name in ("plain", "handler", "text"):
        page = html.fromstring(render_to_string("includes/field.html", {"field": form[name]}))
        (widget,) = page.xpath(f"//*[@name='{name}']")
        classes[name] = widget.get("class").split()
    assert "form-select" in classes["plain"] and "form-control" not in classes["plain"]
    assert "form-select" in classes["handler"] and "form-control" not in classes["handler"]
    assert "form-control" in classes["text"]
