# The A–Z index of experts filters on the first letter of sort_name: an expression index backs it.

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0002_integrity_triggers"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="expert",
            index=models.Index(
                django.db.models.functions.text.Upper(django.db.models.functions.text.Substr("sort_name", 1, 1)),
                name="expert_sort_initial_idx",
            ),
        ),
    ]
