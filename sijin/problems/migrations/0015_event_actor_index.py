# A problem event's actor is indexed only where there is one: the sweep writes its reminders (hundreds of
# thousands at a province's scale) without an actor, and each index entry is written with the event.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from sijin.core.schema import drop_fk_index


class Migration(migrations.Migration):
    dependencies = [
        ("problems", "0014_event_problem_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        drop_fk_index(
            "problems",
            "problemevent",
            "actor",
            models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                to=settings.AUTH_USER_MODEL,
                verbose_name="操作人",
            ),
        ),
        migrations.AddIndex(
            model_name="problemevent",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)), fields=["actor"], name="problemevent_actor_idx"
            ),
        ),
    ]
