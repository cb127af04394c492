"""REST API of legal entities (with their default ledger setup and trial balance) and of their
fiscal periods (opening a year, putting a period on hold, reopening or closing it)."""

from datetime import date

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from core.api import AmountField, CurrencyField, refuse_unknown_query_parameters
from entities.exceptions import EntityAccessDenied
from entities.models import LegalEntity
from entities.selectors import granted_entity_ids, legal_entities_for_user, user_can_act_in
from entities.services import legal_entity_update

from ..models import FiscalPeriod
from ..selectors import trial_balance
from ..services import (
    FISCAL_YEARS,
    fiscal_period_set_status,
    fiscal_year_create,
    legal_entity_create,
)


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
    auto_match_threshold = serializers.IntegerField(min_value=0, max_value=100, required=False)
    sepa_creditor_identifier = serializers.CharField(
        required=False, allow_blank=True, max_length=40
    )

    def validate(self, attrs):
        for key in ("max_underpayment", "max_overpayment", "max_write_off"):
            if key in attrs and attrs[key] < 0:
                raise serializers.ValidationError({key: ["Must not be negative."]})
        return attrs


class LegalEntitySerializer(serializers.ModelSerializer):
    accounting_currency = CurrencyField()
    parameters = LegalEntityParametersSerializer(source="*", required=False)
    # Checked by the service (upper-cased, then ISO 3166), so "fr" is taken and "FRA" gets a
    # message that says what is wanted.
    country = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10,
        help_text="ISO 3166 alpha-2 code, such as FR or NO",
    )

    class Meta:
        model = LegalEntity
        fields = [
            "code",
            "name",
            "accounting_currency",
            "parameters",
            *LegalEntity.LETTERHEAD_FIELDS,
        ]
        extra_kwargs = {"code": {"validators": []}}

    def create(self, validated_data):
        parameters = {
            k: validated_data.pop(k)
            for k in list(validated_data)
            if k in LegalEntity.PARAMETER_FIELDS
        }
        letterhead = {
            k: validated_data.pop(k)
            for k in list(validated_data)
            if k in LegalEntity.LETTERHEAD_FIELDS
        }
        return legal_entity_create(
            code=validated_data["code"],
            name=validated_data["name"],
            accounting_currency=validated_data["accounting_currency"],
            parameters=parameters,
            letterhead=letterhead,
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
