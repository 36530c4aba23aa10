"""Helpers shared by the service functions of every app."""

from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models

from .audit import audit

M = TypeVar("M", bound=models.Model)


def validated(obj: models.Model, exclude: list[str] | None = None) -> models.Model:
    """Run the model's field, constraint and uniqueness checks; raise ValidationError with Chinese messages."""
    obj.full_clean(exclude=exclude)
    return obj


def saved(actor, obj: M, action: str, summary: str, exclude: list[str] | None = None) -> M:
    """Validate, save and audit one new or changed object: the tail of every simple write service."""
    obj.full_clean(exclude=exclude)
    obj.save()
    audit(actor, action, obj, summary)
    return obj


def error_text(exc: ValidationError) -> str:
    """One readable line from a ValidationError, for command-line output and messages."""
    if hasattr(exc, "error_dict"):
        parts: list[str] = []
        for field, errors in exc.message_dict.items():
            label = "" if field == "__all__" else f"{field}: "
            parts.extend(f"{label}{e}" for e in errors)
        return ";".join(parts)
    return ";".join(exc.messages)
