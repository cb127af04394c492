"""REST API of vouchers (posting a general-journal voucher, reversing one) and of the ledger
entries, their lines; both read-only otherwise, as posted vouchers are never changed."""

from django.db.models import Prefetch, Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import IDEMPOTENCY_KEY_PARAMETER, AmountField, CurrencyField, IdFilter
from core.idempotency import idempotent
from entities.exceptions import EntityAccessDenied
from entities.models import Customer, LegalEntity
from entities.selectors import user_can_act_in
from entities.services import ensure_can_act

from ..models import LedgerEntry, MainAccount, PostingType, Voucher
from ..selectors import ledger_entries_for_user, vouchers_for_user
from ..services import (
    VoucherInput,
    VoucherLineInput,
    journal_voucher_post,
    journal_voucher_reverse,
)


class LedgerEntrySerializer(serializers.ModelSerializer):
    voucher = serializers.PrimaryKeyRelatedField(read_only=True)
    voucher_number = serializers.CharField(source="voucher.number", read_only=True)
    legal_entity = serializers.CharField(source="legal_entity.code", read_only=True)
    account = serializers.CharField(source="account.number", read_only=True)
    counterparty = serializers.CharField(
        source="counterparty.code", read_only=True, allow_null=True, default=None
    )
    customer = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    customer_account = serializers.CharField(
        source="customer.account", read_only=True, allow_null=True, default=None
    )
    amount = AmountField(read_only=True)
    accounting_amount = AmountField(
        currency_source="legal_entity.accounting_currency", read_only=True
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "voucher",
            "voucher_number",
            "legal_entity",
            "date",
            "account",
            "posting_type",
            "counterparty",
            "customer",
            "customer_account",
            "currency",
            "amount",
            "accounting_amount",
            "description",
        ]


class VoucherSerializer(serializers.ModelSerializer):
    legal_entity = serializers.CharField(source="legal_entity.code", read_only=True)
    lines = LedgerEntrySerializer(many=True, read_only=True)
    reverses = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    reversed_by = serializers.SerializerMethodField()
    created_by = serializers.CharField(
        source="created_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = Voucher
        fields = [
            "id",
            "number",
            "legal_entity",
            "date",
            "description",
            "source_key",
            "reverses",
            "reversed_by",
            "created_by",
            "created_at",
            "lines",
        ]

    def get_reversed_by(self, obj) -> int | None:
        reversal = getattr(obj, "reversed_by", None)
        return reversal.pk if reversal else None


class VoucherLineInputSerializer(serializers.Serializer):
    posting_type = serializers.ChoiceField(choices=PostingType.choices)
    account = serializers.CharField(
        required=False,
        help_text="Main account number; default: the posting setup's account for the posting type",
    )
    currency = CurrencyField()
    amount = AmountField()
    accounting_amount = AmountField(
        required=False, allow_null=True, help_text="Default: amount at the rate of the voucher date"
    )
    counterparty = serializers.CharField(required=False, allow_null=True)
    customer = serializers.IntegerField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)


class VoucherCreateSerializer(serializers.Serializer):
    legal_entity = serializers.CharField()
    date = serializers.DateField()
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    lines = VoucherLineInputSerializer(many=True, allow_empty=False)


class VoucherReverseSerializer(serializers.Serializer):
    date = serializers.DateField(required=False)


class VoucherFilter(filters.FilterSet):
    legal_entity = filters.CharFilter(field_name="legal_entity__code")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")
    number = filters.CharFilter()

    class Meta:
        model = Voucher
        fields = ["legal_entity", "number", "date_from", "date_to"]


def _entity_filter_guard(request):
    """Filtering by an entity the user may not act in is a 403, not an empty list."""
    code = request.query_params.get("legal_entity")
    if code:
        entity = LegalEntity.objects.filter(code=code).first()
        if entity is not None and not user_can_act_in(request.user, entity):
            raise EntityAccessDenied(entity.code)


class VoucherViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Posted vouchers; never changed. POST posts a general-journal voucher; reverse posts its
    mirror image."""

    serializer_class = VoucherSerializer
    filterset_class = VoucherFilter
    queryset = Voucher.objects.none()

    def get_queryset(self):
        lines = LedgerEntry.objects.select_related(
            "voucher", "legal_entity", "account", "counterparty", "customer"
        ).order_by("id")
        return (
            vouchers_for_user(self.request.user)
            .select_related("reversed_by")
            .prefetch_related(Prefetch("lines", queryset=lines))
            .order_by("-date", "-id")
        )

    def list(self, request, *args, **kwargs):
        _entity_filter_guard(request)
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=VoucherCreateSerializer,
        responses={201: VoucherSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    def create(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        data = VoucherCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        entity = LegalEntity.objects.filter(code=values["legal_entity"]).first()
        if entity is None:
            raise serializers.ValidationError({"legal_entity": ["Unknown legal entity."]})
        ensure_can_act(request.user, entity)
        lines = [self._line(entity, index, line) for index, line in enumerate(values["lines"])]
        voucher = journal_voucher_post(
            voucher=VoucherInput(
                legal_entity=entity,
                date=values["date"],
                description=values.get("description", ""),
                lines=lines,
            ),
            actor=request.user,
        )
        return Response(
            VoucherSerializer(self.get_queryset().get(pk=voucher.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @staticmethod
    def _line(entity: LegalEntity, index: int, line: dict) -> VoucherLineInput:
        def bad(field: str, message: str):
            return serializers.ValidationError({"lines": {index: {field: [message]}}})

        account = None
        if line.get("account"):
            account = MainAccount.objects.filter(
                legal_entity=entity, number=line["account"]
            ).first()
            if account is None:
                raise bad("account", f"No main account {line['account']} in {entity.code}.")
        counterparty = None
        if line.get("counterparty"):
            counterparty = LegalEntity.objects.filter(code=line["counterparty"]).first()
            if counterparty is None:
                raise bad("counterparty", "Unknown legal entity.")
        customer = None
        if line.get("customer"):
            customer = Customer.objects.filter(pk=line["customer"], legal_entity=entity).first()
            if customer is None:
                raise bad("customer", f"No such customer in {entity.code}.")
        return VoucherLineInput(
            posting_type=line["posting_type"],
            currency=line["currency"],
            amount=line["amount"],
            accounting_amount=line.get("accounting_amount"),
            counterparty=counterparty,
            customer=customer,
            account=account,
            description=line.get("description", ""),
        )

    @extend_schema(request=VoucherReverseSerializer, responses={201: VoucherSerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Post the reversing voucher (same accounts, amounts negated)."""
        voucher = self.get_object()
        data = VoucherReverseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reversal = journal_voucher_reverse(
            voucher=voucher, actor=request.user, on=data.validated_data.get("date")
        )
        return Response(
            VoucherSerializer(self.get_queryset().get(pk=reversal.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def get_permissions(self):
        return super().get_permissions()


class LedgerEntryFilter(filters.FilterSet):
    legal_entity = filters.CharFilter(field_name="legal_entity__code")
    voucher = IdFilter(field_name="voucher_id")
    posting_type = filters.ChoiceFilter(choices=PostingType.choices)
    account = filters.CharFilter(field_name="account__number")
    counterparty = filters.CharFilter(field_name="counterparty__code")
    customer = IdFilter(field_name="customer_id")
    currency = filters.CharFilter()
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")
    source = filters.CharFilter(
        field_name="voucher__source_key",
        lookup_expr="startswith",
        help_text="Vouchers posted by a source, e.g. 'settlement:12:'",
    )
    settlement = IdFilter(
        method="filter_settlement",
        help_text="Entries posted by settlement <id>, and by its reversal",
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "settlement",
            "legal_entity",
            "voucher",
            "posting_type",
            "account",
            "counterparty",
            "customer",
            "currency",
            "date_from",
            "date_to",
            "source",
        ]

    def filter_settlement(self, queryset, name, value):
        # Settlement vouchers carry their source key; the ledger names no room above it.
        pk = int(value)
        return queryset.filter(
            Q(voucher__source_key__startswith=f"settlement:{pk}:")
            | Q(voucher__source_key__startswith=f"settlement-reversal:{pk}:")
        )


class LedgerEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Ledger entries (voucher lines) of the granted entities."""

    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerEntryFilter
    queryset = LedgerEntry.objects.none()

    def get_queryset(self):
        return ledger_entries_for_user(self.request.user).order_by("-date", "voucher_id", "id")

    def list(self, request, *args, **kwargs):
        _entity_filter_guard(request)
        return super().list(request, *args, **kwargs)
