"""``sijin open311 add|revoke|list``: the client systems that may hand demands over by Open311."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sijin.accounts.models import User
from sijin.campaigns.models import Campaign
from sijin.open311.models import Open311Client
from sijin.open311.services import open311_client_create, open311_client_revoke


class Command(BaseCommand):
    help = "Open311 接入系统:add 新增(打印一次密钥)/ revoke 停用 / list 列出"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        add = sub.add_parser("add", help="新增接入系统,打印其 API 密钥(只显示这一次)")
        add.add_argument("--name", required=True, help="来源系统名称,如 12345热线")
        add.add_argument("--user", required=True, help="系统账号的用户名(其角色授权决定受理范围)")
        add.add_argument("--campaign", type=int, required=True, help="行动编号(其问题类别即服务类别)")
        revoke = sub.add_parser("revoke", help="停用接入系统的密钥")
        revoke.add_argument("id", type=int)
        sub.add_parser("list", help="列出接入系统")

    def handle(self, *args, verb: str, **options):
        if verb == "list":
            for c in Open311Client.objects.select_related("user", "campaign"):
                state = "启用" if c.active else "已停用"
                self.stdout.write(
                    f"{c.pk}\t{c.name}\t{c.key_prefix}…\t{c.user.username}\t{c.campaign.name}\t{state}"
                )
            return
        if verb == "revoke":
            client = Open311Client.objects.filter(pk=options["id"]).first()
            if client is None:
                raise CommandError("没有这个接入系统。")
            open311_client_revoke(actor=None, client=client)
            self.stdout.write(f"已停用:{client}")
            return
        user = User.objects.filter(username=options["user"]).first()
        campaign = Campaign.objects.filter(pk=options["campaign"]).first()
        if user is None:
            raise CommandError(f"没有用户“{options['user']}”。")
        if campaign is None:
            raise CommandError("没有这个行动。")
        try:
            client, key = open311_client_create(
                actor=None, name=options["name"], user=user, campaign=campaign
            )
        except ValidationError as exc:
            raise CommandError(";".join(exc.messages)) from exc
        self.stdout.write(
            f"已新增接入系统 {client.name}(编号 {client.pk})。API 密钥(只显示这一次,请妥善保存):"
        )
        self.stdout.write(key)
