"""Writes for regions, organizations and people."""

import csv
from pathlib import Path
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from sijin.core.audit import audit
from sijin.core.models import AuditAction
from sijin.core.services import locked, saved
from sijin.core.validators import normalize_mobile

from .models import Organization, Person, Region

REGIONS_CSV = Path(__file__).parent / "data" / "regions.csv"


@transaction.atomic
def regions_load(*, actor: AbstractBaseUser | None = None, path: Path = REGIONS_CSV) -> int:
    """Load (or refresh) the administrative divisions from the CSV; returns how many rows were new."""
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    existing = set(Region.objects.values_list("code", flat=True))
    new = [r for r in rows if r["code"] not in existing]
    # Parents precede children in the file's level order, so one bulk insert per level keeps FKs valid.
    for level in ("1", "2", "3", "4", "5"):
        Region.objects.bulk_create(
            [
                Region(code=r["code"], name=r["name"], level=int(r["level"]), parent_id=r["parent"] or None)
                for r in new
                if r["level"] == level
            ],
            batch_size=1000,
        )
    if new:
        audit(actor, AuditAction.REGIONS_LOAD, None, f"导入行政区划 {len(new)} 条", source=str(path.name))
    return len(new)


@transaction.atomic
def organization_create(
    *,
    actor: AbstractBaseUser | None,
    name: str,
    region: Region,
    kind: str = "department",
    parent: Organization | None = None,
    email: str = "",
) -> Organization:
    org = Organization(name=name, region=region, kind=kind, parent=parent, email=email)
    return saved(actor, org, AuditAction.ORGANIZATION_CREATE, f"新增单位 {name}")


def organization_ensure(
    *, actor: AbstractBaseUser | None, name: str, region: Region, **fields: Any
) -> Organization:
    return Organization.objects.filter(name=name, region=region).first() or organization_create(
        actor=actor, name=name, region=region, **fields
    )


@transaction.atomic
def organization_update(
    *, actor: AbstractBaseUser | None, organization: Organization, **fields: Any
) -> Organization:
    organization = locked(organization, **fields)
    return saved(
        actor,
        organization,
        AuditAction.ORGANIZATION_UPDATE,
        f"修改单位 {organization.name}",
        fields=list(fields),
    )


@transaction.atomic
def person_create(
    *,
    actor: AbstractBaseUser | None,
    name: str,
    organization: Organization | None,
    title: str = "",
    mobile: str = "",
    is_expert: bool = False,
    expertise: str = "",
) -> Person:
    person = Person(
        name=name,
        organization=organization,
        title=title,
        mobile=normalize_mobile(mobile),
        is_expert=is_expert,
        expertise=expertise,
    )
    return saved(actor, person, AuditAction.PERSON_CREATE, f"新增人员 {name}")


def person_ensure(
    *, actor: AbstractBaseUser | None, name: str, organization: Organization | None, **fields: Any
) -> Person:
    return Person.objects.filter(name=name, organization=organization).first() or person_create(
        actor=actor, name=name, organization=organization, **fields
    )


@transaction.atomic
def person_update(*, actor: AbstractBaseUser | None, person: Person, **fields: Any) -> Person:
    if "mobile" in fields:
        fields["mobile"] = normalize_mobile(fields["mobile"])
    person = locked(person, **fields)
    return saved(actor, person, AuditAction.PERSON_UPDATE, f"修改人员 {person.name}", fields=list(fields))
