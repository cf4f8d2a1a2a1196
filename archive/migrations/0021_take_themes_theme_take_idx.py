"""An index on the take-theme tags by (theme, take): the takes of a theme read from the index alone.

A take list filtered by a theme and another filter (an outlet, say) counts its facets over the takes
of the other filters with that theme; PostgreSQL then hashes every tag of the theme (34,000 at
100,000 takes) read through ``theme_id``'s own index, row by row (955 buffers, 23–35 ms for the
three-filter list's kind facet). With (theme_id, take_id) it reads them from the index alone (177
buffers, about 11 ms; docs/performance.md, "Eighth round"). The through table is Django's own (an
implicit many-to-many), so the index is plain SQL, the same on both databases.
"""

from django.db import migrations

INDEX = "take_themes_theme_take_idx"


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0020_take_dates"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON archive_take_themes (theme_id, take_id)",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
