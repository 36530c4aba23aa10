# Written by hand (issue 14, province scale): only this index, so that it chains after the other helpers'
# problems migrations, which all depend on 0008_problem_location.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("problems", "0009_list_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="problemevent",
            index=models.Index(fields=["action", "problem", "id"], name="problemevent_action_idx"),
        ),
    ]
