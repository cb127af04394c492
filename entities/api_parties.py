"""REST API of the entities room's address book: parties, one per real customer across legal
entities, with their addresses and contacts."""

from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets

from .models import Party, PartyAddress, PartyBankAccount, PartyContact
from .services import PartyAddressInput, PartyBankAccountInput, PartyContactInput, party_save


class PartyAddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = PartyAddress
        fields = ["purpose", "street", "city", "postal_code", "country", "is_primary"]


class PartyContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = PartyContact
        fields = ["name", "email", "phone", "role"]

    def validate(self, attrs):
        # A PATCH of the party replaces its contacts whole: each contact needs its name even
        # though the party's own fields are partial.
        if not attrs.get("name"):
            raise serializers.ValidationError({"name": ["This field is required."]})
        return attrs


class PartyBankAccountSerializer(serializers.ModelSerializer):
    """IBAN and BIC are checked by the service (one IBAN, one party), which names the row."""

    class Meta:
        model = PartyBankAccount
        fields = ["iban", "bic", "name"]
        extra_kwargs = {"iban": {"validators": []}, "bic": {"validators": []}}


class PartySerializer(serializers.ModelSerializer):
    addresses = PartyAddressSerializer(many=True, required=False)
    contacts = PartyContactSerializer(many=True, required=False)
    bank_accounts = PartyBankAccountSerializer(many=True, required=False)

    class Meta:
        model = Party
        fields = ["number", "name", "addresses", "contacts", "bank_accounts"]
        extra_kwargs = {"number": {"validators": []}}

    def _save(self, instance=None):
        data = self.validated_data
        addresses = data.get("addresses")
        contacts = data.get("contacts")
        bank_accounts = data.get("bank_accounts")
        return party_save(
            number=data.get("number", instance.number if instance else None),
            name=data.get("name", instance.name if instance else None),
            addresses=None if addresses is None else [PartyAddressInput(**a) for a in addresses],
            contacts=None if contacts is None else [PartyContactInput(**c) for c in contacts],
            bank_accounts=None
            if bank_accounts is None
            else [PartyBankAccountInput(**b) for b in bank_accounts],
            instance=instance,
            actor=self.context["request"].user,
        )

    def create(self, validated_data):
        return self._save()

    def update(self, instance, validated_data):
        return self._save(instance)


class PartyFilter(filters.FilterSet):
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Party
        fields = ["number", "name"]


class PartyViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """The global address book: one party is one real customer across legal entities."""

    queryset = Party.objects.prefetch_related("addresses", "contacts", "bank_accounts").order_by(
        "number"
    )
    serializer_class = PartySerializer
    lookup_field = "number"
    lookup_value_regex = "[^/]+"
    filterset_class = PartyFilter
