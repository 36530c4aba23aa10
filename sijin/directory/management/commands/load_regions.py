from django.core.management.base import BaseCommand

from sijin.directory.models import Region
from sijin.directory.services import regions_load


class Command(BaseCommand):
    help = "导入全国县级以上行政区划(已有的不重复导入)"

    def handle(self, *args, **options):
        added = regions_load()
        self.stdout.write(f"新增 {added} 条,现有行政区划 {Region.objects.count()} 条。")
