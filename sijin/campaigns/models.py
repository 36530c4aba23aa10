from django.db import models
from django.utils.translation import gettext_lazy as _

from sijin.accounts import access
from sijin.core.validators import text_cap


class CampaignLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


class Campaign(models.Model):
    """行动: a campaign such as 山东省“四进”攻坚行动, with its own kinds, categories, indicators and deadlines."""

    name = models.CharField(_("行动名称"), max_length=100, unique=True)
    level = models.CharField(_("层级"), max_length=10, choices=CampaignLevel.choices)
    region = models.ForeignKey("directory.Region", verbose_name=_("组织区划"), on_delete=models.PROTECT)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    deployment = models.CharField(_("部署依据"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True, validators=[text_cap()])
    # Deadline defaults in working days (Shandong enterprise platform practice, 2020).
    accept_days = models.PositiveSmallIntegerField(_("签收时限(工作日)"), default=1)
    answer_days = models.PositiveSmallIntegerField(_("首次答复时限(工作日)"), default=3)
    solve_days = models.PositiveSmallIntegerField(_("办结时限(工作日)"), default=15)
    complex_days = models.PositiveSmallIntegerField(_("复杂问题办结时限(工作日)"), default=30)
    yellow_days = models.PositiveSmallIntegerField(_("黄灯提前(工作日)"), default=2)

    class Meta:
        verbose_name = _("行动")
        verbose_name_plural = _("行动")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="campaign_end_after_start",
                violation_error_message=_("结束日期不能早于开始日期。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class AttributeType(models.TextChoices):
    TEXT = "text", _("文本")
    NUMBER = "number", _("数值")
    QUANTITY = "quantity", _("数量(可带单位和约/余/多)")
    PERCENT = "percent", _("百分比")
    DATE = "date", _("日期")
    BOOL = "bool", _("是/否")


class TargetKind(models.Model):
    """帮扶对象类型 (企业/项目/乡村/社区) with its slogan and attribute schema.

    ``schema`` is a list of {"key", "label", "type", "unit", "required"}; see campaigns.attributes.
    """

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("行动"), on_delete=models.CASCADE, related_name="kinds"
    )
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=20)
    focus = models.CharField(_("着力点"), max_length=4, blank=True)
    slogan = models.CharField(_("口号"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    schema = models.JSONField(_("属性定义"), default=list, blank=True)
    # The campaign's one 待定 kind, for targets whose kind is not decided yet: a real row rather than a null
    # kind, so that every path that reads target.kind (schema, ordering, ledgers by kind) goes on working.
    undecided = models.BooleanField(_("待定类型"), default=False)

    class Meta:
        verbose_name = _("帮扶对象类型")
        verbose_name_plural = _("帮扶对象类型")
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "code"],
                name="targetkind_unique_code",
                violation_error_message=_("该行动已有此代码的对象类型。"),
            ),
            models.UniqueConstraint(
                fields=["campaign"],
                condition=models.Q(undecided=True),
                name="targetkind_one_undecided",
                violation_error_message=_("该行动已有“待定”类型。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """问题类别, optionally with its own solve deadline."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("行动"), on_delete=models.CASCADE, related_name="categories"
    )
    name = models.CharField(_("类别名称"), max_length=50)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    solve_days = models.PositiveSmallIntegerField(_("办结时限(工作日)"), null=True, blank=True)

    class Meta:
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")
        ordering = ["campaign", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"],
                name="category_unique_name",
                violation_error_message=_("该行动已有同名问题类别。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """成效指标: 挽回损失 (万元), 销售农产品 (斤) … outcomes roll up into these."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("行动"), on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("指标名称"), max_length=50)
    unit = models.CharField(_("单位"), max_length=10)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("成效指标")
        verbose_name_plural = _("成效指标")
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "code"],
                name="indicator_unique_code",
                violation_error_message=_("该行动已有此代码的指标。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.unit})"


class GroupTier(models.TextChoices):
    PROVINCE = "province", _("省派")
    CITY = "city", _("市派")
    COUNTY = "county", _("县派")


class WorkGroupQuerySet(models.QuerySet):
    def visible_to(self, user: access.Viewer) -> "WorkGroupQuerySet":
        """The groups in the user's scope (accounts.access decides)."""
        return self.filter(access.group_q(user))


class WorkGroup(models.Model):
    """工作组: sent by a dispatching unit into a region for a period."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("行动"), on_delete=models.PROTECT, related_name="groups"
    )
    name = models.CharField(_("工作组名称"), max_length=100)
    dispatching_org = models.ForeignKey(
        "directory.Organization",
        verbose_name=_("派出单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispatched_groups",
        help_text=_("报告未载明派出单位时留空"),
    )
    region = models.ForeignKey("directory.Region", verbose_name=_("驻点区划"), on_delete=models.PROTECT)
    tier = models.CharField(_("派驻层级"), max_length=10, choices=GroupTier.choices)
    start = models.DateField(_("进驻日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    approach = models.TextField(_("工作思路"), blank=True, validators=[text_cap()])

    objects = WorkGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作组")
        verbose_name_plural = _("工作组")
        ordering = ["campaign", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"],
                name="workgroup_unique_name",
                violation_error_message=_("该行动已有同名工作组。"),
            ),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="workgroup_end_after_start",
                violation_error_message=_("结束日期不能早于进驻日期。"),
            ),
        ]
        # Serves region-subtree scoping of groups.
        indexes = [models.Index(fields=["region"], name="workgroup_region_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def leader(self):
        m = self.memberships.filter(role=MemberRole.LEADER).select_related("person").first()
        return m.person if m else None


class MemberRole(models.TextChoices):
    LEADER = "leader", _("组长")
    DEPUTY = "deputy", _("副组长")
    MEMBER = "member", _("组员")
    SUPERVISOR = "supervisor", _("带队领导")


class Membership(models.Model):
    """A person in a work group, with a duty (联络员 for a target, 政策宣传员 …)."""

    group = models.ForeignKey(
        WorkGroup, verbose_name=_("工作组"), on_delete=models.CASCADE, related_name="memberships"
    )
    person = models.ForeignKey(
        "directory.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(
        _("组内角色"), max_length=12, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    duty = models.CharField(_("分工"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("工作组成员")
        verbose_name_plural = _("工作组成员")
        ordering = ["group", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "person"],
                name="membership_unique",
                violation_error_message=_("此人已是该工作组成员。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person}({self.get_role_display()})"


class TargetQuerySet(models.QuerySet):
    def visible_to(self, user: access.Viewer) -> "TargetQuerySet":
        """The targets in the user's scope (accounts.access decides), each once."""
        qs = self.filter(access.target_q(user))
        return qs.distinct() if access.target_needs_distinct(user) else qs


class Target(models.Model):
    """帮扶对象: an enterprise, project, village or community that a group serves."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("行动"), on_delete=models.PROTECT, related_name="targets"
    )
    kind = models.ForeignKey(
        TargetKind, verbose_name=_("类型"), on_delete=models.PROTECT, related_name="targets"
    )
    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey("directory.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    attributes = models.JSONField(_("属性"), default=dict, blank=True)
    group = models.ForeignKey(
        WorkGroup,
        verbose_name=_("工作组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="targets",
    )
    responsible = models.ForeignKey(
        "directory.Person",
        verbose_name=_("包保责任人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_for",
    )
    contacts = models.TextField(_("联系人"), blank=True, validators=[text_cap()])
    profile = models.TextField(_("基本情况"), blank=True, validators=[text_cap()])
    # A target whose name is not known yet (某企业): ``name`` holds the generated “未具名企业 3”, numbered per
    # group and kind by ``unnamed_seq`` so that several coexist; naming it clears both (target_update).
    unnamed = models.BooleanField(_("未具名"), default=False)
    unnamed_seq = models.PositiveIntegerField(_("未具名序号"), null=True, blank=True)

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("帮扶对象")
        verbose_name_plural = _("帮扶对象")
        ordering = ["kind__order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind", "name"],
                condition=models.Q(unnamed=False),
                name="target_unique_name",
                violation_error_message=_("该行动下已有同名同类帮扶对象。"),
            ),
            models.UniqueConstraint(
                fields=["group", "kind", "unnamed_seq"],
                condition=models.Q(unnamed=True),
                name="target_unique_unnamed_seq",
                violation_error_message=_("该工作组已有此序号的未具名对象。"),
            ),
            models.CheckConstraint(
                condition=models.Q(unnamed=False, unnamed_seq__isnull=True)
                | models.Q(unnamed=True, unnamed_seq__isnull=False),
                name="target_unnamed_has_seq",
                violation_error_message=_("未具名对象须有序号。"),
            ),
        ]
        indexes = [
            models.Index(
                fields=["group", "kind"], name="target_group_kind_idx"
            ),  # a group's target list by kind
            models.Index(
                fields=["region"], name="target_region_idx", opclasses=["varchar_pattern_ops"]
            ),  # subtree
        ]

    def __str__(self) -> str:
        return self.name


class MeasureType(models.Model):
    """帮扶措施类型 of a campaign (政策宣讲, 协调会, 对接会, 座谈会, 现场督导, 上门服务 …).

    ``unit`` is the word that counts it (次/场); ``units_label`` and ``people_label``, when set, name the two
    numbers a measure of this type records (协调部门, 参会人数); empty means the number is not asked for.
    """

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("行动"), on_delete=models.CASCADE, related_name="measure_types"
    )
    name = models.CharField(_("措施名称"), max_length=30)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    unit = models.CharField(_("计量单位"), max_length=4, default="次")
    units_label = models.CharField(_("单位数量名称"), max_length=20, blank=True)
    people_label = models.CharField(_("人数名称"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("帮扶措施类型")
        verbose_name_plural = _("帮扶措施类型")
        ordering = ["campaign", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"],
                name="measuretype_unique_name",
                violation_error_message=_("该行动已有同名措施类型。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class DocumentKind(models.TextChoices):
    PLAN = "plan", _("工作方案")
    RULES = "rules", _("管理办法")
    NOTICE = "notice", _("通知")
    SUMMARY = "summary", _("工作总结")
    OTHER = "other", _("其他")


class GroupDocument(models.Model):
    """A work group's own document (工作方案, 管理办法 …); the file, if any, is served only through the group's
    scoped view, never from the media URL."""

    group = models.ForeignKey(
        WorkGroup, verbose_name=_("工作组"), on_delete=models.CASCADE, related_name="documents"
    )
    # Blank when a report mentions a document without naming it (及时拿出工作方案): shown by its kind.
    title = models.CharField(_("标题"), max_length=100, blank=True)
    kind = models.CharField(_("类别"), max_length=10, choices=DocumentKind.choices, default=DocumentKind.PLAN)
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    file = models.FileField(_("文件"), upload_to="groups/%Y/%m/", blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("工作组文件")
        verbose_name_plural = _("工作组文件")
        ordering = ["group", "-issued_on", "id"]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """The title, or the kind (工作方案) of an unnamed document."""
        return self.title.strip() or str(self.get_kind_display())


class CadreRole(models.TextChoices):
    LEAD = "lead", _("包保领导")
    RESPONSIBLE = "responsible", _("包保责任人")
    LIAISON = "liaison", _("联络员")
    SPECIALIST = "specialist", _("服务专员")


class TargetCadre(models.Model):
    """包保: one cadre responsible for a target in a role, optionally from/to — many cadres per target, many
    targets per cadre (责任到人). ``Target.responsible`` stays the one 包保责任人 that lists filter by."""

    target = models.ForeignKey(
        Target, verbose_name=_("帮扶对象"), on_delete=models.CASCADE, related_name="cadres"
    )
    person = models.ForeignKey(
        "directory.Person", verbose_name=_("干部"), on_delete=models.PROTECT, related_name="target_roles"
    )
    role = models.CharField(
        _("包保角色"), max_length=12, choices=CadreRole.choices, default=CadreRole.LIAISON
    )
    start = models.DateField(_("起始日期"), null=True, blank=True)
    end = models.DateField(_("截止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("包保干部")
        verbose_name_plural = _("包保干部")
        ordering = ["target", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "person", "role"],
                name="targetcadre_unique",
                violation_error_message=_("此人已在该对象担任此角色。"),
            ),
            models.CheckConstraint(
                condition=models.Q(end__isnull=True)
                | models.Q(start__isnull=True)
                | models.Q(end__gte=models.F("start")),
                name="targetcadre_end_after_start",
                violation_error_message=_("截止日期不能早于起始日期。"),
            ),
        ]
        # Serves “which targets does this cadre hold” and the distinct-person counts.
        indexes = [models.Index(fields=["person"], name="targetcadre_person_idx")]

    def __str__(self) -> str:
        return f"{self.person}({self.get_role_display()})"


class PostingRole(models.TextChoices):
    FIRST_SECRETARY = "first_secretary", _("驻村第一书记")
    TEAM_MEMBER = "team_member", _("驻村工作队员")
    ENTERPRISE_SPECIALIST = "enterprise_specialist", _("驻企服务专员")
    GROUP_MEMBER = "group_member", _("驻点工作组成员")


class Posting(models.Model):
    """派驻: a person's term in a place (a target, a group's station, or a region) in a role, numbered
    (第几任/批次); a first secretary may serve several terms in several villages. Terms of one person in one
    role never overlap (posting_save refuses it)."""

    person = models.ForeignKey(
        "directory.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="postings"
    )
    role = models.CharField(_("派驻身份"), max_length=24, choices=PostingRole.choices)
    group = models.ForeignKey(
        WorkGroup,
        verbose_name=_("工作组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="postings",
    )
    target = models.ForeignKey(
        Target,
        verbose_name=_("帮扶对象"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="postings",
    )
    # Blank in forms: the service takes the target's or the group's region when none is chosen.
    region = models.ForeignKey(
        "directory.Region", verbose_name=_("派驻区划"), on_delete=models.PROTECT, blank=True
    )
    start = models.DateField(_("派驻日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    term = models.PositiveSmallIntegerField(_("任次/批次"), null=True, blank=True)

    class Meta:
        verbose_name = _("派驻")
        verbose_name_plural = _("派驻")
        ordering = ["person", "-start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="posting_end_after_start",
                violation_error_message=_("结束日期不能早于派驻日期。"),
            ),
        ]
        # Serves the overlap check (one person's terms) and a group's posting list.
        indexes = [
            models.Index(fields=["person", "role"], name="posting_person_role_idx"),
            models.Index(fields=["group"], name="posting_group_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_role_display()}"
