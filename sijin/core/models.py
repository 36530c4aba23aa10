from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ColourChoices


class AuditAction(ColourChoices):
    """The kinds of audit rows: one per service write (``<noun>_<verb>``) and the admin's generic ones."""

    ADMIN_ADD = "admin_add", _("管理后台新增")
    ADMIN_CHANGE = "admin_change", _("管理后台修改")
    ADMIN_DELETE = "admin_delete", _("管理后台删除")
    USER_CREATE = "user_create", _("新增用户")
    USER_UPDATE = "user_update", _("修改用户")
    ROLE_GRANT = "role_grant", _("授予角色")
    ROLE_REVOKE = "role_revoke", _("撤销角色")
    REGIONS_LOAD = "regions_load", _("导入行政区划")
    ORGANIZATION_CREATE = "organization_create", _("新增单位")
    ORGANIZATION_UPDATE = "organization_update", _("修改单位")
    PERSON_CREATE = "person_create", _("新增人员")
    PERSON_UPDATE = "person_update", _("修改人员")
    CAMPAIGN_CREATE = "campaign_create", _("新建行动")
    CAMPAIGN_UPDATE = "campaign_update", _("修改行动")
    TARGET_KIND_CREATE = "target_kind_create", _("新增对象类型")
    TARGET_KIND_UPDATE = "target_kind_update", _("修改对象类型")
    CATEGORY_CREATE = "category_create", _("新增问题类别")
    CATEGORY_UPDATE = "category_update", _("修改问题类别")
    INDICATOR_CREATE = "indicator_create", _("新增成效指标")
    INDICATOR_UPDATE = "indicator_update", _("修改成效指标")
    GROUP_CREATE = "group_create", _("新建工作组")
    GROUP_UPDATE = "group_update", _("修改工作组")
    MEMBERSHIP_CREATE = "membership_create", _("新增组员")
    MEMBERSHIP_UPDATE = "membership_update", _("修改组员")
    MEMBERSHIP_DELETE = "membership_delete", _("移除组员")
    TARGET_CREATE = "target_create", _("新增帮扶对象")
    TARGET_UPDATE = "target_update", _("修改帮扶对象")
    VISIT_RECORD = "visit_record", _("记录走访")
    VISIT_PHOTO_ADD = "visit_photo_add", _("上传走访照片")
    PROBLEM_REPORT = "problem_report", _("上报问题")
    PROBLEM_EVENT = "problem_event", _("问题流转")
    PLAN_CREATE = "plan_create", _("制定帮扶方案")
    PLAN_UPDATE = "plan_update", _("修改帮扶方案")
    PLAN_STEP_UPDATE = "plan_step_update", _("更新方案步骤")
    PLAN_STEP_CREATE = "plan_step_create", _("新增方案步骤")
    OUTCOME_RECORD = "outcome_record", _("记录成效")
    FEEDBACK_RECORD = "feedback_record", _("记录评价")
    CHECKLIST_CREATE = "checklist_create", _("新建清单")
    CHECKLIST_UPDATE = "checklist_update", _("修改清单")
    BRIEFING_GENERATE = "briefing_generate", _("生成简报")
    BRIEFING_UPDATE = "briefing_update", _("修改简报")
    BRIEFING_SUBMIT = "briefing_submit", _("报送简报")
    NOTICE_ISSUE = "notice_issue", _("签发督办通知单")
    WORK_METHOD_CREATE = "work_method_create", _("新增工作法")
    WORK_METHOD_UPDATE = "work_method_update", _("修改工作法")
    USER_PASSWORD_SET = "user_password_set", _("设置密码")
    VISIT_UPDATE = "visit_update", _("修改走访")
    OUTCOME_UPDATE = "outcome_update", _("修改成效")
    FEEDBACK_UPDATE = "feedback_update", _("修改评价")
    EXPORT_JOB_START = "export_job_start", _("后台导出")
    USER_LOGIN = "user_login", _("登录")
    USER_LOGIN_FAILED = "user_login_failed", _("登录失败")
    USER_LOCKOUT = "user_lockout", _("登录锁定")
    USER_UNLOCK = "user_unlock", _("解除登录锁定")
    USER_LOGOUT = "user_logout", _("退出登录")
    USER_PASSWORD_CHANGE = "user_password_change", _("修改本人密码")
    USER_SECOND_FACTOR_ENROL = "user_second_factor_enrol", _("启用双因素认证")
    USER_SECOND_FACTOR_RESET = "user_second_factor_reset", _("重置双因素认证")
    EXPORT_JOB_EXPIRE = "export_job_expire", _("后台导出中断")
    EXPORT_JOB_RETRY = "export_job_retry", _("重试后台导出")
    DATA_RESTORE = "data_restore", _("从备份恢复数据")
    IMPORT_JOB_START = "import_job_start", _("后台导入")
    IMPORT_JOB_EXPIRE = "import_job_expire", _("后台导入中断")
    IMPORT_JOB_RETRY = "import_job_retry", _("重试后台导入")
    # Measures, targets' people and group documents (real campaigns).
    MEASURE_TYPE_CREATE = "measure_type_create", _("新增措施类型")
    MEASURE_TYPE_UPDATE = "measure_type_update", _("修改措施类型")
    MEASURE_TYPE_DELETE = "measure_type_delete", _("删除措施类型")
    MEASURE_RECORD = "measure_record", _("记录帮扶措施")
    MEASURE_UPDATE = "measure_update", _("修改帮扶措施")
    GROUP_DOCUMENT_ADD = "group_document_add", _("添加工作组文件")
    GROUP_DOCUMENT_DELETE = "group_document_delete", _("删除工作组文件")
    TARGET_CADRE_ADD = "target_cadre_add", _("新增包保干部")
    TARGET_CADRE_UPDATE = "target_cadre_update", _("修改包保干部")
    TARGET_CADRE_REMOVE = "target_cadre_remove", _("取消包保干部")
    POSTING_CREATE = "posting_create", _("新增派驻")
    POSTING_UPDATE = "posting_update", _("修改派驻")
    POSTING_DELETE = "posting_delete", _("删除派驻")
    # Periodic aggregate reports (定期报送).
    TALLY_FORM_DEFINE = "tally_form_define", _("定义报送表")
    TALLY_REPORT_OPEN = "tally_report_open", _("开始填报")
    TALLY_VALUE_SET = "tally_value_set", _("填报数据")
    TALLY_REPORT_SUBMIT = "tally_report_submit", _("报送定期报表")
    TALLY_REPORT_REOPEN = "tally_report_reopen", _("退回定期报表")
    # Downloads of case data and reads of personal data (安全审计), and the audit log's own upkeep.
    LEDGER_DOWNLOAD = "ledger_download", _("下载台账")
    BRIEFING_DOWNLOAD = "briefing_download", _("下载简报")
    NOTICE_DOWNLOAD = "notice_download", _("下载督办通知单")
    EVIDENCE_DOWNLOAD = "evidence_download", _("下载佐证材料")
    PHOTO_DOWNLOAD = "photo_download", _("查看走访照片")
    GROUP_DOCUMENT_DOWNLOAD = "group_document_download", _("下载工作组文件")
    PERSONAL_DATA_VIEW = "personal_data_view", _("查看个人信息")
    AUDIT_EXPORT = "audit_export", _("导出审计日志")
    AUDIT_PRUNE = "audit_prune", _("清理过期审计日志")
    # Where a user's notifications go beyond the site (an address outside it, a device's push service).
    NOTIFICATION_EMAIL_SET = "notification_email_set", _("设置通知邮件")
    PUSH_SUBSCRIPTION_ADD = "push_subscription_add", _("开启本机推送")
    PUSH_SUBSCRIPTION_REMOVE = "push_subscription_remove", _("关闭本机推送")
    # Personal API tokens (the JSON API).
    API_TOKEN_CREATE = "api_token_create", _("创建API令牌")
    API_TOKEN_REVOKE = "api_token_revoke", _("撤销API令牌")
    # Open311 intake (client systems and the demands they hand over).
    OPEN311_CLIENT_CREATE = "open311_client_create", _("新增Open311接入系统")
    OPEN311_CLIENT_REVOKE = "open311_client_revoke", _("停用Open311接入系统")
    OPEN311_REQUEST_RECEIVE = "open311_request_receive", _("受理Open311诉求")

    __colours__ = {
        "admin_add": "success",
        "admin_change": "primary",
        "admin_delete": "danger",
        "role_grant": "warning",
        "role_revoke": "warning",
        "membership_delete": "danger",
        "user_password_set": "warning",
        "problem_event": "info",
        "briefing_submit": "success",
        "export_job_start": "secondary",
        "user_login": "secondary",
        "user_login_failed": "danger",
        "user_lockout": "danger",
        "user_unlock": "warning",
        "user_logout": "secondary",
        "user_password_change": "info",
        "user_second_factor_enrol": "info",
        "user_second_factor_reset": "warning",
        "export_job_expire": "danger",
        "data_restore": "danger",
        "import_job_expire": "danger",
        "personal_data_view": "warning",
        "audit_export": "info",
        "audit_prune": "danger",
        "measure_type_delete": "danger",
        "group_document_delete": "danger",
        "posting_delete": "danger",
        "tally_report_submit": "success",
        "tally_report_reopen": "warning",
        "api_token_create": "info",
        "api_token_revoke": "warning",
        "open311_client_create": "info",
        "open311_client_revoke": "warning",
        "open311_request_receive": "primary",
    }


