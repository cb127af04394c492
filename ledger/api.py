"""REST API of the ledger room: legal entities (with their default ledger setup), vouchers,
ledger entries, the trial balance, main accounts and fiscal periods."""

from datetime import date

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from core.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    AmountField,
    CurrencyField,
    IdFilter,
    refuse_unknown_query_parameters,
)
from core.idempotency import idempotent
from entities.exceptions import EntityAccessDenied
from entities.models import Customer, LegalEntity
from entities.selectors import granted_entity_ids, legal_entities_for_user, user_can_act_in
from entities.services import ensure_can_act, legal_entity_update

from .models import FiscalPeriod, LedgerEntry, MainAccount, PostingType, Voucher
from .selectors import ledger_entries_for_user, trial_balance, vouchers_for_user
from .services import (
    FISCAL_YEARS,
    VoucherInput,
    VoucherLineInput,
    fiscal_period_set_status,
    fiscal_year_create,
    journal_voucher_post,
    journal_voucher_reverse,
    legal_entity_create,
)

# --- legal entities --------------------------------------------------------------------------


class LegalEntityParametersSerializer(serializers.Serializer):
    cash_discount_on_partial_payments = serializers.BooleanField(required=False)
    cash_discount_on_credit_notes = serializers.BooleanField(required=False)
    cash_discount_base_includes_tax = serializers.BooleanField(required=False)
    max_underpayment = AmountField(currency_source="accounting_currency", required=False)
    max_overpayment = AmountField(currency_source="accounting_currency", required=False)
    max_write_off = AmountField(currency_source="accounting_currency", required=False)
    cash_discount_posted_in = serializers.ChoiceField(
        choices=LegalEntity.PostedIn.choices, required=False
    )
    fx_posted_in = serializers.ChoiceField(choices=LegalEntity.PostedIn.choices, required=False)
    credit_note_limited_to_invoice_open = serializers.BooleanField(required=False)

    def validate(self, attrs):
        for key in ("max_underpayment", "max_overpayment", "max_write_off"):
            if key in attrs and attrs[key] < 0:
                raise serializers.ValidationError({key: ["Must not be negative."]})
        return attrs


class LegalEntitySerializer(serializers.ModelSerializer):
    accounting_currency = CurrencyField()
    parameters = LegalEntityParametersSerializer(source="*", required=False)

    class Meta:
        model = LegalEntity
        fields = ["code", "name", "accounting_currency", "parameters"]
        extra_kwargs = {"code": {"validators": []}}

    def create(self, validated_data):
        parameters = {
            k: validated_data.pop(k)
            for k in list(validated_data)
            if k in LegalEntity.PARAMETER_FIELDS
        }
        return legal_entity_create(
            code=validated_data["code"],
            name=validated_data["name"],
            accounting_currency=validated_data["accounting_currency"],
            parameters=parameters,
            actor=self.context["request"].user,
        )

    def update(self, instance, validated_data):
        for frozen in ("code", "accounting_currency"):
            if frozen in validated_data and validated_data[frozen] != getattr(instance, frozen):
                raise serializers.ValidationError({frozen: ["Cannot change after creation."]})
            validated_data.pop(frozen, None)
        return legal_entity_update(
            legal_entity=instance, data=validated_data, actor=self.context["request"].user
        )


class TrialBalanceRowSerializer(serializers.Serializer):
    account = serializers.CharField(source="account.number")
    name = serializers.CharField(source="account.name")
    kind = serializers.CharField(source="account.kind")
    debit = serializers.SerializerMethodField()
    credit = serializers.SerializerMethodField()
    balance = serializers.SerializerMethodField()

    def _fmt(self, value) -> str:
        from core.money import format_amount

        return format_amount(value, self.context["currency"])

    def get_debit(self, row) -> str:
        return self._fmt(row.debit)

    def get_credit(self, row) -> str:
        return self._fmt(row.credit)

    def get_balance(self, row) -> str:
        return self._fmt(row.balance)


