"""The audit trail: every service write records one row here (三员分立: only services write it)."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models

from .models import AuditAction, AuditLog


def audit(
    actor: AbstractBaseUser | None,
    action: AuditAction,
    obj: models.Model | None = None,
    summary: str = "",
    **data: Any,
) -> AuditLog:
    """Record one write. ``action`` is one of AuditAction: an unknown kind is a programming error."""
    # By id: the typed ``actor`` field is the accounts app's User, which core does not import.
    return AuditLog.objects.create(
        actor_id=actor.pk if actor is not None else None,
        action=AuditAction(action),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:500],
        data={k: _plain(v) for k, v in data.items()},
    )


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
