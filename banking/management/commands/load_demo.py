"""Load the demo data once: running it again creates nothing new."""

from django.core.management.base import BaseCommand

from banking.demo import demo_banking
from ledger.demo import demo_load
from receivables.demo import demo_codes, demo_documents, demo_scheduled


class Command(BaseCommand):
    help = (
        "Load the demo group (FAB, FABE, FABW), parties, customers, codes, rates, a few "
        "posted documents and a bank account; idempotent."
    )

    def handle(self, *args, **options):
        codes, customer_defaults = demo_codes()
        parts = (
            codes,
            demo_load(customer_defaults=customer_defaults),
            demo_documents(),
            demo_scheduled(),
            demo_banking(),
        )
        created = ", ".join(part for part in parts if part)
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {created}."))
        else:
            self.stdout.write("Demo data already loaded; nothing to do.")
