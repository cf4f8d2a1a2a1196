"""The data version (archive/data_version.py): a number the database moves on every write to an
editorial table, so figures computed from the whole archive can be cached until it moves."""

from django.db import migrations

from archive import data_version


def forwards(apps, schema_editor) -> None:
    data_version.install(schema_editor.connection)


def backwards(apps, schema_editor) -> None:
    data_version.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("archive", "0006_expert_stance")]

    operations = [migrations.RunPython(forwards, backwards)]
