"""REST API of the receivables codes: terms of payment, cash discounts with their periods, sales
tax codes and interest codes with their ranges and per-currency fees."""

from decimal import Decimal

from django.db.models import Prefetch
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from core.api import AmountField, CurrencyField

from .models import CashDiscount, CashDiscountPeriod, InterestCode, PaymentTerms, SalesTaxCode
from .services import (
    CashDiscountPeriodInput,
    InterestCurrencyInput,
    InterestRangeInput,
    cash_discount_save,
    interest_code_save,
)

# --- terms of payment, cash discounts, sales tax ----------------------------------------------


class PaymentTermsSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentTerms
        fields = ["code", "name", "net_days"]


class PaymentTermsViewSet(viewsets.ModelViewSet):
    queryset = PaymentTerms.objects.order_by("code")
    serializer_class = PaymentTermsSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


class CashDiscountPeriodSerializer(serializers.ModelSerializer):
    percent = serializers.DecimalField(max_digits=7, decimal_places=4, coerce_to_string=True)

    class Meta:
        model = CashDiscountPeriod
        fields = ["days", "percent"]

    def to_representation(self, instance):
        return {"days": instance.days, "percent": f"{instance.percent.normalize():f}"}


class CashDiscountSerializer(serializers.ModelSerializer):
    periods = CashDiscountPeriodSerializer(many=True)

    class Meta:
        model = CashDiscount
        fields = ["code", "name", "periods"]
        extra_kwargs = {"name": {"required": False}}

    def _save(self, instance=None):
        data = self.validated_data
        periods = data.get("periods")
        if periods is None and instance is not None:
            periods = [{"days": p.days, "percent": p.percent} for p in instance.periods.all()]
        return cash_discount_save(
            code=data.get("code", instance.code if instance else ""),
            name=data.get("name", instance.name if instance else ""),
            periods=[
                CashDiscountPeriodInput(days=p["days"], percent=p["percent"]) for p in periods or []
            ],
            instance=instance,
            actor=self.context["request"].user,
        )

    def create(self, validated_data):
        return self._save()

    def update(self, instance, validated_data):
        return self._save(instance)


class CashDiscountViewSet(viewsets.ModelViewSet):
    """Cash discount codes with one or more periods (days, percent)."""

    queryset = CashDiscount.objects.prefetch_related(
        Prefetch("periods", queryset=CashDiscountPeriod.objects.order_by("days"))
    ).order_by("code")
    serializer_class = CashDiscountSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


class SalesTaxCodeSerializer(serializers.ModelSerializer):
    percent = serializers.DecimalField(
        max_digits=7, decimal_places=4, min_value=0, max_value=Decimal("99.9999")
    )

    class Meta:
        model = SalesTaxCode
        fields = ["code", "name", "percent"]
        extra_kwargs = {"name": {"required": False}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["percent"] = f"{instance.percent.normalize():f}"
        return data


class SalesTaxCodeViewSet(viewsets.ModelViewSet):
    queryset = SalesTaxCode.objects.order_by("code")
    serializer_class = SalesTaxCodeSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


# --- interest codes ---------------------------------------------------------------------------


class InterestRangeSerializer(serializers.Serializer):
    from_overdue = serializers.IntegerField(min_value=1, max_value=100000)
    to_overdue = serializers.IntegerField(
        min_value=1, max_value=100000, required=False, allow_null=True, default=None
    )
    percent = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=0)


class InterestCurrencySerializer(serializers.Serializer):
    currency = CurrencyField()
    fixed_fee = AmountField(required=False, default="0")
    minimum_interest = AmountField(required=False, default="0")


class InterestCodeSerializer(serializers.ModelSerializer):
    ranges = InterestRangeSerializer(many=True)
    currencies = InterestCurrencySerializer(many=True, required=False)

    class Meta:
        model = InterestCode
        fields = ["code", "name", "charge_per", "ranges_by", "grace_days", "ranges", "currencies"]
        validators = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["ranges"] = [
            {"from_overdue": r.from_overdue, "to_overdue": r.to_overdue, "percent": str(r.percent)}
            for r in instance.ranges.all()
        ]
        data["currencies"] = [
            {
                "currency": c.currency,
                "fixed_fee": AmountField().to_representation((c.fixed_fee, c.currency)),
                "minimum_interest": AmountField().to_representation(
                    (c.minimum_interest, c.currency)
                ),
            }
            for c in instance.currencies.all()
        ]
        return data


class InterestCodeViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Interest codes: ranges by days or months overdue with a percent per day or per completed
    month, grace days, and per currency a fixed fee and a minimum interest."""

    queryset = InterestCode.objects.prefetch_related("ranges", "currencies").order_by("code")
    serializer_class = InterestCodeSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "put", "head", "options"]

    def _save(self, request, instance=None):
        data = InterestCodeSerializer(instance, data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        code = interest_code_save(
            code=v["code"],
            name=v.get("name", ""),
            charge_per=v.get("charge_per", InterestCode.Unit.MONTH),
            ranges_by=v.get("ranges_by", InterestCode.Unit.DAY),
            grace_days=v.get("grace_days", 0),
            ranges=[
                InterestRangeInput(r["from_overdue"], r.get("to_overdue"), r["percent"])
                for r in v["ranges"]
            ],
            currencies=[
                InterestCurrencyInput(c["currency"], c["fixed_fee"], c["minimum_interest"])
                for c in v.get("currencies", [])
            ],
            actor=request.user,
            instance=instance,
        )
        return self.get_queryset().get(pk=code.pk)

    def create(self, request, *args, **kwargs):
        code = self._save(request)
        return Response(self.get_serializer(code).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        code = self._save(request, self.get_object())
        return Response(self.get_serializer(code).data)
