"""Install the database rules in archive/db/rules.py (triggers on both databases)."""

from django.db import migrations

from archive import db


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]

    operations = [db.run_python("rules")]
