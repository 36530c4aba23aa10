"""Writes for work methods and briefings."""

from typing import Any

from django.db import transaction

from sijin.core.audit import audit
from sijin.core.services import validated

from .models import WorkMethod


@transaction.atomic
def work_method_create(*, actor, group, title: str, **fields: Any) -> WorkMethod:
    method = WorkMethod(group=group, title=title, **fields)
    validated(method)
    method.save()
    audit(actor, "work_method_create", method, f"工作法 {title}")
    return method


def work_method_ensure(*, actor, group, title: str, **fields: Any) -> WorkMethod:
    return WorkMethod.objects.filter(group=group, title=title).first() or work_method_create(
        actor=actor, group=group, title=title, **fields
    )
