"""Template helpers for problems: `{% load problem_tags %}`."""

from django import template

from sijin.problems.models import Light

register = template.Library()


@register.filter
def light_label(light: str | None) -> str:
    """The label of a deadline light ("—" when there is none)."""
    return Light.label_of(light) if light and light != Light.NONE else "—"


@register.filter
def light_colour(light: str | None) -> str:
    return Light.colour_of(light)
