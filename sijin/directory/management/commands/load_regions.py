from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sijin.directory.models import Region, RegionLevel
from sijin.directory.services import regions_load, regions_load_deep

LEVELS = {"town": RegionLevel.TOWNSHIP, "village": RegionLevel.VILLAGE}


class Command(BaseCommand):
    help = (
        "导入全国县级以上行政区划(含开发区等功能区);加 --province 37 再导入该省的乡镇(街道),"
        "加 --level village 连同村(社区)一起导入。已有的不重复导入。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--province",
            metavar="代码",
            help="导入该区划内的乡村区划:2位省代码,或4位市、6位县代码只导入其中一部分",
        )
        parser.add_argument(
            "--level", choices=sorted(LEVELS), default="town", help="town 乡镇(默认);village 乡镇和村"
        )

    def handle(self, *args, **options):
        try:
            if options["province"]:
                added = regions_load_deep(within=options["province"], level=LEVELS[options["level"]])
            else:
                added = regions_load()
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"新增 {added} 条,现有行政区划 {Region.objects.count()} 条。")
