"""Django's ``flush``, which empties every table — the audit log too.

The audit log's triggers refuse DELETE (sijin/core/audit.py); emptying the whole database is the one
wholesale path let through, with the gate open for its own transaction. It is how tests reset their
database between transactional tests; on a real database it asks first, as Django's does.
"""

from django.core.management.commands import flush
from django.db import connections

from sijin.core.audit import audit_gate


class Command(flush.Command):
    def handle(self, **options):
        database = options["database"]
        if options["interactive"]:
            name = connections[database].settings_dict["NAME"]
            answer = input(f"将清空数据库“{name}”的全部数据,审计日志也在内,不可恢复。确定请输入 yes:")
            if answer != "yes":
                self.stdout.write("已取消。")
                return
        with audit_gate(database):
            super().handle(**{**options, "interactive": False})
