# The 工作台 at province scale, and fewer indexes written with every problem:
# - problem_org_target_idx (handling unit, target): a handler's targets from the index alone (accounts.access
#   target_ids), counted and their outcomes summed on the 工作台.
# - problemduetally_accept_idx: the 工作台's 应签收, the unsigned problems' days from today on.
# - The keys group, region and handling_org lose their own indexes: the composite indexes that begin with them
#   serve every lookup (group_*, region_*, org_*), and each index is written with every problem (an import's
#   COPY of 10,000 problems at 1,000,000: 925 → 804 ms without these and a second index of target, measured
#   in a rolled-back transaction). problem_target_idx was the key's own index again.

import django.db.models.deletion
from django.db import migrations, models

from sijin.core.schema import drop_fk_index


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0006_document_title_optional"),
        ("directory", "0001_initial"),
        ("problems", "0015_event_actor_index"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="problem", name="problem_target_idx"),
        drop_fk_index(
            "problems",
            "problem",
            "group",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="problems",
                to="campaigns.workgroup",
                verbose_name="工作组",
            ),
        ),
        drop_fk_index(
            "problems",
            "problem",
            "handling_org",
            models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="problems",
                to="directory.organization",
                verbose_name="承办单位",
            ),
        ),
        drop_fk_index(
            "problems",
            "problem",
            "region",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                to="directory.region",
                verbose_name="所在区划",
            ),
        ),
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(fields=["handling_org", "target"], name="problem_org_target_idx"),
        ),
        migrations.AddIndex(
            model_name="problemduetally",
            index=models.Index(
                condition=models.Q(("what", "accept_by")), fields=["day"], name="problemduetally_accept_idx"
            ),
        ),
    ]