class AuditLog(models.Model):
    """One row per write made through a service, per download of case data and per admin read of personal
    data: who did what to which object. Append-only, and chained.

    Database triggers (migration 0004_audit_chain) refuse every UPDATE and DELETE of a row, from the ORM or
    raw SQL; only ``audit_prune`` (rows past SIJIN_AUDIT_RETENTION_DAYS) and ``flush`` pass, through a gate
    that is open only inside their own transaction (sijin/core/audit.py). Each row carries ``prev_hash``, the
    hash of the row before it, and ``hash`` over that and its own content, so ``sijin audit verify`` finds a
    row changed or removed by someone who could get past the triggers (a database owner can drop them).

    On SQLite a migration that rebuilds this table (adding a NOT NULL column, for one) drops its triggers:
    such a migration must create them again; ``sijin audit verify`` says when they are missing.
    """

    # Set in audit() before the row's hash is computed (auto_now_add would set it only while saving).
    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False, db_index=True)
    # PROTECT: a login with audit rows cannot be deleted, only deactivated; its rows keep naming it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT
    )
    action = models.CharField(_("操作"), max_length=64, choices=AuditAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    summary = models.CharField(_("摘要"), max_length=500, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(_("上一条哈希"), max_length=64, editable=False)
    hash = models.CharField(_("哈希"), max_length=64, editable=False)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        # Serves "history of one object" on detail pages and in the auditor's search.
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class HolidayOverride(models.Model):
    """An admin's correction to the working-day calendar: a date that is (or is not) a working day."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_workday else '休息日'}"


class Notification(models.Model):
    """An in-app message to one user (催办, 督办, 交办 …), written by ``core.notifications.notification_send``;
    ``kind`` is the problem action that caused it. Read when its user opens it (or marks all read); mailed and
    pushed as the user's ``NotificationPreference`` and ``PushSubscription`` rows say."""

    # No index of its own: notification_unread_idx (user, read_at) serves every lookup by user.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, db_index=False
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    kind = models.CharField(_("类型"), max_length=32)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-at"]
        indexes = [
            # Serves the unread badge on every page.
            models.Index(fields=["user", "read_at"], name="notification_unread_idx"),
            # Serves one user's list, newest first, and the digest's day of one user.
            models.Index(fields=["user", "-at"], name="notification_user_at_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class EmailMode(models.TextChoices):
    """How a user's notifications come by email."""

    INSTANT = "instant", _("即时")
    DIGEST = "digest", _("每日汇总")
    NONE = "none", _("不发邮件")


class NotificationPreference(models.Model):
    """One user's choice of email for their notifications (no row: 即时), and the digest's claim: ``digest_for``
    is the last day whose 每日汇总 was claimed for them (``sijin digest`` sets it with a conditional update, so
    the day's mail goes once however often the command runs)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email = models.CharField(
        _("邮件通知"), max_length=16, choices=EmailMode.choices, default=EmailMode.INSTANT
    )
    digest_for = models.DateField(_("已汇总至"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self) -> str:
        return f"{self.user_id} {self.get_email_display()}"


class PushSubscription(models.Model):
    """A browser on one device that receives its user's notifications as Web Push messages (VAPID): the push
    service's address and the browser's keys. Removed when its user turns it off or the push service answers
    that it is gone (404/410)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="push_subscriptions",
    )
    # One browser subscription belongs to one user: a shared phone's next user takes it over.
    endpoint = models.URLField(_("推送地址"), max_length=1000, unique=True)
    p256dh = models.CharField(_("公钥"), max_length=200)
    auth = models.CharField(_("认证密钥"), max_length=100)
    created_at = models.DateTimeField(_("开启时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("推送订阅")
        verbose_name_plural = _("推送订阅")

    def __str__(self) -> str:
        return f"{self.user_id} {self.endpoint[:60]}"


class SpentToken(models.Model):
    """A one-time form token that has been used (sijin/core/once.py). The unique ``token`` is the claim: of two
    submits of one form at the same instant, only one can insert it. Rows are pruned after the tokens'
    lifetime (``once.MAX_AGE``), by then the signature refuses the token anyway."""

    token = models.CharField(_("令牌"), max_length=100, unique=True)
    # Serves the pruning of rows past the tokens' lifetime.
    at = models.DateTimeField(_("使用时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("已用表单令牌")
        verbose_name_plural = _("已用表单令牌")

    def __str__(self) -> str:
        return self.token
