"""REST API of the receivables room's open transactions: every customer transaction, signed
(debit positive), with what is still open and the cash discounts it offers. Read only; the
services that settle, post and reverse change them."""

from django.db.models import Q
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from core.api import AmountField, IdFilter
from core.money import format_amount

from .api_common import entity_filter_guard
from .discounts import DiscountOffer, open_transaction_discount, open_transaction_discounts
from .models import OpenTransaction
from .selectors import open_transactions_for_user


class OpenTransactionDiscountSerializer(serializers.Serializer):
    until = serializers.DateField()
    percent = serializers.DecimalField(max_digits=7, decimal_places=4)
    amount = AmountField(currency_source="open_transaction.currency")


class OpenTransactionSerializer(serializers.ModelSerializer):
    legal_entity = serializers.CharField(source="legal_entity.code")
    customer = serializers.CharField(source="customer.account")
    customer_id = serializers.IntegerField()
    party = serializers.CharField(source="party.number")
    amount = AmountField()
    open_amount = AmountField()
    accounting_currency = serializers.CharField(source="legal_entity.accounting_currency")
    accounting_amount = AmountField(currency_source="legal_entity.accounting_currency")
    open_accounting_amount = AmountField(currency_source="legal_entity.accounting_currency")
    cash_discounts = serializers.SerializerMethodField(
        help_text="Per discount period: pay by `until` and `amount` is taken off the open "
        "amount (signed like it)"
    )
    cash_discount_available = serializers.SerializerMethodField(
        help_text="The cash discount offered today on the open amount (signed like it): the "
        "period that applies today, or null when none runs any more"
    )
    status = serializers.SerializerMethodField()
    voucher = serializers.IntegerField(source="voucher_id")
    invoice = serializers.IntegerField(source="invoice_id", allow_null=True)
    credit_note = serializers.IntegerField(source="credit_note_id", allow_null=True)
    payment = serializers.IntegerField(source="payment_id", allow_null=True)
    refund = serializers.IntegerField(source="refund_id", allow_null=True)

    class Meta:
        model = OpenTransaction
        fields = [
            "id",
            "legal_entity",
            "customer",
            "customer_id",
            "party",
            "kind",
            "document_number",
            "date",
            "due_date",
            "currency",
            "amount",
            "open_amount",
            "accounting_currency",
            "accounting_amount",
            "open_accounting_amount",
            "cash_discounts",
            "cash_discount_available",
            "status",
            "closed_on",
            "voucher",
            "invoice",
            "credit_note",
            "payment",
            "refund",
        ]
        read_only_fields = fields

    @staticmethod
    def _discount(offer: DiscountOffer, currency: str) -> dict:
        return {
            "until": offer.until.isoformat(),
            "percent": f"{offer.percent:.4f}",
            "amount": format_amount(offer.amount, currency),
        }

    @extend_schema_field(OpenTransactionDiscountSerializer(many=True))
    def get_cash_discounts(self, obj) -> list[dict]:
        """The discount of each period for what is open now (the posted schedule while nothing
        is settled)."""
        return [self._discount(o, obj.currency) for o in open_transaction_discounts(obj)]

    @extend_schema_field(OpenTransactionDiscountSerializer(allow_null=True))
    def get_cash_discount_available(self, obj) -> dict | None:
        offer = open_transaction_discount(obj, on=timezone.localdate())
        return self._discount(offer, obj.currency) if offer else None

    def get_status(self, obj) -> str:
        return "open" if obj.open_amount != 0 else "closed"


class OpenTransactionFilter(filters.FilterSet):
    legal_entity = filters.CharFilter(field_name="legal_entity__code")
    party = filters.CharFilter(field_name="party__number")
    customer = filters.CharFilter(field_name="customer__account")
    customer_id = IdFilter(field_name="customer_id")
    currency = filters.CharFilter()
    kind = filters.ChoiceFilter(choices=OpenTransaction.Kind.choices)
    status = filters.ChoiceFilter(
        choices=[("open", "open"), ("closed", "closed")], method="filter_status"
    )
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = OpenTransaction
        fields = [
            "legal_entity",
            "party",
            "customer",
            "customer_id",
            "currency",
            "kind",
            "status",
            "due_before",
            "date_from",
            "date_to",
        ]

    def filter_status(self, queryset, name, value):
        closed = Q(open_amount=0)
        return queryset.filter(closed if value == "closed" else ~closed)


class OpenTransactionViewSet(viewsets.ReadOnlyModelViewSet):
    """Customer transactions (signed, debit positive) with what is still open and the cash
    discounts they offer."""

    serializer_class = OpenTransactionSerializer
    filterset_class = OpenTransactionFilter
    queryset = OpenTransaction.objects.none()

    def get_queryset(self):
        return open_transactions_for_user(self.request.user).order_by(
            "due_date", "date", "document_number", "id"
        )

    def list(self, request, *args, **kwargs):
        entity_filter_guard(request)
        return super().list(request, *args, **kwargs)
