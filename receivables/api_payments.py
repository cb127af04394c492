"""REST API of the receivables room's customer payments: entered as drafts or posted, up to
1,000 posted in one call, all or nothing, and reversed while nothing has settled them."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import IDEMPOTENCY_KEY_PARAMETER, AmountField, CurrencyField
from core.idempotency import idempotent
from entities.exceptions import EntityAccessDenied
from entities.selectors import user_can_act_in

from .api_common import WithOpenTransaction, customer_named, entity_filter_guard, legal_entity_named
from .api_documents import DocumentFilter
from .models import Payment
from .selectors import payments_for_user
from .services import PaymentInput, payment_create, payment_reverse, payments_post


class PaymentCreateSerializer(serializers.Serializer):
    legal_entity = serializers.CharField(max_length=10)
    customer = serializers.CharField(max_length=20)
    date = serializers.DateField()
    amount = AmountField()
    currency = CurrencyField(required=False)
    method = serializers.ChoiceField(choices=Payment.Method.choices, default="electronic")
    reference = serializers.CharField(required=False, allow_blank=True, max_length=60)
    bank_account = serializers.CharField(required=False, allow_blank=True, max_length=40)
    post = serializers.BooleanField(required=False, default=False)


def _payment_input(user, data: dict, cache: dict | None = None) -> PaymentInput:
    cache = cache if cache is not None else {}
    code = data["legal_entity"]
    if code not in cache:
        cache[code] = legal_entity_named(code)
    entity = cache[code]
    if not user_can_act_in(user, entity):
        raise EntityAccessDenied(entity.code)
    key = (code, data["customer"])
    if key not in cache:
        cache[key] = customer_named(entity, data["customer"])
    return PaymentInput(
        legal_entity=entity,
        customer=cache[key],
        date=data["date"],
        amount=data["amount"],
        currency=data.get("currency"),
        method=data.get("method", "electronic"),
        reference=data.get("reference", ""),
        bank_account=data.get("bank_account", ""),
    )


class PaymentBulkSerializer(serializers.Serializer):
    payments = PaymentCreateSerializer(many=True, allow_empty=False, max_length=1000)


class PaymentSerializer(WithOpenTransaction, serializers.ModelSerializer):
    legal_entity = serializers.CharField(source="legal_entity.code")
    customer = serializers.CharField(source="customer.account")
    customer_id = serializers.IntegerField()
    party = serializers.CharField(source="customer.party.number")
    amount = AmountField()
    voucher = serializers.IntegerField(source="voucher_id", allow_null=True)
    reversal_voucher = serializers.IntegerField(source="reversal_voucher_id", allow_null=True)
    journal = serializers.IntegerField(source="journal_id", allow_null=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "number",
            "legal_entity",
            "customer",
            "customer_id",
            "party",
            "date",
            "amount",
            "currency",
            "method",
            "reference",
            "bank_account",
            "status",
            "journal",
            "voucher",
            "reversal_voucher",
            "open_transaction",
            "created_at",
            "posted_at",
        ]
        read_only_fields = fields


class PaymentFilter(DocumentFilter):
    status = filters.ChoiceFilter(
        choices=[("draft", "draft"), ("posted", "posted"), ("reversed", "reversed")]
    )
    method = filters.ChoiceFilter(choices=Payment.Method.choices)

    class Meta:
        model = Payment
        fields = [
            "legal_entity",
            "customer",
            "customer_id",
            "party",
            "status",
            "number",
            "currency",
            "method",
            "date_from",
            "date_to",
        ]


class PaymentReverseSerializer(serializers.Serializer):
    date = serializers.DateField(required=False)


class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Customer payments. ``"post": true`` creates and posts; ``/post/`` posts a draft;
    ``/bulk/`` posts up to 1,000 payments in one transaction, all or nothing; ``/reverse/``
    reverses an unsettled posted payment."""

    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    queryset = Payment.objects.none()

    def get_queryset(self):
        return payments_for_user(self.request.user).order_by("-date", "-id")

    def list(self, request, *args, **kwargs):
        entity_filter_guard(request)
        return super().list(request, *args, **kwargs)

    def _output(self, payments, code=status.HTTP_201_CREATED, many=False) -> Response:
        fresh = self.get_queryset().filter(pk__in=[p.pk for p in payments]).order_by("pk")
        data = self.get_serializer(fresh, many=True).data
        return Response(data if many else data[0], status=code)

    @extend_schema(
        request=PaymentCreateSerializer,
        responses={201: PaymentSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    def create(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        data = PaymentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment_input = _payment_input(request.user, data.validated_data)
        if data.validated_data["post"]:
            payments = payments_post(inputs=[payment_input], actor=request.user)
        else:
            payments = [payment_create(data=payment_input, actor=request.user)]
        return self._output(payments)

    @extend_schema(
        request=PaymentBulkSerializer,
        responses={201: PaymentSerializer(many=True)},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Post up to 1,000 payments in one transaction: all or nothing; errors by index."""
        return idempotent(request, lambda: self._bulk(request))

    def _bulk(self, request):
        data = PaymentBulkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cache: dict = {}
        inputs = []
        for index, row in enumerate(data.validated_data["payments"]):
            try:
                inputs.append(_payment_input(request.user, row, cache))
            except serializers.ValidationError as error:
                raise serializers.ValidationError({"payments": {index: error.detail}}) from None
        payments = payments_post(inputs=inputs, actor=request.user, errors_by_index=True)
        return self._output(payments, many=True)

    @extend_schema(
        request=None, responses={200: PaymentSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    )
    @action(detail=True, methods=["post"])
    def post(self, request, pk=None):
        """Post a draft payment."""
        payment = self.get_object()
        return idempotent(
            request,
            lambda: self._output(
                payments_post(drafts=[payment], actor=request.user), status.HTTP_200_OK
            ),
        )

    @extend_schema(
        request=PaymentReverseSerializer,
        responses={200: PaymentSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Reverse a posted payment that nothing has settled."""
        payment = self.get_object()
        data = PaymentReverseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return idempotent(
            request,
            lambda: self._output(
                [
                    payment_reverse(
                        payment=payment, actor=request.user, on=data.validated_data.get("date")
                    )
                ],
                status.HTTP_200_OK,
            ),
        )
