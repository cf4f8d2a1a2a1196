"""Who holds what (archive/db/stances.py): the summary table ``archive_expertstance``, its triggers on
both databases, and a set-wise backfill (installing the missing triggers fills the table).
Re-checked after every migrate (archive/db/__init__.py)."""

import django.db.models.deletion
from django.db import migrations, models

from archive import db


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0005_performance"),
    ]

    operations = [
        migrations.CreateModel(
            name="ExpertStance",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("takes", models.PositiveIntegerField(editable=False)),
                ("newest", models.DateField(editable=False, null=True)),
                (
                    "expert",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="held_stances",
                        to="archive.expert",
                    ),
                ),
                (
                    "question",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="held_stances",
                        to="archive.question",
                    ),
                ),
                (
                    "stance",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="held_stances",
                        to="archive.stance",
                    ),
                ),
            ],
            options={
                "ordering": ["expert", "question", "stance"],
                "indexes": [models.Index(fields=["question", "stance", "expert"], name="expertstance_q_stance_idx")],
                "constraints": [
                    models.UniqueConstraint(fields=("expert", "question", "stance"), name="expertstance_once"),
                    models.CheckConstraint(condition=models.Q(("takes__gt", 0)), name="expertstance_takes_positive"),
                ],
            },
        ),
        db.run_python("stances"),
    ]
