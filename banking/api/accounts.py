"""Bank accounts (and their CSV layouts) through the API; the reconciliation of one account."""

from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import AmountField, CurrencyField, refuse_unknown_query_parameters
from entities.models import LegalEntity
from ledger.models import MainAccount

from ..models import BankAccount, CsvMapping
from ..selectors import bank_account_reconciliation, bank_accounts_for_user
from ..services.accounts import bank_account_create, bank_account_update, csv_mapping_save


class BankAccountSerializer(serializers.ModelSerializer):
    legal_entity = serializers.SlugRelatedField(slug_field="code", queryset=LegalEntity.objects)
    currency = CurrencyField()
    main_account = serializers.CharField(
        source="main_account.number", help_text="Number of the main account of its bank postings"
    )

    class Meta:
        model = BankAccount
        fields = [
            "id",
            "legal_entity",
            "code",
            "name",
            "iban",
            "account_number",
            "bic",
            "currency",
            "main_account",
            "active",
        ]
        # IBAN, BIC and uniqueness are the service's to check, naming the field.
        extra_kwargs = {"iban": {"validators": []}, "bic": {"validators": []}}
        validators = []

    def _main_account(self, entity, data):
        number = data.pop("main_account", {}).get("number")
        if number is None:
            return {}
        account = MainAccount.objects.filter(legal_entity=entity, number=number).first()
        if account is None:
            raise serializers.ValidationError(
                {"main_account": [f"{entity.code} has no main account {number}."]}
            )
        return {"main_account": account}

    def create(self, validated_data):
        entity = validated_data.pop("legal_entity")
        validated_data.update(self._main_account(entity, validated_data))
        return bank_account_create(
            legal_entity=entity, actor=self.context["request"].user, **validated_data
        )

    def update(self, instance, validated_data):
        entity = validated_data.pop("legal_entity", instance.legal_entity)
        if entity != instance.legal_entity:
            raise serializers.ValidationError({"legal_entity": ["Cannot change."]})
        validated_data.update(self._main_account(entity, validated_data))
        return bank_account_update(
            bank_account=instance, data=validated_data, actor=self.context["request"].user
        )


class ReconciliationSerializer(serializers.Serializer):
    bank_account = serializers.IntegerField(source="bank_account.pk")
    date = serializers.DateField()
    currency = serializers.CharField(source="bank_account.currency")
    ledger_balance = AmountField(currency_source="bank_account.currency")
    statement_balance = AmountField(currency_source="bank_account.currency")
    difference = AmountField(currency_source="bank_account.currency")
    lines_not_posted = serializers.IntegerField()
    statements_with_warnings = serializers.IntegerField()
    last_statement = serializers.CharField(
        source="last_statement.statement_id", default=None, allow_null=True
    )
    reconciled = serializers.BooleanField()


class BankAccountFilter(filters.FilterSet):
    legal_entity = filters.CharFilter(field_name="legal_entity__code")

    class Meta:
        model = BankAccount
        fields = ["legal_entity", "code", "iban", "currency"]


class BankAccountViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """The legal entities' bank accounts: IBAN and BIC checked, the main account their bank
    postings go to."""

    serializer_class = BankAccountSerializer
    queryset = BankAccount.objects.none()
    filterset_class = BankAccountFilter

    def get_queryset(self):
        return bank_accounts_for_user(self.request.user).order_by("legal_entity__code", "code")

    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, description="Default: today")],
        responses={200: ReconciliationSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def reconciliation(self, request, pk=None):
        """The ledger balance of the account's main account against the closing balance of
        its last statement on the date, and the lines not yet posted."""
        refuse_unknown_query_parameters(request, {"date"})
        given = request.query_params.get("date")
        on = serializers.DateField().run_validation(given) if given else timezone.localdate()
        result = bank_account_reconciliation(bank_account=self.get_object(), on=on)
        return Response(ReconciliationSerializer(result).data)


class CsvMappingSerializer(serializers.ModelSerializer):
    legal_entity = serializers.SlugRelatedField(slug_field="code", queryset=LegalEntity.objects)

    class Meta:
        model = CsvMapping
        fields = [
            "id",
            "legal_entity",
            "name",
            "delimiter",
            "encoding",
            "header_rows",
            "date_format",
            "decimal_separator",
            "thousands_separator",
            "sign",
            "debit_indicator",
            "columns",
        ]
        validators = []

    def create(self, validated_data):
        entity = validated_data.pop("legal_entity")
        return csv_mapping_save(
            legal_entity=entity, actor=self.context["request"].user, **validated_data
        )

    def update(self, instance, validated_data):
        validated_data.pop("legal_entity", None)
        return csv_mapping_save(
            legal_entity=instance.legal_entity,
            name=validated_data.pop("name", instance.name),
            instance=instance,
            actor=self.context["request"].user,
            **validated_data,
        )


class CsvMappingViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Saved CSV layouts of bank statement files, per legal entity."""

    serializer_class = CsvMappingSerializer
    queryset = CsvMapping.objects.none()
    filterset_fields = ["name"]

    def get_queryset(self):
        from entities.selectors import in_granted_entities

        qs = CsvMapping.objects.select_related("legal_entity").order_by(
            "legal_entity__code", "name"
        )
        return in_granted_entities(qs, self.request.user)
