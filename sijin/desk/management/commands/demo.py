from django.core.management.base import BaseCommand

from sijin.campaigns.models import WorkGroup
from sijin.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "加载滨州市教育局驻惠民县“四进”工作组演示数据(可重复运行,不会重复写入)"

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="数据库已有工作组时不加载")
        parser.add_argument("--quiet-logins", action="store_true", help="不打印演示账号")

    def handle(self, *args, **options):
        if options["if_empty"] and WorkGroup.objects.exists():
            self.stdout.write("数据库已有数据,跳过演示数据加载。")
        else:
            result = load_demo()
            self.stdout.write(f"已加载演示数据:{result['group']},问题 {result['problems']} 个。")
        if not options["quiet_logins"]:
            self.stdout.write(self.style.SUCCESS(f"演示账号(密码均为 {DEMO_PASSWORD},仅供演示):"))
            for username, role, scope in DEMO_LOGINS:
                self.stdout.write(f"  {username:<8} {role:<10} {scope}")
