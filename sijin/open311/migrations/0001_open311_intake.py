import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import sijin.core.validators


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("campaigns", "0006_document_title_optional"),
        ("problems", "0008_problem_location"),
    ]

    operations = [
        migrations.CreateModel(
            name="Open311Client",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=50, verbose_name="来源系统")),
                ("key_prefix", models.CharField(max_length=8, verbose_name="密钥前缀")),
                ("key_hash", models.CharField(max_length=64, unique=True, verbose_name="密钥摘要")),
                ("active", models.BooleanField(default=True, verbose_name="启用")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="停用时间")),
                ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="最近使用")),
                (
                    "campaign",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="campaigns.campaign", verbose_name="行动"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="open311_clients",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="系统账号",
                    ),
                ),
            ],
            options={
                "verbose_name": "Open311 接入系统",
                "verbose_name_plural": "Open311 接入系统",
                "ordering": ["name", "id"],
            },
        ),
        migrations.CreateModel(
            name="Open311Request",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("first_name", models.CharField(blank=True, max_length=50, verbose_name="名")),
                ("last_name", models.CharField(blank=True, max_length=50, verbose_name="姓")),
                ("phone", models.CharField(blank=True, max_length=30, verbose_name="电话")),
                ("email", models.EmailField(blank=True, max_length=254, verbose_name="电子邮箱")),
                ("device_id", models.CharField(blank=True, max_length=100, verbose_name="设备标识")),
                ("account_id", models.CharField(blank=True, max_length=100, verbose_name="来源账号")),
                ("address_string", models.CharField(blank=True, max_length=200, verbose_name="地址")),
                ("media_url", models.URLField(blank=True, max_length=500, verbose_name="图片链接")),
                (
                    "description",
                    models.TextField(validators=[sijin.core.validators.text_cap()], verbose_name="诉求内容"),
                ),
                ("requested_at", models.DateTimeField(auto_now_add=True, verbose_name="受理时间")),
                (
                    "client",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="requests",
                        to="open311.open311client",
                        verbose_name="来源系统",
                    ),
                ),
                (
                    "problem",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="open311_request",
                        to="problems.problem",
                        verbose_name="问题",
                    ),
                ),
            ],
            options={
                "verbose_name": "Open311 诉求",
                "verbose_name_plural": "Open311 诉求",
                "ordering": ["-requested_at", "-id"],
                "indexes": [models.Index(fields=["client", "requested_at"], name="open311_client_time_idx")],
            },
        ),
    ]
