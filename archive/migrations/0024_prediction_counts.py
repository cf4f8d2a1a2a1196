"""Published predictions per outcome, question and horizon (archive/db/prediction_counts.py): a journal
of counts kept by triggers on the predictions and takes, so the paginator of /predictions/ sums a few
thousand rows instead of joining every prediction with its take."""

from django.db import migrations

from archive import db


class Migration(migrations.Migration):
    dependencies = [("archive", "0023_expert_records")]

    operations = [db.run_python("prediction counts")]
