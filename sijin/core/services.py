"""Helpers shared by the service functions of every app."""

from typing import Any, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models

from .audit import audit
from .models import AuditAction

M = TypeVar("M", bound=models.Model)
U = TypeVar("U", bound=AbstractBaseUser)


def recorded_actor(actor: U | None) -> U | None:
    """The login to record as who did it (``created_by``, an event's actor): None for the system, which acts
    with no actor, and for an unsaved user."""
    return actor if actor is not None and actor.pk else None


def validated(obj: models.Model, exclude: list[str] | None = None) -> models.Model:
    """Run the model's field, constraint and uniqueness checks; raise ValidationError with Chinese messages."""
    obj.full_clean(exclude=exclude)
    return obj


def saved(
    actor: AbstractBaseUser | None,
    obj: M,
    action: AuditAction,
    summary: str,
    exclude: list[str] | None = None,
    **data: Any,
) -> M:
    """Validate, save and audit one new or changed object: the tail of every simple write service."""
    obj.full_clean(exclude=exclude)
    obj.save()
    audit(actor, action, obj, summary, **data)
    return obj


def locked(obj: M, **fields: Any) -> M:
    """``obj`` read again with its row locked until the transaction ends, ``fields`` set on it: the head of
    an update service (the caller's copy may hold unsaved edits, e.g. an admin form's)."""
    fresh = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    for name, value in fields.items():
        setattr(fresh, name, value)
    return fresh


def error_text(exc: ValidationError) -> str:
    """One readable line from a ValidationError, for command-line output and messages."""
    if hasattr(exc, "error_dict"):
        parts: list[str] = []
        for field, errors in exc.message_dict.items():
            label = "" if field == "__all__" else f"{field}: "
            parts.extend(f"{label}{e}" for e in errors)
        return ";".join(parts)
    return ";".join(exc.messages)
