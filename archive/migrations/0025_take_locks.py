"""PostgreSQL: rows written under a take lock the take first (archive/db/take_locks.py), so the
journals of counts and the who-holds-what table stay exact when two writers meet."""

from django.db import migrations

from archive import db


class Migration(migrations.Migration):
    dependencies = [("archive", "0024_prediction_counts")]

    operations = [db.run_python("take locks")]
