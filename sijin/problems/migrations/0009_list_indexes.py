"""Indexes for the 问题台账 at province scale: one per scope (region subtree, group, handling unit) × sort
(发现日期, 办结期限), each ending with the id the keyset pages seek on; (reported_on, id) and (deadline, id)
read in order; (status, reported_on, id) for a status filter; updated_at for the 工作台's 最近动态.
Problem.Meta.indexes says which query each one serves. Written by hand: only these indexes (no table rebuild
on SQLite, so the title search's triggers stay)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("problems", "0008_problem_location"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(fields=["reported_on", "id"], name="problem_reported_idx"),
        ),
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(fields=["deadline", "id"], name="problem_deadline_idx"),
        ),
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(fields=["region", "reported_on", "id"], name="problem_region_reported_idx"),
        ),
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(fields=["region", "deadline", "id"], name="problem_region_deadline_idx"),
        ),
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(fields=["group", "reported_on", "id"], name="problem_group_reported_idx"),
        ),
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(fields=["group", "deadline", "id"], name="problem_group_deadline_idx"),
        ),
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(fields=["handling_org", "reported_on", "id"], name="problem_org_reported_idx"),
        ),
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(fields=["handling_org", "deadline", "id"], name="problem_org_deadline_idx"),
        ),
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(fields=["status", "reported_on", "id"], name="problem_status_reported_idx"),
        ),
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(fields=["updated_at"], name="problem_updated_idx"),
        ),
    ]
