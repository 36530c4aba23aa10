"""Writes for regions, organizations and people."""

import csv
from pathlib import Path
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from sijin.core.audit import audit
from sijin.core.models import AuditAction
from sijin.core.services import locked, saved
from sijin.core.validators import normalize_mobile

from .models import PREFIX_LENGTH, Organization, Person, Region, RegionLevel
from .regiondata import DATA_DIR, REGIONS_CSV, deep_file, deep_rows
from .regions import code_range_q


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


# Whose code's first digits name a region's parent, below the county: a town's county (or, in the
# prefectures without counties — 东莞, 中山, 儋州 — the prefecture, whose 12-digit code is the same), a
# village's town.
PARENT_DIGITS = {RegionLevel.TOWNSHIP: PREFIX_LENGTH[RegionLevel.COUNTY], RegionLevel.VILLAGE: 9}


@transaction.atomic
def regions_load_deep(
    *,
    actor: AbstractBaseUser | None = None,
    within: str,
    level: int = RegionLevel.TOWNSHIP,
    data_dir: Path = DATA_DIR,
) -> int:
    """Load the towns (乡镇、街道) — and with ``level`` VILLAGE their villages (村、社区) too — of a province, or
    of the part of it whose code starts with ``within`` (37, 3716, 371621, or a town's 9 digits for villages).
    The county level is loaded first if it is not yet. Rerunning adds only what is missing; returns how many
    rows were new. One bulk insert per level keeps every parent ahead of its children."""
    within = within.strip()
    if not (within.isascii() and within.isdigit() and len(within) in (2, 4, 6, 9)):
        raise ValidationError("区划代码应为2位(省)、4位(市)、6位(县)或9位(乡镇)数字。")
    if level not in PARENT_DIGITS:
        raise ValidationError("只能导入乡级或村级区划。")
    if not deep_file(RegionLevel.TOWNSHIP, within[:2], data_dir).exists():
        raise ValidationError(f"没有代码为 {within[:2]} 的省级区划的乡镇数据。")
    regions_load(actor=actor)
    added = 0
    for lv in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        if lv > level:
            break
        rows = [(code, name) for code, name in deep_rows(lv, within[:2], data_dir) if code.startswith(within)]
        existing = set(
            Region.objects.filter(code_range_q("code", within), level=lv).values_list("code", flat=True)
        )
        digits = PARENT_DIGITS[lv]
        new = [
            Region(code=code, name=name, level=lv, parent_id=code[:digits].ljust(12, "0"))
            for code, name in rows
            if code not in existing
        ]
        parents = {str(r.parent_id) for r in new}
        if missing := parents - set(Region.objects.filter(code__in=parents).values_list("code", flat=True)):
            raise ValidationError(f"上级区划 {min(missing)} 不存在,请先导入县级以上行政区划。")
        Region.objects.bulk_create(new, batch_size=2000)
        added += len(new)
        if lv == RegionLevel.TOWNSHIP and not Region.objects.filter(code=within.ljust(12, "0")).exists():
            raise ValidationError(f"区划代码 {within} 不存在。")  # a 9-digit code that names no town
    if added:
        source = f"{deep_file(level, within[:2], data_dir).parent.name}/{within[:2]}.csv.gz"
        audit(actor, AuditAction.REGIONS_LOAD, None, f"导入 {within} 的乡村区划 {added} 条", source=source)
    return added


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
