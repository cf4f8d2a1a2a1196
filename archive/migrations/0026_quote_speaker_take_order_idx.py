"""A speaker's quotes indexed by (speaker, take, order) instead of (speaker, take).

The expert page ranks its expert's newest quotes by their take's date, then the take, the quote's
order in it and its id (``views.experts.newest_quotes_of``): 3,840 quotes for the benchmark's expert
at 1,000,000 quotes. With (speaker, take) SQLite read every one of those quotes' rows for its
``order`` (the rows hold the quotes' text); with the order in the index the ranking reads the index
alone (SQLite's indexes hold the rowid, the id): 4.1 to 2.2 ms of the page's CPU
(docs/performance.md, "Cold expert page: one read of the expert's positions"). The new index serves every
lookup the old one did (its first two columns are the old one's), so it replaces it.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0025_take_locks"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="quote",
            index=models.Index(fields=["speaker", "take", "order"], name="quote_speaker_take_order_idx"),
        ),
        migrations.RemoveIndex(model_name="quote", name="quote_speaker_take_idx"),
    ]
