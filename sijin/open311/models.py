"""Open311 GeoReport v2 intake: the client systems that hand demands over (the 12345 hotline, a county 网格化
platform) and the requests they filed, each of which is a problem of the campaign."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sijin.core.validators import text_cap


class Open311Client(models.Model):
    """A client system with an API key. Its ``user`` (a system login with role grants) decides where it may file
    demands and which problems it may read back: the same scope rules as for a person. ``window_start`` and
    ``window_count`` are the key's rate limit (SIJIN_API_RATE, as for an API token): a fixed window counted in
    the row itself, so that every app server counts the same requests (open311.services.client_for_key)."""

    name = models.CharField(_("来源系统"), max_length=50)
    user = models.ForeignKey(
        "accounts.User", verbose_name=_("系统账号"), on_delete=models.PROTECT, related_name="open311_clients"
    )
    campaign = models.ForeignKey("campaigns.Campaign", verbose_name=_("行动"), on_delete=models.PROTECT)
    # The key is shown once; only its SHA-256 is kept, and its first characters to tell keys apart in lists.
    key_prefix = models.CharField(_("密钥前缀"), max_length=8)
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    window_start = models.DateTimeField(_("限流窗口开始"), null=True, blank=True, editable=False)
    window_count = models.PositiveIntegerField(_("窗口内请求数"), default=0, editable=False)

    class Meta:
        verbose_name = _("Open311 接入系统")
        verbose_name_plural = _("Open311 接入系统")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


class Open311Request(models.Model):
    """One demand handed over by a client system: the problem it became and who asked (the requester's
    contact is shown in full only to those who call back, see accounts.access.may_see_requester_contact)."""

    problem = models.OneToOneField(
        "problems.Problem", verbose_name=_("问题"), on_delete=models.CASCADE, related_name="open311_request"
    )
    client = models.ForeignKey(
        Open311Client, verbose_name=_("来源系统"), on_delete=models.PROTECT, related_name="requests"
    )
    first_name = models.CharField(_("名"), max_length=50, blank=True)
    last_name = models.CharField(_("姓"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    device_id = models.CharField(_("设备标识"), max_length=100, blank=True)
    account_id = models.CharField(_("来源账号"), max_length=100, blank=True)
    address_string = models.CharField(_("地址"), max_length=200, blank=True)
    media_url = models.URLField(_("图片链接"), max_length=500, blank=True)
    description = models.TextField(_("诉求内容"), validators=[text_cap()])
    requested_at = models.DateTimeField(_("受理时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 诉求")
        verbose_name_plural = _("Open311 诉求")
        ordering = ["-requested_at", "-id"]
        # Serves GET requests.json: a client's own requests, newest first.
        indexes = [models.Index(fields=["client", "requested_at"], name="open311_client_time_idx")]

    def __str__(self) -> str:
        return f"{self.client.name} #{self.problem_id}"
