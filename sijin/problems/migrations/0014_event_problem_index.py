# A problem's events are found by problemevent_timeline_idx (problem, at); the key's own index only cost
# every insert (the sweep writes hundreds of thousands of events at once).

import django.db.models.deletion
from django.db import migrations, models

from sijin.core.schema import drop_fk_index


class Migration(migrations.Migration):
    dependencies = [
        ("problems", "0013_workbench_indexes"),
    ]

    operations = [
        drop_fk_index(
            "problems",
            "problemevent",
            "problem",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="problems.problem",
                verbose_name="问题",
            ),
        ),
    ]
