"""Create the demo's collections agents, their customers and their customer pools once."""

from django.core.management.base import BaseCommand

from collections_app.demo import DEMO_AGENTS, demo_collections
from ledger.demo import demo_password


class Command(BaseCommand):
    help = "Create a collections agent per region with their customers and a customer pool; once."

    def handle(self, *args, **options):
        created = demo_collections(password=demo_password())
        agents = " and ".join(username for username, *_ in DEMO_AGENTS)
        if created:
            self.stdout.write(self.style.SUCCESS(f"Collections demo: {', '.join(created)}."))
        else:
            self.stdout.write("Collections demo already loaded; nothing to do.")
        self.stdout.write(
            f"Collections agents {agents} sign in with the demo password; the collections page "
            "lists each one's pool."
        )
