"""Template questions to the scope module, for buttons that depend on one object: ``{% load access_tags %}``.

``{% if briefing|briefing_writable_by:user %}`` shows 保存/报送 only to whom ``get_briefing_for(write=True)``
lets through (the navigation's own questions come as ``menu``, see sijin.desk.context).
"""

from django import template

from sijin.accounts import access

register = template.Library()


@register.filter
def briefing_writable_by(briefing, user) -> bool:
    return access.can_write_briefing(user, briefing)
