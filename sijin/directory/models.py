from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from sijin.core.validators import validate_mobile


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("省级")
    PREFECTURE = 2, _("地级")
    COUNTY = 3, _("县级")
    TOWNSHIP = 4, _("乡级")
    VILLAGE = 5, _("村级")


# How many leading digits of the 12-digit code identify a region of each level.
PREFIX_LENGTH: dict[int, int] = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.PREFECTURE: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}

# The statistical code marks functional zones (经济技术开发区, 高新技术产业开发区, 旅游度假区, 管理区 …) itself
# (国家统计局《统计用区划代码编制规则》): a county-level code whose 5th–6th digits are 71–80, a township-level
# one whose 7th–9th digits are 400–599 (类似乡级单位: 开发区, 农场, 林场 …). So it is read from the code, not
# stored: it cannot disagree with the code, and needs nothing when the data are reloaded.
ZONE_DIGITS: dict[int, tuple[int, int, int, int]] = {
    RegionLevel.COUNTY: (4, 6, 71, 80),
    RegionLevel.TOWNSHIP: (6, 9, 400, 599),
}


def is_zone_code(code: str, level: int) -> bool:
    if level not in ZONE_DIGITS:
        return False
    start, end, low, high = ZONE_DIGITS[level]
    return low <= int(code[start:end]) <= high


def region_code(text: str) -> str | None:
    """The 12-digit code of a region written with the digits of its level (2 for a province, 4, 6, 9 for a
    town, or all 12), or None for anything else."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) in PREFIX_LENGTH.values():
        return text.ljust(12, "0")
    return None


class Region(models.Model):
    """行政区划: a 12-digit statistical code is the key, so a subtree is a code prefix."""

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("级别"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{12}$"),
                name="region_code_12_digits",
                violation_error_message=_("区划代码应为12位数字。"),
            )
        ]
        # Serves LIKE 'prefix%' subtree scoping on PostgreSQL (ignored elsewhere).
        indexes = [
            models.Index(fields=["code"], name="region_code_prefix_idx", opclasses=["varchar_pattern_ops"])
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[self.level]]

    @property
    def is_zone(self) -> bool:
        """A functional zone (开发区, 度假区, 管理区 …) rather than a district, county, town or township."""
        return is_zone_code(self.code, self.level)

    def full_name(self) -> str:
        names: list[str] = []
        node: Region | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))


class OrganizationKind(models.TextChoices):
    GOVERNMENT = "government", _("党政机关")
    DEPARTMENT = "department", _("职能部门")
    SCHOOL = "school", _("学校")
    EXPERT = "expert", _("专家机构")
    ENTERPRISE = "enterprise", _("企业")
    OFFICE = "office", _("活动办/专班")
    OTHER = "other", _("其他")


class Organization(models.Model):
    """单位: dispatching units, handling departments, schools, expert bodies."""

    name = models.CharField(_("单位名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=OrganizationKind.choices, default="department")
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    email = models.EmailField(_("电子邮箱"), blank=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["region_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "region"],
                name="organization_unique_name_in_region",
                violation_error_message=_("该区划下已有同名单位。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """人员: cadres, handlers, experts and the people targets name; optionally a login."""

    name = models.CharField(_("姓名"), max_length=50)
    mobile = models.CharField(_("手机号码"), max_length=20, blank=True, validators=[validate_mobile])
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    title = models.CharField(_("职务"), max_length=100, blank=True)
    is_expert = models.BooleanField(_("专家"), default=False)
    expertise = models.CharField(_("专长"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "organization"],
                name="person_unique_name_in_org",
                violation_error_message=_("该单位已有同名人员。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.is_expert and not self.expertise and not self.organization_id:
            raise ValidationError(_("专家应填写所在单位或专长。"))
