"""Published takes per date (archive/db/take_dates.py): a journal of counts kept by triggers on the
takes, so the unfiltered take list and the home page chart and count them without a pass over
every take."""

from django.db import migrations

from archive import db


class Migration(migrations.Migration):
    dependencies = [("archive", "0019_search_one_meaning")]

    operations = [db.run_python("take dates")]
