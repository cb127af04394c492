"""Load the demo data once: running it again creates nothing new."""

from django.core.management.base import BaseCommand

from ledger.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo group (FAB, FABE, FABW), parties, customers, codes and rates; idempotent."

    def handle(self, *args, **options):
        created = demo_load()
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {created}."))
        else:
            self.stdout.write("Demo data already loaded; nothing to do.")
