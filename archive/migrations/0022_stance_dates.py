"""Published positions per question, stance and date (archive/db/stance_dates.py): a journal of
counts kept by triggers on the positions and the takes, so a question's chart over time and its
split by stance are read without a pass over every position on the question. And the home page's
totals (archive/db/totals.py): published quotes, public experts and outlets, kept the same way."""

from django.db import migrations

from archive import db


class Migration(migrations.Migration):
    dependencies = [("archive", "0021_take_themes_theme_take_idx")]

    operations = [db.run_python("stance dates"), db.run_python("totals")]
