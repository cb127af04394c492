"""Reads of the receivables room: documents and open transactions a user may see."""

from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from core.aggregates import DecimalSum
from entities.models import Customer, LegalEntity
from entities.selectors import User, in_granted_entities, user_can_act_in

from .discounts import open_transaction_discounts

# The locking reads of open transactions, kept in their own module, are asked for here too.
from .locks import open_transactions_for_update as open_transactions_for_update
from .locks import open_transactions_in_bulk as open_transactions_in_bulk
from .locks import (
    open_transactions_matching_for_update as open_transactions_matching_for_update,
)
from .models import (
    CreditNote,
    Invoice,
    OpenTransaction,
    OpenTransactionDiscount,
    Payment,
)


def _scoped(qs: QuerySet, user: User | None) -> QuerySet:
    return in_granted_entities(qs, user)


def invoices_for_user(user: User | None) -> QuerySet[Invoice]:
    return _scoped(
        Invoice.objects.select_related(
            "legal_entity",
            "customer__party",
            "payment_terms",
            "cash_discount",
            "open_transaction",
            "correction",
            "corrects",
        ).prefetch_related("lines__sales_tax_code", "lines__account"),
        user,
    )


def credit_notes_for_user(user: User | None) -> QuerySet[CreditNote]:
    return _scoped(
        CreditNote.objects.select_related(
            "legal_entity",
            "customer__party",
            "payment_terms",
            "cash_discount",
            "invoice",
            "open_transaction",
            "correction",
        ).prefetch_related("lines__sales_tax_code", "lines__account"),
        user,
    )


def payments_for_user(user: User | None) -> QuerySet[Payment]:
    return _scoped(
        Payment.objects.select_related("legal_entity", "customer__party", "open_transaction"),
        user,
    )


def open_transactions_for_user(user: User | None) -> QuerySet[OpenTransaction]:
    return _scoped(
        OpenTransaction.objects.select_related(
            "legal_entity", "customer", "party"
        ).prefetch_related(
            Prefetch("cash_discounts", queryset=OpenTransactionDiscount.objects.order_by("until"))
        ),
        user,
    )


def customer_resolve(legal_entity: LegalEntity, value: object) -> Customer | None:
    """A customer of ``legal_entity`` by account number, or by id when no account matches."""
    text = str(value).strip()
    if not text or "\x00" in text:
        return None
    customer = (
        Customer.objects.select_related("legal_entity", "party", "payment_terms", "cash_discount")
        .filter(legal_entity=legal_entity, account=text)
        .first()
    )
    if customer is None and text.isdigit() and len(text) < 18:
        customer = (
            Customer.objects.select_related("legal_entity", "party")
            .filter(legal_entity=legal_entity, pk=int(text))
            .first()
        )
    return customer


def customer_for_user(user: User | None, pk: int) -> Customer | None:
    """A customer account with its party and legal entity, when ``user`` may act in its
    entity."""
    customer = Customer.objects.select_related("party", "legal_entity").filter(pk=pk).first()
    if customer is None or not user_can_act_in(user, customer.legal_entity):
        return None
    return customer


def customer_overview(
    customer: Customer, user: User | None, *, as_of: date, show_closed: bool
) -> dict:
    """What a customer's page shows of its party across the granted entities: the accounts,
    the transactions (the closed ones too with ``show_closed``), each with its days overdue and
    the discounts it offers on ``as_of``, the open balance per entity and per accounting
    currency, and the aging of what is open."""
    accounts = in_granted_entities(
        Customer.objects.filter(party=customer.party).select_related("legal_entity"), user
    )
    transactions = in_granted_entities(
        OpenTransaction.objects.filter(party=customer.party)
        .select_related("legal_entity", "customer")
        .prefetch_related("cash_discounts"),
        user,
    )
    open_items = [
        t
        for t in transactions.order_by("due_date", "date", "id")
        if show_closed or t.open_amount != 0
    ]
    open_only = [t for t in open_items if t.open_amount != 0]
    for t in open_items:
        t.days_overdue = max((as_of - t.due_date).days, 0) if t.open_amount > 0 else 0
        t.discounts_offered = open_transaction_discounts(t, on=as_of)
    balances = _balances_by_entity(open_only)
    return {
        "accounts": accounts,
        "open_items": open_items,
        "balances": balances,
        "totals": _totals_by_currency(balances),
        "aging": aging_summary(open_only, as_of=as_of),
    }


