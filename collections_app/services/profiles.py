"""Writes of a customer's collections profile: its collections agent and its credit hold."""

from django.db import transaction

from core.audit import Actor, audit_record
from core.errors import Conflict, InvalidInput
from entities.models import Customer
from entities.services import customer_update, ensure_can_act

from ..models import Activity, CollectionsProfile
from .common import timeline_activity_add


@transaction.atomic
def collections_agent_assign(*, customer: Customer, agent, actor: Actor) -> CollectionsProfile:
    """Make ``agent`` (a user granted the customer's legal entity, or None) its agent."""
    ensure_can_act(actor, customer.legal_entity, field="customer")
    if agent is not None:
        ensure_can_act(agent, customer.legal_entity, field="agent")
    profile, _ = CollectionsProfile.objects.select_for_update().get_or_create(customer=customer)
    old = profile.agent
    profile.agent = agent
    profile.save()
    audit_record(
        actor=actor,
        action="collections.agent_assigned",
        obj=customer,
        changes={
            "agent": (old.get_username() if old else None, agent.get_username() if agent else None)
        },
        legal_entity=customer.legal_entity,
    )
    return profile


@transaction.atomic
def credit_hold_set(*, customer: Customer, hold: bool, reason: str, actor: Actor) -> Customer:
    """Place (or release) a credit hold: a held customer is blocked, so nothing new is invoiced
    or posted for it until released."""
    if not (reason or "").strip():
        raise InvalidInput("Say why the credit hold changes.", field="reason")
    if customer.blocked == hold:
        state = "on credit hold" if hold else "not on credit hold"
        raise Conflict(f"Customer {customer.account} is already {state}.", field="hold")
    customer = customer_update(customer=customer, data={"blocked": hold}, actor=actor)
    timeline_activity_add(
        customer,
        Activity.Kind.CREDIT_HOLD,
        f"Credit hold {'placed' if hold else 'released'}: {reason.strip()}",
        actor,
    )
    return customer
