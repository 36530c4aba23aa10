# A user's notifications are found by notification_unread_idx (user, read_at) and notification_user_at_idx;
# the key's own index only cost every insert (a sweep writes hundreds of thousands of notifications at once).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from sijin.core.schema import drop_fk_index


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0010_notification_delivery"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        drop_fk_index(
            "core",
            "notification",
            "user",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                to=settings.AUTH_USER_MODEL,
                verbose_name="接收人",
            ),
        ),
    ]
