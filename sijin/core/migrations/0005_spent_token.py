from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_audit_chain"),
    ]

    operations = [
        migrations.CreateModel(
            name="SpentToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=100, unique=True, verbose_name="令牌")),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="使用时间")),
            ],
            options={
                "verbose_name": "已用表单令牌",
                "verbose_name_plural": "已用表单令牌",
            },
        ),
    ]
