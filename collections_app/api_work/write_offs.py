"""REST API of write-offs: small open balances written off within the legal entity's
maximum."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from core.api import IDEMPOTENCY_KEY_PARAMETER, AmountField
from core.idempotency import idempotent
from entities.selectors import in_granted_entities

from ..models import WriteOff
from ..services import write_off_create
from .common import granted_open_transaction


class WriteOffSerializer(serializers.ModelSerializer):
    legal_entity = serializers.SlugRelatedField(slug_field="code", read_only=True)
    open_transaction = serializers.IntegerField(source="open_transaction_id")
    amount = AmountField(required=False, help_text="Default: all that is open")
    accounting_amount = AmountField(
        currency_source="legal_entity.accounting_currency", read_only=True
    )
    date = serializers.DateField(required=False)

    class Meta:
        model = WriteOff
        fields = [
            "id",
            "open_transaction",
            "legal_entity",
            "customer",
            "date",
            "currency",
            "amount",
            "accounting_amount",
            "reason",
            "voucher",
            "created_at",
        ]
        read_only_fields = ["customer", "currency", "voucher", "created_at"]


class WriteOffViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Small balances written off (write-off Dr / customer balance Cr), within the legal
    entity's maximum."""

    serializer_class = WriteOffSerializer
    queryset = WriteOff.objects.none()
    filterset_fields = ["customer", "open_transaction"]

    def get_queryset(self):
        return in_granted_entities(
            WriteOff.objects.select_related("legal_entity"), self.request.user
        ).order_by("-date", "-id")

    @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    def create(self, request, *args, **kwargs):
        data = WriteOffSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data

        def post():
            write_off = write_off_create(
                open_transaction=granted_open_transaction(request.user, v["open_transaction_id"]),
                amount=v.get("amount"),
                reason=v["reason"],
                on=v.get("date"),
                actor=request.user,
            )
            return Response(WriteOffSerializer(write_off).data, status=status.HTTP_201_CREATED)

        return idempotent(request, post)
