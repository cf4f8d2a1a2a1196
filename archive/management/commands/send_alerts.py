"""manage.py send_alerts: mail each confirmed alert's new takes (archive/alerts/sending.py).

Run it from cron (every hour, say). Safe to run again at any time, and after an interrupted run:
a take is never mailed twice to one address.
"""

from django.core.management.base import BaseCommand

from archive.alerts.sending import send_alerts


class Command(BaseCommand):
    help = "Mail each confirmed alert the takes published since its last mail (never a take twice)."

    def handle(self, *args, **options) -> None:
        loud = options["verbosity"] >= 1
        report = send_alerts(progress=lambda line: self.stderr.write(line) if loud else None)
        if report.in_doubt:
            self.stderr.write(
                f"{report.in_doubt:,} takes were claimed by an interrupted run and may not have been mailed; "
                "they are not sent again."
            )
        if report.refused:
            self.stderr.write(f"{report.refused:,} mails were refused by the mail server; they will be tried again.")
        if loud:
            self.stdout.write(
                f"{report.mails:,} mails sent with {report.takes:,} takes to {report.subscribers:,} subscribers"
                f" ({report.skipped:,} left to another run)."
            )