def _balances_by_entity(transactions: list[OpenTransaction]) -> list[dict]:
    """The open accounting amounts summed per legal entity, in the order first met."""
    balances: dict[str, dict] = {}
    for t in transactions:
        row = balances.setdefault(
            t.legal_entity.code,
            {
                "entity": t.legal_entity,
                "currency": t.legal_entity.accounting_currency,
                "balance": Decimal(0),
            },
        )
        row["balance"] += t.open_accounting_amount
    return list(balances.values())


def _totals_by_currency(balances: list[dict]) -> dict[str, Decimal]:
    """Entity balances are in each entity's accounting currency: they add up per currency."""
    totals: dict[str, Decimal] = {}
    for row in balances:
        totals[row["currency"]] = totals.get(row["currency"], Decimal(0)) + row["balance"]
    return totals


def document_for_user(
    user: User | None, model: type[Invoice] | type[CreditNote], pk: int
) -> Invoice | CreditNote | None:
    """An invoice or credit note (``model``) with what its pages show of it, when ``user`` may
    act in its legal entity."""
    # The documents of a correction (original → credit note → correcting invoice) link to
    # each other on their pages.
    links = (
        [
            "correction__credit_note",
            "correction__correcting_invoice",
            "corrects__original",
            "corrects__credit_note",
        ]
        if model is Invoice
        else ["invoice", "correction__correcting_invoice"]
    )
    document = (
        model.objects.select_related(
            "legal_entity", "customer__party", "payment_terms", "cash_discount", "voucher", *links
        )
        .filter(pk=pk)
        .first()
    )
    if document is None or not user_can_act_in(user, document.legal_entity):
        return None
    return document


def document_lines(document: Invoice | CreditNote) -> QuerySet:
    return document.lines.select_related("sales_tax_code", "account")


def document_open_transaction(
    document: Invoice | CreditNote, *, on: date
) -> OpenTransaction | None:
    """The open transaction a posted document made, with the discounts it offers on ``on``."""
    field = "credit_note" if isinstance(document, CreditNote) else "invoice"
    open_transaction = (
        OpenTransaction.objects.filter(**{field: document})
        .select_related("legal_entity")
        .prefetch_related("cash_discounts")
        .first()
    )
    if open_transaction is not None:
        open_transaction.discounts_offered = open_transaction_discounts(open_transaction, on=on)
    return open_transaction


def documents_for_entity(
    model: type[Invoice] | type[CreditNote], legal_entity: LegalEntity, *, status: str = ""
) -> QuerySet:
    """A legal entity's invoices or credit notes (``model``), the latest first, of one status
    when given."""
    documents = (
        model.objects.filter(legal_entity=legal_entity)
        .select_related("customer__party")
        .order_by("-date", "-id")
    )
    return documents.filter(status=status) if status else documents


def payments_for_entity(user: User | None, legal_entity: LegalEntity) -> QuerySet[Payment]:
    """A legal entity's payments that ``user`` may see, the latest first."""
    return payments_for_user(user).filter(legal_entity=legal_entity).order_by("-date", "-id")


# Default aging periods (days overdue); the collections room makes them configurable. The labels
# stay English here (the API gives them); pages translate them as they show them.
DEFAULT_AGING_PERIODS: tuple[tuple[str, int | None, int | None], ...] = (
    (gettext_noop("Current"), None, 0),
    ("1–30", 1, 30),
    ("31–60", 31, 60),
    ("61–90", 61, 90),
    (gettext_noop("Over 90"), 91, None),
)


def customers_for_user(
    user: User | None, *, entity_code: str = "", query: str = ""
) -> QuerySet[Customer]:
    """Customer accounts of the granted entities (of one entity by code), matching ``query`` in
    account, name, party number or name, each with its open ``balance`` in the accounting
    currency, by party name."""
    customers = in_granted_entities(Customer.objects.select_related("legal_entity", "party"), user)
    if entity_code:
        customers = customers.filter(legal_entity__code=entity_code)
    if query:
        customers = customers.filter(
            Q(account__icontains=query)
            | Q(name__icontains=query)
            | Q(party__number__icontains=query)
            | Q(party__name__icontains=query)
        )
    return customers.annotate(
        balance=Coalesce(
            DecimalSum("open_transactions__open_amount"),
            Value(Decimal(0)),
            output_field=DecimalField(max_digits=24, decimal_places=4),
        )
    ).order_by("party__name", "legal_entity__code", "account")


