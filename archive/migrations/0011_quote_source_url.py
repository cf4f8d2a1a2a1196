"""Quotes record where their text was read (``Quote.source_url``).

The column is added in place with ``ALTER TABLE ... ADD COLUMN`` on both databases. Django's own
``AddField`` would rebuild ``archive_quote`` on SQLite (a new table, copy, drop, rename) for any
NOT NULL column, and that rebuild is refused by the triggers that name the table (integrity rules,
search index, data version). The SQL is what ``AddField`` itself writes on PostgreSQL for this field
(``db_default=""``), and the state operation keeps ``makemigrations`` in step with the model.
"""

from django.db import migrations, models

ADD = "ALTER TABLE archive_quote ADD COLUMN source_url varchar(1000) DEFAULT '' NOT NULL"
DROP = "ALTER TABLE archive_quote DROP COLUMN source_url"


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0010_outlet_index_covers_id"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(ADD, DROP)],
            state_operations=[
                migrations.AddField(
                    model_name="quote",
                    name="source_url",
                    field=models.URLField(
                        blank=True,
                        db_default="",
                        default="",
                        help_text="The page the quote's text was read on (the original or a faithful republished copy).",
                        max_length=1000,
                        verbose_name="read at",
                    ),
                ),
            ],
        ),
    ]
