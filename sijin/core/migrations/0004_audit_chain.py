"""The audit log becomes append-only and chained (安全审计).

Existing rows are chained in id order; then triggers refuse UPDATE and DELETE of core_auditlog on PostgreSQL
and SQLite, except DELETE while the gate that ``sijin.core.audit.audit_gate`` opens is open (the retention
prune and flush). Other databases get no triggers (``sijin audit verify`` still checks the chain).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

# PostgreSQL: one function for the row trigger (UPDATE, DELETE) and the statement trigger (TRUNCATE). The gate
# is a setting local to the transaction that opened it: set_config('sijin.audit_gate', 'open', true).
POSTGRESQL = [
    """
    CREATE FUNCTION core_auditlog_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'TRUNCATE') AND current_setting('sijin.audit_gate', true) = 'open' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION '审计日志只能追加,不能%', CASE TG_OP WHEN 'UPDATE' THEN '修改' ELSE '删除' END
            USING ERRCODE = 'integrity_constraint_violation';
    END
    $$
    """,
    "CREATE TRIGGER core_auditlog_append_only BEFORE UPDATE OR DELETE ON core_auditlog "
    "FOR EACH ROW EXECUTE FUNCTION core_auditlog_append_only()",
    "CREATE TRIGGER core_auditlog_no_truncate BEFORE TRUNCATE ON core_auditlog "
    "FOR EACH STATEMENT EXECUTE FUNCTION core_auditlog_append_only()",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditlog_no_truncate ON core_auditlog",
    "DROP TRIGGER IF EXISTS core_auditlog_append_only ON core_auditlog",
    "DROP FUNCTION IF EXISTS core_auditlog_append_only()",
]
# SQLite: the gate is a row in a control table, written and removed inside the transaction that deletes.
SQLITE = [
    "CREATE TABLE core_auditlog_gate (open integer NOT NULL)",
    "CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE ON core_auditlog "
    "BEGIN SELECT RAISE(ABORT, '审计日志只能追加,不能修改'); END",
    "CREATE TRIGGER core_auditlog_no_delete BEFORE DELETE ON core_auditlog "
    "WHEN NOT EXISTS (SELECT 1 FROM core_auditlog_gate) "
    "BEGIN SELECT RAISE(ABORT, '审计日志只能追加,不能删除'); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS core_auditlog_no_delete",
    "DROP TRIGGER IF EXISTS core_auditlog_no_update",
    "DROP TABLE IF EXISTS core_auditlog_gate",
]


def chain_existing_rows(apps, schema_editor):
    from sijin.core.audit import GENESIS, row_hash

    AuditLog = apps.get_model("core", "AuditLog")
    prev, batch = GENESIS, []
    for row in (
        AuditLog.objects.using(schema_editor.connection.alias).order_by("id").iterator(chunk_size=2000)
    ):
        row.prev_hash = prev
        row.hash = prev = row_hash(row)
        batch.append(row)
        if len(batch) == 2000:
            AuditLog.objects.bulk_update(batch, ["prev_hash", "hash"])
            batch = []
    AuditLog.objects.bulk_update(batch, ["prev_hash", "hash"])


def run(statements):
    def apply(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_audit_action_choices_update"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditlog",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="哈希"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditlog",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="上一条哈希"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="action",
            field=models.CharField(
                choices=[
                    ("admin_add", "管理后台新增"),
                    ("admin_change", "管理后台修改"),
                    ("admin_delete", "管理后台删除"),
                    ("user_create", "新增用户"),
                    ("user_update", "修改用户"),
                    ("role_grant", "授予角色"),
                    ("role_revoke", "撤销角色"),
                    ("regions_load", "导入行政区划"),
                    ("organization_create", "新增单位"),
                    ("organization_update", "修改单位"),
                    ("person_create", "新增人员"),
                    ("person_update", "修改人员"),
                    ("campaign_create", "新建行动"),
                    ("campaign_update", "修改行动"),
                    ("target_kind_create", "新增对象类型"),
                    ("target_kind_update", "修改对象类型"),
                    ("category_create", "新增问题类别"),
                    ("category_update", "修改问题类别"),
                    ("indicator_create", "新增成效指标"),
                    ("indicator_update", "修改成效指标"),
                    ("group_create", "新建工作组"),
                    ("group_update", "修改工作组"),
                    ("membership_create", "新增组员"),
                    ("membership_update", "修改组员"),
                    ("membership_delete", "移除组员"),
                    ("target_create", "新增帮扶对象"),
                    ("target_update", "修改帮扶对象"),
                    ("visit_record", "记录走访"),
                    ("visit_photo_add", "上传走访照片"),
                    ("problem_report", "上报问题"),
                    ("problem_event", "问题流转"),
                    ("plan_create", "制定帮扶方案"),
                    ("plan_update", "修改帮扶方案"),
                    ("plan_step_update", "更新方案步骤"),
                    ("plan_step_create", "新增方案步骤"),
                    ("outcome_record", "记录成效"),
                    ("feedback_record", "记录评价"),
                    ("checklist_create", "新建清单"),
                    ("checklist_update", "修改清单"),
                    ("briefing_generate", "生成简报"),
                    ("briefing_update", "修改简报"),
                    ("briefing_submit", "报送简报"),
                    ("work_method_create", "新增工作法"),
                    ("work_method_update", "修改工作法"),
                    ("user_password_set", "设置密码"),
                    ("visit_update", "修改走访"),
                    ("outcome_update", "修改成效"),
                    ("feedback_update", "修改评价"),
                    ("export_job_start", "后台导出"),
                    ("export_job_expire", "后台导出中断"),
                    ("export_job_retry", "重试后台导出"),
                    ("ledger_download", "下载台账"),
                    ("briefing_download", "下载简报"),
                    ("notice_download", "下载督办通知单"),
                    ("evidence_download", "下载佐证材料"),
                    ("photo_download", "查看走访照片"),
                    ("personal_data_view", "查看个人信息"),
                    ("audit_export", "导出审计日志"),
                    ("audit_prune", "清理过期审计日志"),
                ],
                max_length=64,
                verbose_name="操作",
            ),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                to=settings.AUTH_USER_MODEL,
                verbose_name="操作人",
            ),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False, verbose_name="时间"
            ),
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
        migrations.RunPython(
            run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
