"""REST API of the entities room's customers: a party's customer account in one legal entity
(only granted entities are visible), and the customer groups they belong to."""

from django.db.models import Q
from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets

from core.api import AmountField, CurrencyField, validate_amount_precision

from .models import Customer, CustomerGroup, LegalEntity, Party
from .selectors import granted_entity_ids
from .services import customer_create, customer_update


def _code_field(name: str) -> serializers.SlugRelatedField:
    """A receivables code the customer names, by its code; its model is reached through the
    customer's foreign key, as this app does not import the app that owns the codes."""
    model = Customer._meta.get_field(name).related_model
    return serializers.SlugRelatedField(
        slug_field="code", queryset=model.objects, required=False, allow_null=True
    )


class CustomerSerializer(serializers.ModelSerializer):
    legal_entity = serializers.SlugRelatedField(slug_field="code", queryset=LegalEntity.objects)
    party = serializers.SlugRelatedField(slug_field="number", queryset=Party.objects)
    currency = CurrencyField()
    payment_terms = _code_field("payment_terms")
    cash_discount = _code_field("cash_discount")
    interest_code = _code_field("interest_code")
    customer_group = serializers.SlugRelatedField(
        slug_field="code", queryset=CustomerGroup.objects, required=False, allow_null=True
    )
    credit_limit = AmountField(required=False, allow_null=True)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)

    class Meta:
        model = Customer
        fields = [
            "id",
            "legal_entity",
            "account",
            "party",
            "name",
            "currency",
            "payment_terms",
            "cash_discount",
            "interest_code",
            "customer_group",
            "credit_limit",
            "blocked",
            "language",
        ]
        validators = []  # uniqueness is the service's to say, with the field named

    def validate(self, attrs):
        validate_amount_precision(
            attrs.get("credit_limit"),
            attrs.get("currency", getattr(self.instance, "currency", "")),
            "credit_limit",
        )
        if attrs.get("credit_limit") is not None and attrs["credit_limit"] < 0:
            raise serializers.ValidationError({"credit_limit": ["Must not be negative."]})
        return attrs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["name"] = instance.display_name
        return data

    def create(self, validated_data):
        validated_data.setdefault("name", "")
        return customer_create(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return customer_update(
            customer=instance, data=validated_data, actor=self.context["request"].user
        )


class CustomerFilter(filters.FilterSet):
    legal_entity = filters.CharFilter(field_name="legal_entity__code")
    party = filters.CharFilter(field_name="party__number")
    name = filters.CharFilter(method="filter_name")

    class Meta:
        model = Customer
        fields = ["legal_entity", "party", "account", "currency", "blocked"]

    def filter_name(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(party__name__icontains=value))


class CustomerViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """A party's customer account in one legal entity; only granted entities are visible."""

    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    queryset = Customer.objects.none()

    def get_queryset(self):
        qs = Customer.objects.select_related(
            "legal_entity",
            "party",
            "payment_terms",
            "cash_discount",
            "interest_code",
            "customer_group",
        ).order_by("legal_entity__code", "account")
        ids = granted_entity_ids(self.request.user)
        return qs if ids is None else qs.filter(legal_entity_id__in=ids)


class CustomerGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustomerGroup
        fields = ["code", "name"]


class CustomerGroupViewSet(viewsets.ModelViewSet):
    queryset = CustomerGroup.objects.order_by("code")
    serializer_class = CustomerGroupSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
