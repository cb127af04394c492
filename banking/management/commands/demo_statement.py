"""Write a camt.053 statement of today that pays the demo's open invoices, to import on the
Import statement page (or through the API) and watch it matched."""

from pathlib import Path

from django.core.management.base import BaseCommand

from banking.demo import demo_statement_file


class Command(BaseCommand):
    help = "Write a camt.053 demo statement for the demo bank account (DEMO-USD of FAB)."

    def add_arguments(self, parser):
        parser.add_argument("--out", default="var/demo-statement.xml")

    def handle(self, *args, out, **options):
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(demo_statement_file())
        self.stdout.write(self.style.SUCCESS(f"Wrote {path}: import it for bank account DEMO-USD."))
