"""Install the database rules in archive/db_rules.py (triggers on both databases)."""

from django.db import migrations

from archive import db_rules


def forwards(apps, schema_editor) -> None:
    db_rules.install(schema_editor.connection)


def backwards(apps, schema_editor) -> None:
    db_rules.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