class FiscalPeriodSerializer(serializers.ModelSerializer):
    legal_entity = serializers.CharField(source="legal_entity.code", read_only=True)

    class Meta:
        model = FiscalPeriod
        fields = ["id", "legal_entity", "name", "start", "end", "status"]
        read_only_fields = ["id", "legal_entity", "name", "start", "end"]

    def update(self, instance, validated_data):
        return fiscal_period_set_status(
            period=instance,
            status=validated_data.get("status", instance.status),
            actor=self.context["request"].user,
        )


class FiscalYearCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=FISCAL_YEARS.start, max_value=FISCAL_YEARS.stop - 1)


class FiscalYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    periods = FiscalPeriodSerializer(many=True)


class FiscalPeriodStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=FiscalPeriod.Status.choices)


class FiscalPeriodsManage(BasePermission):
    """Reading needs a session or token; opening a year or changing a period's status needs
    the role's permission on fiscal periods (superusers have it). The entity grant is checked
    on the entity itself."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or user.has_perm("ledger.change_fiscalperiod")


class LegalEntityViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Legal entities the user may act in. Creating one also creates its default chart of
    accounts, posting setup and intercompany accounts with every other entity."""

    serializer_class = LegalEntitySerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    queryset = LegalEntity.objects.none()

    def get_queryset(self):
        return legal_entities_for_user(self.request.user).order_by("code")

    def get_object(self):
        entity = get_object_or_404(LegalEntity, code=self.kwargs["code"])
        if not user_can_act_in(self.request.user, entity):
            raise EntityAccessDenied(entity.code, field=None)
        self.check_object_permissions(self.request, entity)
        return entity

    @extend_schema(
        parameters=[
            OpenApiParameter("date_from", str, description="ISO date, inclusive"),
            OpenApiParameter("date_to", str, description="ISO date, inclusive"),
        ],
        responses=inline_serializer(
            "TrialBalance",
            {
                "legal_entity": serializers.CharField(),
                "accounting_currency": serializers.CharField(),
                "date_from": serializers.DateField(allow_null=True),
                "date_to": serializers.DateField(allow_null=True),
                "accounts": TrialBalanceRowSerializer(many=True),
                "total_debit": serializers.CharField(),
                "total_credit": serializers.CharField(),
                "total": serializers.CharField(),
            },
        ),
    )
    @action(detail=True, methods=["get"], url_path="trial-balance")
    def trial_balance(self, request, code=None):
        """Per main account: debit, credit and balance in accounting currency; total is zero."""
        entity = self.get_object()
        dates = _DateRange(data=request.query_params)
        dates.is_valid(raise_exception=True)
        tb = trial_balance(legal_entity=entity, **dates.validated_data)
        from core.money import format_amount

        currency = entity.accounting_currency
        return Response(
            {
                "legal_entity": entity.code,
                "accounting_currency": currency,
                "date_from": tb.date_from,
                "date_to": tb.date_to,
                "accounts": TrialBalanceRowSerializer(
                    tb.rows, many=True, context={"currency": currency}
                ).data,
                "total_debit": format_amount(tb.total_debit, currency),
                "total_credit": format_amount(tb.total_credit, currency),
                "total": format_amount(tb.total_balance, currency),
            }
        )

    @extend_schema(
        methods=["GET"],
        parameters=[OpenApiParameter("year", int, description="Only the periods of this year")],
        responses=FiscalPeriodSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        request=FiscalYearCreateSerializer,
        responses={201: FiscalYearSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="fiscal-years",
        permission_classes=[FiscalPeriodsManage],
        filter_backends=[],
    )
    def fiscal_years(self, request, code=None):
        """GET: the entity's fiscal periods (start, end, status), by date. POST {year}: open
        the year, its twelve monthly periods open (409 if the entity has periods in it)."""
        entity = self.get_object()
        if request.method == "POST":
            data = FiscalYearCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            year = data.validated_data["year"]
            periods = fiscal_year_create(legal_entity=entity, year=year, actor=request.user)
            return Response(
                FiscalYearSerializer({"year": year, "periods": periods}).data,
                status=status.HTTP_201_CREATED,
            )
        refuse_unknown_query_parameters(request, {"year"})
        periods = FiscalPeriod.objects.filter(legal_entity=entity).select_related("legal_entity")
        year = request.query_params.get("year")
        if year:
            if not (year.isascii() and year.isdigit()) or int(year) not in FISCAL_YEARS:
                raise serializers.ValidationError({"year": ["A year such as 2026."]})
            periods = periods.filter(start__year=int(year))
        page = self.paginate_queryset(periods.order_by("start"))
        return self.get_paginated_response(FiscalPeriodSerializer(page, many=True).data)

    @extend_schema(
        methods=["GET"],
        parameters=[OpenApiParameter("start", OpenApiTypes.DATE, OpenApiParameter.PATH)],
        responses=FiscalPeriodSerializer,
    )
    @extend_schema(
        methods=["PATCH"],
        parameters=[OpenApiParameter("start", OpenApiTypes.DATE, OpenApiParameter.PATH)],
        request=FiscalPeriodStatusSerializer,
        responses=FiscalPeriodSerializer,
    )
    @action(
        detail=True,
        methods=["get", "patch"],
        url_path=r"fiscal-periods/(?P<start>[0-9]{4}-[0-9]{2}-[0-9]{2})",
        permission_classes=[FiscalPeriodsManage],
        filter_backends=[],
    )
    def fiscal_period(self, request, code=None, start=None):
        """The period starting on ``start``; PATCH {status} puts it on hold, reopens it or
        closes it (a closed period stays closed)."""
        entity = self.get_object()
        try:
            on = date.fromisoformat(start)
        except ValueError:
            on = None
        period = get_object_or_404(
            FiscalPeriod.objects.select_related("legal_entity"), legal_entity=entity, start=on
        )
        if request.method == "PATCH":
            data = FiscalPeriodStatusSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            period = fiscal_period_set_status(
                period=period, status=data.validated_data["status"], actor=request.user
            )
        return Response(FiscalPeriodSerializer(period).data)


class _DateRange(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs):
        if (
            attrs.get("date_from")
            and attrs.get("date_to")
            and attrs["date_from"] > attrs["date_to"]
        ):
            raise serializers.ValidationError({"date_to": ["Must not be before date_from."]})
        return attrs


# --- vouchers and entries --------------------------------------------------------------------


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


# --- main accounts and fiscal periods ----------------------------------------------------------


class MainAccountSerializer(serializers.ModelSerializer):
    legal_entity = serializers.CharField(source="legal_entity.code", read_only=True)

    class Meta:
        model = MainAccount
        fields = ["id", "legal_entity", "number", "name", "kind", "active"]


class MainAccountViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MainAccountSerializer
    queryset = MainAccount.objects.none()
    filterset_fields = {"legal_entity__code": ["exact"], "kind": ["exact"]}

    def get_queryset(self):
        qs = MainAccount.objects.select_related("legal_entity").order_by(
            "legal_entity__code", "number"
        )
        ids = granted_entity_ids(self.request.user)
        return qs if ids is None else qs.filter(legal_entity_id__in=ids)


class FiscalPeriodViewSet(
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Fiscal periods of the granted entities; posting on a date that no open period of its
    entity contains is refused. Also under ``legal-entities/{code}/fiscal-years/``."""

    serializer_class = FiscalPeriodSerializer
    queryset = FiscalPeriod.objects.none()
    filterset_fields = {"legal_entity__code": ["exact"], "status": ["exact"]}

    def get_queryset(self):
        qs = FiscalPeriod.objects.select_related("legal_entity").order_by(
            "legal_entity__code", "start"
        )
        ids = granted_entity_ids(self.request.user)
        return qs if ids is None else qs.filter(legal_entity_id__in=ids)
