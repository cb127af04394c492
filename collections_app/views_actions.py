"""Browser actions of a customer's collections view: log an activity, dispute or resolve, write
off, send a letter, credit hold, agent. One form and one view per action, each calling one
service; errors go back to the customer view beside their field, and nothing typed is lost."""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.money import format_amount_localized

from .forms import (
    ActivityForm,
    AgentForm,
    CreditHoldForm,
    DisputeForm,
    LetterForm,
    ResolveForm,
    WriteOffForm,
)
from .selectors import (
    collections_agent_by_username,
    collections_customer_for_user,
    collections_transaction_for_user,
    open_dispute_for_user,
)
from .services import (
    ActivityInput,
    activity_log,
    collections_agent_assign,
    credit_hold_set,
    dispute_open,
    dispute_resolve,
    letter_send,
    write_off_create,
)

# What each action of the customer view needs of the user's role (the API asks the same).
ACTION_PERMISSIONS = {
    "activity": "collections_app.add_activity",
    "dispute": "collections_app.add_dispute",
    "resolve": "collections_app.change_dispute",
    "write-off": "collections_app.add_writeoff",
    "letter": "collections_app.add_collectionletter",
    "credit-hold": "entities.change_customer",
    "agent": "entities.change_customer",
}


def _back(request, customer_pk: int, *, errors=None, form=None):
    if errors:
        request.session["collections_errors"] = errors
        request.session["collections_form"] = form or {}
    return redirect("collections-customer", pk=customer_pk)


def _act(request, pk: int, verb: str, form_class, act: Callable) -> object:
    """Check the customer and the role, parse the form, run ``act(customer, cleaned_data)``
    (one service call, returning the message to show) and go back to the customer view.

    Errors are keyed by the action (``write_off_amount``; ``write_off_general`` and ``general``
    for a service error without a field) so the view puts each beside its own form."""
    customer = collections_customer_for_user(request.user, pk)
    if customer is None:
        raise Http404("No such customer.")
    if not request.user.has_perm(ACTION_PERMISSIONS[verb]):
        messages.error(request, _("Your role may not do this."))
        return _back(request, pk)
    typed = {k: request.POST.get(k, "") for k in request.POST if k != "csrfmiddlewaretoken"}
    prefix = verb.replace("-", "_")
    form = form_class(request.POST)
    if not form.is_valid():
        errors = {f"{prefix}_{name}": problems[0] for name, problems in form.errors.items()}
        return _back(request, pk, errors=errors, form=typed)
    try:
        done = act(customer, form.cleaned_data)
    except ApplicationError as exc:
        field = f"{prefix}_{exc.field}" if exc.field else f"{prefix}_general"
        return _back(request, pk, errors={field: exc.message, "general": exc.message}, form=typed)
    messages.success(request, done)
    return _back(request, pk)


def _transaction_or_404(user, pk: object):
    open_transaction = collections_transaction_for_user(user, pk)
    if open_transaction is None:
        raise Http404("No such transaction.")
    return open_transaction


@require_POST
def activity_log_view(request, pk: int):
    def act(customer, data):
        activity_log(customer=customer, data=ActivityInput(**data), actor=request.user)
        return _("Activity logged.")

    return _act(request, pk, "activity", ActivityForm, act)


@require_POST
def dispute_open_view(request, pk: int):
    def act(customer, data):
        dispute_open(
            open_transaction=_transaction_or_404(request.user, data["transaction"]),
            reason=data["reason"],
            actor=request.user,
        )
        return _("Transaction put in dispute.")

    return _act(request, pk, "dispute", DisputeForm, act)


@require_POST
def dispute_resolve_view(request, pk: int):
    def act(customer, data):
        dispute = open_dispute_for_user(request.user, data["dispute"])
        if dispute is None:
            raise Http404("No such dispute.")
        dispute_resolve(dispute=dispute, resolution=data["resolution"], actor=request.user)
        return _("Dispute resolved.")

    return _act(request, pk, "resolve", ResolveForm, act)


@require_POST
def write_off_create_view(request, pk: int):
    def act(customer, data):
        write_off = write_off_create(
            open_transaction=_transaction_or_404(request.user, data["transaction"]),
            amount=data["amount"],
            reason=data["reason"],
            actor=request.user,
        )
        return _("%(amount)s %(currency)s written off.") % {
            "amount": format_amount_localized(write_off.amount, write_off.currency),
            "currency": write_off.currency,
        }

    return _act(request, pk, "write-off", WriteOffForm, act)


@require_POST
def letter_send_view(request, pk: int):
    def act(customer, data):
        letter = letter_send(customer=customer, actor=request.user, email=data["email"] or None)
        return _letter_outcome(letter)

    return _act(request, pk, "letter", LetterForm, act)


def _letter_outcome(letter) -> str:
    """What became of the letter: emailed (after its transaction committed), or not, and why."""
    from .models import CollectionLetter

    emailed_at = CollectionLetter.objects.filter(pk=letter.pk).values_list("emailed_at", flat=True)
    values = {"step": letter.step.step, "email": letter.emailed_to}
    if not letter.emailed_to:
        return (
            _(
                "Letter %(step)s created, not emailed: the customer has no contact email. Print "
                "it from the customer page, or send it again with an address."
            )
            % values
        )
    if emailed_at.first() is None:
        return (
            _(
                "Letter %(step)s created, but emailing it to %(email)s failed: print it from "
                "the customer page."
            )
            % values
        )
    return _("Letter %(step)s emailed to %(email)s.") % values


@require_POST
def credit_hold_set_view(request, pk: int):
    def act(customer, data):
        customer = credit_hold_set(
            customer=customer, hold=data["hold"], reason=data["reason"], actor=request.user
        )
        return _("Credit hold placed.") if customer.blocked else _("Credit hold released.")

    return _act(request, pk, "credit-hold", CreditHoldForm, act)


@require_POST
def agent_assign_view(request, pk: int):
    def act(customer, data):
        agent = collections_agent_by_username(data["agent"])
        collections_agent_assign(customer=customer, agent=agent, actor=request.user)
        return _("Agent assigned.") if agent else _("Agent removed.")

    return _act(request, pk, "agent", AgentForm, act)


ACTION_VIEWS = {
    "activity": activity_log_view,
    "dispute": dispute_open_view,
    "resolve": dispute_resolve_view,
    "write-off": write_off_create_view,
    "letter": letter_send_view,
    "credit-hold": credit_hold_set_view,
    "agent": agent_assign_view,
}


@require_POST
def customer_collections_action(request, pk: int, verb: str):
    """The customer view's forms post to one address per action: the action's own view."""
    view = ACTION_VIEWS.get(verb)
    if view is None:
        raise Http404("No such action.")
    return view(request, pk)
