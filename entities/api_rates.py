"""REST API of the entities room's exchange rates: 1 from_currency = rate to_currency, valid
from a date until the next rate of the pair."""

from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets

from core.api import CurrencyField

from .models import ExchangeRate
from .services import exchange_rate_create


class ExchangeRateSerializer(serializers.ModelSerializer):
    from_currency = CurrencyField()
    to_currency = CurrencyField()
    rate = serializers.DecimalField(max_digits=24, decimal_places=10, min_value=None)

    class Meta:
        model = ExchangeRate
        fields = ["id", "from_currency", "to_currency", "rate", "valid_from"]
        validators = []

    def validate_rate(self, value):
        if value <= 0:
            raise serializers.ValidationError("The rate must be greater than zero.")
        return value

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["rate"] = f"{instance.rate.normalize():f}" if instance.rate else data["rate"]
        return data

    def create(self, validated_data):
        return exchange_rate_create(actor=self.context["request"].user, **validated_data)


class ExchangeRateFilter(filters.FilterSet):
    valid_on_or_after = filters.DateFilter(field_name="valid_from", lookup_expr="gte")
    valid_on_or_before = filters.DateFilter(field_name="valid_from", lookup_expr="lte")

    class Meta:
        model = ExchangeRate
        fields = ["from_currency", "to_currency", "valid_from"]


class ExchangeRateViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """1 from_currency = rate to_currency, valid from a date until the next rate of the pair."""

    queryset = ExchangeRate.objects.order_by("from_currency", "to_currency", "-valid_from", "id")
    serializer_class = ExchangeRateSerializer
    filterset_class = ExchangeRateFilter
