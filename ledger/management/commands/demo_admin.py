"""Create the demo administrator (and a demo AR clerk) and print how to sign in."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from core.roles import AR_CLERK, roles_sync
from entities.models import LegalEntity
from entities.services import entity_grant_create
from ledger.demo import demo_password


class Command(BaseCommand):
    help = "Create the demo admin and clerk once; print their sign-in."

    def handle(self, *args, **options):
        password = demo_password()
        User = get_user_model()
        with transaction.atomic():
            roles_sync()
            admin, created = User.objects.get_or_create(
                username="admin", defaults={"is_staff": True, "is_superuser": True}
            )
            if created:
                admin.set_password(password)
                admin.save()
            clerk, created = User.objects.get_or_create(username="clerk")
            if created:
                clerk.set_password(password)
                clerk.save()
                clerk.groups.add(Group.objects.get(name=AR_CLERK))
                for entity in LegalEntity.objects.filter(code__in=["FAB", "FABE"]):
                    entity_grant_create(user=clerk, legal_entity=entity, actor=admin)
        self.stdout.write(
            self.style.SUCCESS(
                "Sign in at http://127.0.0.1:8000/ as admin (all entities) or clerk "
                f"(AR clerk in FAB and FABE), password: {password}"
            )
        )
