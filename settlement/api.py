"""REST API of the settlement room: settle, preview, list, reverse."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import IDEMPOTENCY_KEY_PARAMETER, AmountField
from core.idempotency import idempotent
from receivables.models import Payment
from receivables.selectors import invoices_for_user

from .models import Settlement, SettlementLine
from .selectors import settlements_for_user
from .services import (
    SettlementLineInput,
    invoice_correct,
    reimburse,
    settlement_create,
    settlement_reverse,
)
from .services.preview import settlement_preview_data


class SettlementLineInputSerializer(serializers.Serializer):
    transaction = serializers.IntegerField(min_value=1, help_text="Open transaction id")
    amount = AmountField(
        required=False,
        allow_null=True,
        help_text="Cash part to settle (positive); default: all it can",
    )
    cash_discount = AmountField(
        required=False, allow_null=True, help_text="Cash discount to take on an invoice (positive)"
    )
    full_settlement = serializers.BooleanField(required=False, default=False)


class SettlementCreateSerializer(serializers.Serializer):
    date = serializers.DateField()
    primary_payment = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    lines = SettlementLineInputSerializer(many=True, allow_empty=False, max_length=5000)

    def inputs(self) -> dict:
        data = self.validated_data
        return {
            "lines": [
                SettlementLineInput(
                    transaction=line["transaction"],
                    amount=line.get("amount"),
                    cash_discount=line.get("cash_discount"),
                    full_settlement=line.get("full_settlement", False),
                )
                for line in data["lines"]
            ],
            "on": data["date"],
            "primary": data.get("primary_payment"),
        }


class SettlementLineSerializer(serializers.ModelSerializer):
    transaction = serializers.IntegerField(source="open_transaction_id")
    document_number = serializers.CharField(source="open_transaction.document_number")
    legal_entity = serializers.CharField(source="open_transaction.legal_entity.code")
    currency = serializers.CharField(source="open_transaction.currency")
    settled_amount = AmountField(currency_source="open_transaction.currency")
    cash_discount = AmountField(currency_source="open_transaction.currency")
    payment_difference = AmountField(currency_source="open_transaction.currency")
    amount = AmountField(currency_source="open_transaction.currency")
    accounting_amount = AmountField(
        currency_source="open_transaction.legal_entity.accounting_currency"
    )
    fx_difference = AmountField(currency_source="open_transaction.legal_entity.accounting_currency")

    class Meta:
        model = SettlementLine
        fields = [
            "transaction",
            "document_number",
            "legal_entity",
            "currency",
            "settled_amount",
            "cash_discount",
            "payment_difference",
            "full_settlement",
            "amount",
            "accounting_amount",
            "fx_difference",
        ]


class SettlementSerializer(serializers.ModelSerializer):
    party = serializers.CharField(source="party.number")
    primary_payment = serializers.IntegerField(source="primary_payment_id", allow_null=True)
    lines = SettlementLineSerializer(many=True)
    vouchers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    reversal_vouchers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    created_by = serializers.CharField(source="created_by.username", default=None, allow_null=True)

    class Meta:
        model = Settlement
        fields = [
            "id",
            "party",
            "date",
            "currency",
            "primary_payment",
            "status",
            "lines",
            "vouchers",
            "reversal_vouchers",
            "created_by",
            "created_at",
            "reversed_on",
        ]
        read_only_fields = fields


class SettlementReverseSerializer(serializers.Serializer):
    date = serializers.DateField(
        required=False,
        help_text="The reversal vouchers' date (default: the settlement's): not before the "
        "settlement's date, in an open period of every entity it posted in",
    )


class PreviewLineSerializer(serializers.Serializer):
    transaction = serializers.IntegerField(source="transaction.pk")
    document_number = serializers.CharField(source="transaction.document_number")
    currency = serializers.CharField()
    settled_amount = AmountField()
    cash_discount = AmountField()
    payment_difference = AmountField()
    open_amount_after = AmountField()


class PreviewPostingSerializer(serializers.Serializer):
    legal_entity = serializers.CharField(source="legal_entity.code")
    posting_type = serializers.CharField()
    account = serializers.CharField(
        source="account.number", allow_null=True, help_text="Main account number"
    )
    account_name = serializers.CharField(source="account.name", allow_null=True)
    counterparty = serializers.CharField(source="counterparty.code", allow_null=True)
    currency = serializers.CharField()
    amount = AmountField()
    accounting_amount = AmountField(currency_source="accounting_currency")


class PreviewSerializer(serializers.Serializer):
    """A settlement's preview (``settlement_preview_data``), the same the Settle transactions
    page shows: signed amounts per line, every posting of every voucher."""

    lines = PreviewLineSerializer(many=True)
    postings = PreviewPostingSerializer(many=True)


class ReimburseSerializer(serializers.Serializer):
    transaction = serializers.IntegerField(min_value=1, help_text="The open credit to pay back")
    date = serializers.DateField()
    amount = AmountField(required=False, allow_null=True, help_text="Default: the whole credit")
    method = serializers.ChoiceField(choices=Payment.Method.choices, default="electronic")
    reference = serializers.CharField(required=False, allow_blank=True, max_length=60)


class SettlementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Settle open transactions of one party, in any of its entities and accounts: every
    voucher in every entity and every open amount change in one database transaction."""

    serializer_class = SettlementSerializer
    queryset = Settlement.objects.none()
    filterset_fields = {"party__number": ["exact"], "status": ["exact"], "date": ["gte", "lte"]}

    def get_queryset(self):
        return settlements_for_user(self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        request=SettlementCreateSerializer,
        responses={201: SettlementSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    def create(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        data = SettlementCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        settlement = settlement_create(**data.inputs(), actor=request.user)
        return Response(
            SettlementSerializer(self.get_queryset().get(pk=settlement.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=SettlementCreateSerializer, responses={200: PreviewSerializer})
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """What the settlement would do (amounts per line, postings per entity); nothing is
        written."""
        data = SettlementCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        preview = settlement_preview_data(**data.inputs(), actor=request.user)
        return Response(PreviewSerializer(preview).data)

    @extend_schema(
        request=ReimburseSerializer,
        responses={201: SettlementSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=False, methods=["post"])
    def reimburse(self, request):
        """Pay a customer's credit balance back: a refund posted and settled against the credit
        in one transaction."""
        data = ReimburseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data

        def run():
            settlement = reimburse(
                transaction_id=values["transaction"],
                on=values["date"],
                amount=values.get("amount"),
                method=values["method"],
                reference=values.get("reference", ""),
                actor=request.user,
            )
            return Response(
                SettlementSerializer(self.get_queryset().get(pk=settlement.pk)).data,
                status=status.HTTP_201_CREATED,
            )

        return idempotent(request, run)

    @extend_schema(
        request=SettlementReverseSerializer,
        responses={200: SettlementSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Post reversing vouchers and restore the open amounts exactly."""
        settlement = self.get_object()
        data = SettlementReverseSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def run():
            settlement_reverse(
                settlement=settlement, actor=request.user, on=data.validated_data.get("date")
            )
            return Response(SettlementSerializer(self.get_queryset().get(pk=settlement.pk)).data)

        return idempotent(request, run)


# --- correcting an invoice ----------------------------------------------------------------------

# Correcting posts a credit note, settles it and creates an invoice: the role needs all three.
CORRECT_PERMISSIONS = (
    "receivables.add_creditnote",
    "receivables.add_invoice",
    "settlement.add_settlement",
)


class MayCorrectInvoices(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_perms(CORRECT_PERMISSIONS))


class InvoiceCorrectSerializer(serializers.Serializer):
    date = serializers.DateField(
        help_text="The correction date: the credit note's and the settlement's, in an open "
        "period, not before the invoice"
    )


class InvoiceCorrectedSerializer(serializers.Serializer):
    invoice = serializers.IntegerField(source="invoice.pk", help_text="The corrected invoice")
    invoice_number = serializers.CharField(source="invoice.number")
    credit_note = serializers.IntegerField(
        source="credit_note.pk", help_text="Posted, settled against the invoice"
    )
    credit_note_number = serializers.CharField(source="credit_note.number")
    correcting_invoice = serializers.IntegerField(
        source="correcting_invoice.pk", help_text="The draft copy to change and post"
    )
    settlement = serializers.IntegerField(source="settlement.pk")
    date = serializers.DateField(source="correction.date")


class InvoiceCorrectApi(APIView):
    """Correct a posted invoice (Dynamics 365 "Correct"): a credit note of all of it, dated
    ``date`` and settled against it (both closed), and a new draft invoice copying it to change
    and post; the three are linked (``corrected_by_credit_note``, ``correcting_invoice``,
    ``corrects_invoice`` on invoices). Refused: a draft (400), an invoice settled in whole or in
    part (409, naming the settlements), one reversed (400) or already corrected (409)."""

    permission_classes = [MayCorrectInvoices]

    @extend_schema(
        operation_id="invoices_correct_create",
        request=InvoiceCorrectSerializer,
        responses={201: InvoiceCorrectedSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        tags=["invoices"],
    )
    def post(self, request, pk: int):
        invoice = invoices_for_user(request.user).filter(pk=pk).first()
        if invoice is None:
            raise Http404("No such invoice.")
        data = InvoiceCorrectSerializer(data=request.data)
        data.is_valid(raise_exception=True)

        def run():
            done = invoice_correct(
                invoice=invoice, on=data.validated_data["date"], actor=request.user
            )
            return Response(InvoiceCorrectedSerializer(done).data, status=status.HTTP_201_CREATED)

        return idempotent(request, run)
