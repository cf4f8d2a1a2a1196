"""The data version (archive/db/data_version.py): a number the database moves on every write to an
editorial table, so figures computed from the whole archive can be cached until it moves."""

from django.db import migrations

from archive import db


class Migration(migrations.Migration):
    dependencies = [("archive", "0006_expert_stance")]

    operations = [db.run_python("data version")]
