"""Bills of exchange through the API (``bills-of-exchange``): draw on a customer for some of its
open debits, then one action per step (accept, remit, settle, protest) and reverse the last
step. Each action parses its input, calls one service and returns the bill."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import IDEMPOTENCY_KEY_PARAMETER, AmountField
from core.idempotency import idempotent
from entities.exceptions import EntityAccessDenied
from entities.selectors import user_can_act_in
from receivables.api_common import customer_named, legal_entity_named

from ..exceptions import BillInvalid
from ..models import BillOfExchange, BillOfExchangeStep
from ..selectors import bank_accounts_for_user, bills_for_user
from ..services.bills import (
    REMIT_MODES,
    allowed_steps,
    bill_accept,
    bill_draw,
    bill_protest,
    bill_remit,
    bill_reverse,
    bill_settle,
)


class BillTransactionSerializer(serializers.Serializer):
    transaction = serializers.IntegerField(source="open_transaction_id")
    document_number = serializers.CharField(source="open_transaction.document_number")
    amount = AmountField(currency_source="bill.currency")


class BillStepSerializer(serializers.ModelSerializer):
    bank_account = serializers.IntegerField(source="bank_account_id", allow_null=True)
    charges = AmountField(currency_source="bill.currency")
    voucher = serializers.IntegerField(source="voucher_id", allow_null=True)
    reversal_voucher = serializers.IntegerField(source="reversal_voucher_id", allow_null=True)

    class Meta:
        model = BillOfExchangeStep
        fields = [
            "id",
            "kind",
            "date",
            "status_before",
            "status_after",
            "bank_account",
            "charges",
            "voucher",
            "reversal_voucher",
            "reversed_on",
        ]
        read_only_fields = fields


class BillOfExchangeSerializer(serializers.ModelSerializer):
    legal_entity = serializers.CharField(source="legal_entity.code")
    customer = serializers.CharField(source="customer.account")
    customer_id = serializers.IntegerField()
    party = serializers.CharField(source="customer.party.number")
    amount = AmountField()
    accounting_amount = AmountField(currency_source="legal_entity.accounting_currency")
    bank_account = serializers.IntegerField(source="bank_account_id", allow_null=True)
    payment = serializers.IntegerField(source="payment_id")
    settlement = serializers.IntegerField(source="settlement_id")
    protest_transaction = serializers.IntegerField(source="protest_transaction_id", allow_null=True)
    transactions = BillTransactionSerializer(many=True)
    steps = BillStepSerializer(many=True)
    allowed_steps = serializers.SerializerMethodField()

    class Meta:
        model = BillOfExchange
        fields = [
            "id",
            "number",
            "legal_entity",
            "customer",
            "customer_id",
            "party",
            "date",
            "due_date",
            "amount",
            "currency",
            "accounting_amount",
            "status",
            "allowed_steps",
            "bank_account",
            "payment",
            "settlement",
            "protest_transaction",
            "transactions",
            "steps",
        ]
        read_only_fields = fields

    def get_allowed_steps(self, obj) -> list[str]:
        return allowed_steps(obj.status)


class BillDrawSerializer(serializers.Serializer):
    legal_entity = serializers.CharField(max_length=10)
    customer = serializers.CharField(max_length=20)
    date = serializers.DateField(required=False, help_text="Default: today")
    due_date = serializers.DateField()
    transactions = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=200
    )


class BillDateSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="Default: today")


class BillRemitSerializer(BillDateSerializer):
    bank_account = serializers.IntegerField(min_value=1)
    mode = serializers.ChoiceField(choices=sorted(REMIT_MODES))
    charges = AmountField(required=False, allow_null=True)


class BillProtestSerializer(BillDateSerializer):
    charges = AmountField(required=False, allow_null=True)
    bank_account = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class BillReverseSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="Default: the step's own date")


class BillFilter(filters.FilterSet):
    legal_entity = filters.CharFilter(field_name="legal_entity__code")
    customer = filters.CharFilter(field_name="customer__account")
    status = filters.ChoiceFilter(choices=BillOfExchange.Status.choices)
    due_from = filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_to = filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = BillOfExchange
        fields = ["legal_entity", "customer", "status", "number", "currency"]


def _today():
    from django.utils import timezone

    return timezone.localdate()


class BillOfExchangeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Bills of exchange: ``POST`` draws one on a customer for some of its open debits (they are
    settled by it); ``/accept/``, ``/remit/``, ``/settle/``, ``/protest/`` take the next step
    (a step out of order is a 409 naming the allowed ones); ``/reverse/`` reverses the last."""

    serializer_class = BillOfExchangeSerializer
    filterset_class = BillFilter
    queryset = BillOfExchange.objects.none()

    def get_queryset(self):
        return bills_for_user(self.request.user).order_by("-date", "-id")

    def _output(self, bill, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=bill.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _input(self, serializer_class):
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data

    @extend_schema(
        request=BillDrawSerializer,
        responses={201: BillOfExchangeSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    def create(self, request):
        return idempotent(request, lambda: self._draw(request))

    def _draw(self, request):
        given = self._input(BillDrawSerializer)
        entity = legal_entity_named(given["legal_entity"])
        if not user_can_act_in(request.user, entity):
            raise EntityAccessDenied(entity.code)
        bill = bill_draw(
            legal_entity=entity,
            customer=customer_named(entity, given["customer"]),
            on=given.get("date") or _today(),
            due_date=given["due_date"],
            transactions=given["transactions"],
            actor=request.user,
        )
        return self._output(bill, status.HTTP_201_CREATED)

    def _step(self, request, serializer_class, run):
        bill = self.get_object()
        given = self._input(serializer_class)
        on = given.get("date") or _today()
        return idempotent(request, lambda: self._output(run(bill, on, given)))

    def _bank_account(self, pk):
        if pk is None:
            return None
        account = bank_accounts_for_user(self.request.user).filter(pk=pk).first()
        if account is None:
            raise BillInvalid(f"Bank account {pk} does not exist.", field="bank_account")
        return account

    @extend_schema(
        request=BillDateSerializer,
        responses={200: BillOfExchangeSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """The customer accepted the bill (no voucher)."""
        return self._step(
            request,
            BillDateSerializer,
            lambda bill, on, _: bill_accept(bill=bill, on=on, actor=request.user),
        )

    @extend_schema(
        request=BillRemitSerializer,
        responses={200: BillOfExchangeSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def remit(self, request, pk=None):
        """Remit the bill to a bank account of its entity, for collection or for discount
        (``charges``: the bank's collection fee, or the discount it keeps)."""
        return self._step(
            request,
            BillRemitSerializer,
            lambda bill, on, given: bill_remit(
                bill=bill,
                on=on,
                bank_account=self._bank_account(given["bank_account"]),
                mode=given["mode"],
                charges=given.get("charges"),
                actor=request.user,
            ),
        )

    @extend_schema(
        request=BillDateSerializer,
        responses={200: BillOfExchangeSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def settle(self, request, pk=None):
        """The bill was paid at maturity."""
        return self._step(
            request,
            BillDateSerializer,
            lambda bill, on, _: bill_settle(bill=bill, on=on, actor=request.user),
        )

    @extend_schema(
        request=BillProtestSerializer,
        responses={200: BillOfExchangeSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def protest(self, request, pk=None):
        """The bill was dishonoured: its amount and the charges become an open debit."""
        return self._step(
            request,
            BillProtestSerializer,
            lambda bill, on, given: bill_protest(
                bill=bill,
                on=on,
                charges=given.get("charges"),
                bank_account=self._bank_account(given.get("bank_account")),
                actor=request.user,
            ),
        )

    @extend_schema(
        request=BillReverseSerializer,
        responses={200: BillOfExchangeSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Reverse the bill's last step (the draw: the debits reopen)."""
        bill = self.get_object()
        given = self._input(BillReverseSerializer)
        return idempotent(
            request,
            lambda: self._output(bill_reverse(bill=bill, on=given.get("date"), actor=request.user)),
        )
