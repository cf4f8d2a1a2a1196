"""Email alerts (docs/open-data.md "Alerts"): follow a search, an expert or a question; double
opt-in, one-click unsubscribe, and ``manage.py send_alerts`` mailing each take once."""
