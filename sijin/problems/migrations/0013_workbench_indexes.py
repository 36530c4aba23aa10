# Written by hand (issue 14, the 工作台 at province scale): the workbench's to-dos (desk.todos.board) read each
# kind's first hundred rows in order (办结期限, 发现日期, id) from these, instead of sorting the region's rows.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("problems", "0012_problem_tally"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(
                fields=["deadline", "reported_on", "id"],
                condition=models.Q(status__in=["accepted", "in_progress", "reopened"]),
                name="problem_working_deadline_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(
                fields=["deadline", "reported_on", "id"],
                condition=models.Q(status__in=["reported", "returned", "escalated"]),
                name="problem_routing_deadline_idx",
            ),
        ),
    ]
