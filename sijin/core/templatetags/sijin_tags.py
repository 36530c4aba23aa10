"""Small template helpers shared by every page: `{% load sijin_tags %}`."""

from collections.abc import Iterator

from django import template
from django.core.paginator import Page
from django.forms import BoundField
from django.forms.boundfield import BoundWidget
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _merge(existing: str, css: str) -> str:
    return " ".join(dict.fromkeys(f"{existing} {css}".split()))


@register.filter
def add_class(field: BoundField | BoundWidget, css: str) -> SafeString:
    """Render a form field's widget, or one radio/checkbox of a choice field, with `css` added."""
    if isinstance(field, BoundWidget):
        # One option of a RadioSelect/CheckboxSelectMultiple: the class goes on the <input> only,
        # not on the container div Django would otherwise give it too. Safe: Django's own widget template.
        attrs = {**field.data["attrs"], "class": _merge(field.data["attrs"].get("class", ""), css)}
        context = {"widget": {**field.data, "attrs": attrs, "wrap_label": False}}
        return mark_safe(field.renderer.render(field.template_name, context))
    return field.as_widget(attrs={"class": _merge(field.field.widget.attrs.get("class", ""), css)})


@register.filter
def page_numbers(page_obj: Page) -> Iterator[int | None]:
    """Page numbers around the current page and at both ends; None marks a gap."""
    for number in page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1):
        yield number if isinstance(number, int) else None


@register.simple_tag(takes_context=True)
def nav_active(context: template.Context, prefix: str, *excluded: str) -> str:
    """' active' when the current path is under `prefix` but none of `excluded` ("/" matches only itself)."""
    request = context.get("request")
    path = request.path if request else ""
    if prefix == "/":
        hit = path == "/"
    else:
        hit = path.startswith(prefix) and not any(path.startswith(e) for e in excluded if e)
    return " active" if hit else ""
