"""The collections room of the demo: a collections agent per region, each with the demo's
customers of their legal entities and a customer pool of their own, so that the collections
page opens on an agent's worklist. Idempotent: an agent or pool that exists is left alone."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from core.roles import COLLECTIONS_MANAGER, roles_sync
from entities.models import Customer, LegalEntity
from entities.services import entity_grant_create

from .models import CollectionsProfile, CustomerPool
from .services.pools import customer_pool_save
from .services.profiles import collections_agent_assign

# (username, legal entities worked, pool code, pool name)
DEMO_AGENTS = (
    ("collector-west", ("FAB", "FABW"), "AGENT-WEST", "Collector West: my customers"),
    ("collector-east", ("FABE",), "AGENT-EAST", "Collector East: my customers"),
)


@transaction.atomic
def demo_collections(*, password: str) -> list[str]:
    """Create the demo's collections agents (signing in with ``password``), make each the agent
    of the customers of their entities that have none, and give each a customer pool of the
    customers they work. What was created, for the command to say."""
    roles_sync()
    users = get_user_model()
    entities = {e.code: e for e in LegalEntity.objects.all()}
    created = []
    for username, codes, pool_code, pool_name in DEMO_AGENTS:
        worked = [entities[code] for code in codes if code in entities]
        if not worked:
            continue
        agent, new = users.objects.get_or_create(username=username)
        if new:
            agent.set_password(password)
            agent.save()
            agent.groups.add(Group.objects.get(name=COLLECTIONS_MANAGER))
            created.append(f"agent {username}")
        for entity in worked:
            entity_grant_create(user=agent, legal_entity=entity, actor=None)
        unassigned = Customer.objects.filter(legal_entity__in=worked).exclude(
            pk__in=CollectionsProfile.objects.filter(agent__isnull=False).values("customer_id")
        )
        for customer in unassigned.order_by("pk"):
            collections_agent_assign(customer=customer, agent=agent, actor=None)
        if not CustomerPool.objects.filter(code=pool_code).exists():
            customer_pool_save(
                code=pool_code,
                name=pool_name,
                criteria={"agent": username, "legal_entities": [e.code for e in worked]},
                actor=None,
            )
            created.append(f"pool {pool_code}")
    return created
