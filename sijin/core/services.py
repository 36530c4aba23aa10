"""Helpers shared by the service functions of every app."""

from django.core.exceptions import ValidationError
from django.db import models


def validated(obj: models.Model, exclude: list[str] | None = None) -> models.Model:
    """Run the model's field, constraint and uniqueness checks; raise ValidationError with Chinese messages."""
    obj.full_clean(exclude=exclude)
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
