"""``{% requester problem %}``: where a problem came from when a client system handed it over (12345热线 …),
with the requester's contact in full or masked, as accounts.access decides."""

from django import template

from sijin.accounts import access

register = template.Library()


def masked_name(last: str, first: str) -> str:
    return f"{last or first[:1]}**" if (last or first) else ""


def masked_phone(phone: str) -> str:
    digits = phone.replace(" ", "")
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else "****"


@register.inclusion_tag("open311/_requester.html", takes_context=True)
def requester(context, problem) -> dict:
    req = getattr(problem, "open311_request", None) if problem.pk else None
    if req is None:
        return {"req": None}
    full = access.may_see_requester_contact(context["request"].user, problem)
    name = f"{req.last_name}{req.first_name}"
    return {
        "req": req,
        "name": name if full else masked_name(req.last_name, req.first_name),
        "phone": req.phone if full else (masked_phone(req.phone) if req.phone else ""),
        "email": req.email if full else "",
        "masked": not full,
    }
