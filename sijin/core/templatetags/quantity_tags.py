"""The one way a page writes a figure: `{% load quantity_tags %}`, then `{{ outcome|quantity }}`,
`{{ outcome|quantity_for:target }}` (a split outcome's share) or `{{ total|quantity:"万元" }}`.

Every form goes through :func:`sijin.core.quantities.format_quantity`, so the 成效 page, the 工作台, the
dashboard and the briefings write 3.5万元 / 246余万元 / 约40万元/天 alike; never `floatformat` a quantity.
"""

from decimal import Decimal
from typing import Any

from django import template

from sijin.core.quantities import Quantity, format_quantity

register = template.Library()


@register.filter
def quantity(value: Any, unit: str = "") -> str:
    """An object with ``display_value`` (an Outcome), a parsed Quantity, or a number in ``unit``."""
    if value is None or value == "":
        return ""
    if isinstance(value, Quantity):
        return value.display()
    if hasattr(value, "display_value"):
        return str(value.display_value)
    try:
        return format_quantity(Decimal(str(value)), unit)
    except ArithmeticError:
        return str(value)


@register.filter
def quantity_for(outcome: Any, target: Any) -> str:
    """An outcome as ``target``'s page shows it: its share when split among several targets."""
    return str(outcome.share_for(getattr(target, "pk", target)))
