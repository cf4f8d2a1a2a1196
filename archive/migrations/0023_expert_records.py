"""Experts' prediction records (archive/db/expert_records.py): a journal of sums kept by triggers on
the predictions, authorships and takes, so the leaderboard of /predictions/ and an expert's record
are read without joining every published take with its authors and predictions."""

from django.db import migrations

from archive import db


class Migration(migrations.Migration):
    dependencies = [("archive", "0022_stance_dates")]

    operations = [db.run_python("expert records")]
