"""Email alerts (archive/models/alerts.py): subscribers, the lists they follow, and the takes mailed
to each (the unique pair that keeps ``send_alerts`` from mailing a take twice). None of these tables
moves the data version: no public page shows them."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0015_reader_way"),
    ]

    operations = [
        migrations.CreateModel(
            name="Subscriber",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("email", models.EmailField(max_length=254, unique=True)),
                ("created", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.CreateModel(
            name="AlertDelivery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("claimed", models.DateTimeField(auto_now_add=True)),
                ("sent", models.DateTimeField(blank=True, null=True)),
                (
                    "take",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="archive.take"),
                ),
                (
                    "subscriber",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="deliveries", to="archive.subscriber"
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("subscriber", "take"), name="alert_delivery_once")],
            },
        ),
        migrations.CreateModel(
            name="Alert",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("params", models.CharField(blank=True, max_length=2000)),
                ("label", models.CharField(max_length=500)),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("confirmed", models.DateTimeField(blank=True, null=True)),
                (
                    "subscriber",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="alerts", to="archive.subscriber"
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["confirmed", "subscriber"], name="alert_confirmed_idx")],
                "constraints": [
                    models.UniqueConstraint(fields=("subscriber", "params"), name="alert_once_per_subscriber")
                ],
            },
        ),
    ]
