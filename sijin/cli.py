"""The ``sijin`` command: ``sijin demo``, ``sijin serve``, ``sijin workdays add 2025-09-30 3`` …

Each subcommand is a Django management command of one of the apps; ``sijin manage …`` passes anything to
Django's own commands.
"""

import os
import sys

COMMANDS = {
    "demo": "加载滨州市教育局驻惠民县工作组演示数据(可重复运行)",
    "synth": "生成合成省级数据(--problems N --seed S),用于性能测试",
    "serve": "用 gunicorn 启动网站(默认 http://127.0.0.1:8000)",
    "worker": "运行后台任务(大批量导出等)",
    "load-regions": "导入全国县级以上行政区划(及功能区);--province 37 --level town|village 按省导入乡镇、村",
    "check": "检查配置与数据库连接",
    "workdays": "工作日计算:add 日期 N / between 日期A 日期B",
    "sweep": "督办巡检:临期催办、超期督办(可重复运行)",
    "tally": "数据看板计数:check 核对 / rebuild 按问题与成效重新计算",
    "digest": "通知每日汇总:向选择每日汇总的用户发送前一天的未读通知(可重复运行)",
    "import": "从 Excel 导入帮扶对象或问题",
    "export": "导出 Excel 台账/清单",
    "briefing": "生成工作简报(.docx)",
    "backup": "备份数据库、上传文件和密钥到一个 .tar.gz 文件(网站可继续运行)",
    "restore": "从备份文件恢复(先校验;已有数据时需加 --force)",
    "open311": "Open311 接入系统:add 新增(打印一次密钥)/ revoke 停用 / list 列出",
    "audit": "安全审计:verify 校验审计日志哈希链 / prune 清理超过保留期的记录",
    "manage": "运行 Django 管理命令,如 sijin manage migrate",
}


def usage() -> str:
    lines = ["用法: sijin <命令> [参数]", "", "命令:"]
    lines += [f"  {name:<13}{text}" for name, text in COMMANDS.items()]
    lines += ["", "每个命令的参数: sijin <命令> --help"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sijin.settings")
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(usage())
        return
    name, rest = argv[0], argv[1:]
    from django.core.management import execute_from_command_line

    if name == "manage":
        execute_from_command_line(["sijin manage", *rest])
        return
    if name not in COMMANDS:
        print(f"未知命令“{name}”。\n\n{usage()}", file=sys.stderr)
        sys.exit(2)
    command = {"load-regions": "load_regions", "check": "sijin_check", "worker": "db_worker"}.get(name, name)
    execute_from_command_line([f"sijin {name}", command, *rest])


if __name__ == "__main__":
    main()
