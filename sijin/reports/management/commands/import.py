from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sijin.core.services import error_text
from sijin.reports.imports import import_check, import_inline, import_sheet
from sijin.reports.services import import_job_start
from sijin.reports.tasks import import_task

from ._cli import ADMIN_NOTE, admin_actor, find_campaign


class Command(BaseCommand):
    help = f"从 Excel 导入帮扶对象或问题:sijin import targets|problems FILE.xlsx [--campaign 行动]。先校验全部行,有错则一行也不导入;超过 SIJIN_IMPORT_INLINE_ROWS 行时分批写入(同后台导入)。{ADMIN_NOTE}"

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["targets", "problems"], help="targets 帮扶对象;problems 问题")
        parser.add_argument("file", help=".xlsx 文件(格式同导出的台账或下载的模板)")
        parser.add_argument("--campaign", help="行动编号或名称的一部分(系统中只有一个行动时可省略)")
        parser.add_argument("--user", help="以哪个系统管理员账号记入审计日志(默认第一个)")

    def handle(self, *args, **options):
        actor = admin_actor(options["user"])
        campaign = find_campaign(options["campaign"])
        what = options["what"]
        try:
            with open(options["file"], "rb") as source:
                sheet = import_sheet(what, campaign, source)
                if len(sheet.rows) + len(sheet.refused) > settings.SIJIN_IMPORT_INLINE_ROWS:
                    job = import_job_start(
                        actor=actor, what=what, campaign=campaign, upload=source, enqueue=False
                    )
                    created = import_task.call(job.pk)
                    job.refresh_from_db()
                    errors = job.errors or ([job.error] if job.status == "failed" else [])
                else:
                    result = import_inline(import_check(what, actor=actor, campaign=campaign, sheet=sheet))
                    created, errors = result.created, result.errors
        except FileNotFoundError:
            raise CommandError(f"找不到文件 {options['file']}") from None
        except ValidationError as exc:
            raise CommandError(error_text(exc)) from None
        except (OSError, KeyError, ValueError):
            raise CommandError("无法读取该文件,请使用 .xlsx 格式的 Excel 文件。") from None
        if errors:
            for message in errors:
                self.stderr.write(message)
            raise CommandError(f"共 {len(errors)} 处错误,未导入任何数据。")
        self.stdout.write(self.style.SUCCESS(f"已导入 {created} 行到“{campaign.name}”。"))
