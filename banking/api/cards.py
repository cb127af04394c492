"""Card payments through the API (``card-payments``): authorize against an invoice with a card
or the token of an earlier one, then capture, void or refund.

A card number is accepted only under ``card`` of an authorization, passed to the gateway and
never stored nor answered back. A declined or failed authorization or capture is recorded and
answered with 402 (``code``: the gateway's, ``details``: the card payment)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import AmountField, error_body
from core.errors import InvalidInput
from receivables.models import Invoice

from ..cards import CardData
from ..models import CardGatewayEvent, CardPayment, CardRefund
from ..selectors import card_payments_for_user
from ..services.card_refunds import card_payment_refund
from ..services.cards import card_payment_authorize, card_payment_capture, card_payment_void

Status = CardPayment.Status


class CardGatewayEventSerializer(serializers.ModelSerializer):
    amount = AmountField(currency_source="currency", allow_null=True)

    class Meta:
        model = CardGatewayEvent
        fields = [
            "operation",
            "amount",
            "approved",
            "code",
            "message",
            "gateway_reference",
            "posting_error",
            "created_at",
        ]
        read_only_fields = fields


class CardRefundSerializer(serializers.ModelSerializer):
    amount = AmountField(currency_source="card_payment.currency")
    refund = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = CardRefund
        fields = ["id", "amount", "date", "gateway_reference", "refund", "settlement"]
        read_only_fields = fields


class CardPaymentSerializer(serializers.ModelSerializer):
    legal_entity = serializers.SlugRelatedField(slug_field="code", read_only=True)
    transaction = serializers.PrimaryKeyRelatedField(source="open_transaction", read_only=True)
    document_number = serializers.CharField(source="open_transaction.document_number")
    authorized_amount = AmountField()
    captured_amount = AmountField()
    refunded_amount = AmountField()
    refunds = CardRefundSerializer(many=True, read_only=True)
    events = CardGatewayEventSerializer(many=True, read_only=True)

    class Meta:
        model = CardPayment
        fields = [
            "id",
            "legal_entity",
            "customer",
            "transaction",
            "document_number",
            "currency",
            "authorized_amount",
            "captured_amount",
            "refunded_amount",
            "status",
            "token",
            "brand",
            "last4",
            "expiry_month",
            "expiry_year",
            "code",
            "message",
            "posting_error",
            "payment",
            "settlement",
            "refunds",
            "events",
            "created_at",
        ]
        read_only_fields = fields


class CardSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=30)
    expiry_month = serializers.IntegerField(min_value=1, max_value=12)
    expiry_year = serializers.IntegerField(min_value=0, max_value=2099)
    cvc = serializers.CharField(max_length=4, min_length=3)


class CardAuthorizeSerializer(serializers.Serializer):
    transaction = serializers.IntegerField(
        min_value=1, required=False, help_text="The invoice's open transaction"
    )
    invoice = serializers.IntegerField(min_value=1, required=False, help_text="Or the invoice")
    amount = AmountField()
    card = CardSerializer(required=False)
    token = serializers.CharField(max_length=200, required=False, help_text="Or an earlier token")

    def validate(self, attrs):
        if ("transaction" in attrs) == ("invoice" in attrs):
            raise serializers.ValidationError(
                {"transaction": ["Give either transaction or invoice."]}
            )
        if ("card" in attrs) == ("token" in attrs):
            raise serializers.ValidationError({"card": ["Give either card or token."]})
        return attrs


class CardCaptureSerializer(serializers.Serializer):
    amount = AmountField(required=False, help_text="At most the authorization; default: all")


class CardRefundInputSerializer(serializers.Serializer):
    amount = AmountField()
    credit = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="An open credit (a credit note) of the customer the refund pays back",
    )


def _transaction_of(given: dict, user) -> int:
    if "transaction" in given:
        return given["transaction"]
    invoice = Invoice.objects.filter(pk=given["invoice"]).select_related("open_transaction").first()
    ot = getattr(invoice, "open_transaction", None) if invoice is not None else None
    if ot is None:
        raise InvalidInput(f"Invoice {given['invoice']} has no open transaction.", field="invoice")
    return ot.pk


class CardPaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Card payments of the user's legal entities, with the gateway's answers."""

    serializer_class = CardPaymentSerializer
    queryset = CardPayment.objects.none()
    filterset_fields = ["status", "legal_entity", "customer", "open_transaction"]

    def get_queryset(self):
        return (
            card_payments_for_user(self.request.user)
            .prefetch_related("events", "refunds__refund")
            .order_by("-created_at", "-id")
        )

    def _answer(self, card_payment: CardPayment, ok_status: int) -> Response:
        data = CardPaymentSerializer(self.get_queryset().get(pk=card_payment.pk)).data
        if card_payment.status in (Status.DECLINED, Status.FAILED):
            return Response(
                error_body(card_payment.code, card_payment.message, details=data), status=402
            )
        return Response(data, status=ok_status)

    @extend_schema(request=CardAuthorizeSerializer, responses={201: CardPaymentSerializer})
    def create(self, request):
        """Authorize an amount (at most the invoice's open amount) on a card or a token."""
        given = CardAuthorizeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        card_payment = card_payment_authorize(
            open_transaction_id=_transaction_of(data, request.user),
            amount=data["amount"],
            card=CardData(**data["card"]) if "card" in data else None,
            token=data.get("token"),
            actor=request.user,
        )
        return self._answer(card_payment, status.HTTP_201_CREATED)

    @extend_schema(request=CardCaptureSerializer, responses={200: CardPaymentSerializer})
    @action(detail=True, methods=["post"])
    def capture(self, request, pk=None):
        """Capture (all or part of the authorization): a card payment settled against the
        invoice. Retried, it posts once."""
        given = CardCaptureSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        card_payment = card_payment_capture(
            card_payment=self.get_object(),
            amount=given.validated_data.get("amount"),
            actor=request.user,
        )
        return self._answer(card_payment, status.HTTP_200_OK)

    @extend_schema(request=None, responses={200: CardPaymentSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Release an authorization that was not captured."""
        card_payment = card_payment_void(card_payment=self.get_object(), actor=request.user)
        return self._answer(card_payment, status.HTTP_200_OK)

    @extend_schema(request=CardRefundInputSerializer, responses={200: CardPaymentSerializer})
    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        """Give back part or all of what was captured: a refund (method card), settled against
        ``credit`` when given."""
        given = CardRefundInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        card_payment = self.get_object()
        card_payment_refund(
            card_payment=card_payment,
            amount=given.validated_data["amount"],
            credit_id=given.validated_data.get("credit"),
            actor=request.user,
        )
        return self._answer(card_payment, status.HTTP_200_OK)