def aging_summary(transactions, *, as_of: date) -> dict:
    """Open accounting amounts per aging period, by days past the due date, per accounting
    currency (the entities of a party may keep their books in different ones):
    ``{"labels": [...], "rows": [{"currency", "amounts": [...]}]}``, currencies sorted."""
    labels = [label for label, _, _ in DEFAULT_AGING_PERIODS]
    totals: dict[str, list[Decimal]] = {}
    for t in transactions:
        amounts = totals.setdefault(t.legal_entity.accounting_currency, [Decimal(0)] * len(labels))
        overdue = (as_of - t.due_date).days
        for index, (_, low, high) in enumerate(DEFAULT_AGING_PERIODS):
            if (low is None or overdue >= low) and (high is None or overdue <= high):
                amounts[index] += t.open_accounting_amount
                break
    rows = [{"currency": c, "amounts": totals[c]} for c in sorted(totals)]
    return {"labels": labels, "rows": rows}


def home_summaries(user: User | None, *, as_of: date) -> list[dict]:
    """Per granted legal entity: open invoices, what is overdue, the customer balance and the
    drafts waiting to be posted (five grouped queries whatever the number of entities)."""
    from django.db.models import Count, Q

    from core.aggregates import DecimalSum
    from entities.selectors import legal_entities_for_user

    entities = list(legal_entities_for_user(user))
    ids = [e.pk for e in entities]
    debits = OpenTransaction.objects.filter(legal_entity_id__in=ids, open_amount__gt=0)
    open_debits = {
        row["legal_entity_id"]: row
        for row in debits.values("legal_entity_id").annotate(
            count=Count("id"),
            amount=DecimalSum("open_accounting_amount"),
            overdue=DecimalSum("open_accounting_amount", filter=Q(due_date__lt=as_of)),
            overdue_count=Count("id", filter=Q(due_date__lt=as_of)),
        )
    }
    balances = dict(
        OpenTransaction.objects.filter(legal_entity_id__in=ids)
        .exclude(open_amount=0)
        .values_list("legal_entity_id")
        .annotate(total=DecimalSum("open_accounting_amount"))
    )

    def drafts(model) -> dict[int, int]:
        return dict(
            model.objects.filter(legal_entity_id__in=ids, status="draft")
            .values_list("legal_entity_id")
            .annotate(n=Count("id"))
        )

    draft_invoices, draft_credit_notes, draft_payments = (
        drafts(Invoice),
        drafts(CreditNote),
        drafts(Payment),
    )
    zero = Decimal(0)
    return [
        {
            "entity": e,
            "open_invoices": open_debits.get(e.pk, {}).get("count", 0),
            "open_amount": open_debits.get(e.pk, {}).get("amount") or zero,
            "overdue": open_debits.get(e.pk, {}).get("overdue") or zero,
            "overdue_count": open_debits.get(e.pk, {}).get("overdue_count", 0),
            "customer_balance": balances.get(e.pk, zero),
            "drafts": draft_invoices.get(e.pk, 0) + draft_credit_notes.get(e.pk, 0),
            "unposted_payments": draft_payments.get(e.pk, 0),
        }
        for e in entities
    ]


def recurring_templates_for_user(user: User | None) -> QuerySet:
    from .models import RecurringInvoiceTemplate

    return _scoped(
        RecurringInvoiceTemplate.objects.select_related(
            "legal_entity", "payment_terms", "cash_discount"
        ).prefetch_related("lines__sales_tax_code", "lines__account"),
        user,
    )


def recurring_assignments_for_user(user: User | None) -> QuerySet:
    from django.db.models import Count, Max

    from .models import RecurringInvoiceAssignment

    qs = RecurringInvoiceAssignment.objects.select_related(
        "template__legal_entity", "customer"
    ).annotate(generated_count=Count("generated"), last_period=Max("generated__period_date"))
    return in_granted_entities(qs, user, field="template__legal_entity_id")


def recurring_occurrences_for_user(user: User | None) -> QuerySet:
    from .models import RecurringInvoiceOccurrence

    qs = RecurringInvoiceOccurrence.objects.select_related(
        "assignment__template__legal_entity", "assignment__customer", "invoice"
    )
    return in_granted_entities(qs, user, field="assignment__template__legal_entity_id")


def interest_notes_for_user(user: User | None) -> QuerySet:
    from .models import InterestNote, InterestNoteLine

    return _scoped(
        InterestNote.objects.select_related(
            "legal_entity", "customer__party", "interest_code", "voucher", "reversal_voucher"
        ).prefetch_related(
            Prefetch(
                "lines",
                queryset=InterestNoteLine.objects.select_related("open_transaction").order_by(
                    "due_date", "document_number", "period_start"
                ),
            )
        ),
        user,
    )
