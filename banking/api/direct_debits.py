"""SEPA direct debits through the API (SPEC section 7): mandates (create, change, cancel,
delete one never used) and collection runs (preview, start as a job, read, download the
pain.008 file)."""

from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import AmountField, IdFilter
from core.errors import Conflict, InvalidInput
from core.money import format_amount
from entities.models import Customer, LegalEntity

from ..models import BankAccount, DirectDebitCollection, DirectDebitMandate, DirectDebitPayment
from ..selectors import direct_debit_collections_for_user, direct_debit_mandates_for_user
from ..services.direct_debits import (
    collection_preview,
    collection_start,
    mandate_cancel,
    mandate_create,
    mandate_delete,
    mandate_update,
)


class MandateSerializer(serializers.ModelSerializer):
    legal_entity = serializers.SlugRelatedField(slug_field="code", queryset=LegalEntity.objects)
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects)

    class Meta:
        model = DirectDebitMandate
        fields = [
            "id",
            "legal_entity",
            "customer",
            "reference",
            "iban",
            "bic",
            "debtor_name",
            "signature_date",
            "scheme",
            "recurrent",
            "status",
            "next_sequence_type",
            "last_collection_date",
            "return_count",
            "last_return_reason",
            "needs_attention",
            "cancelled_on",
        ]
        read_only_fields = [
            "status",
            "next_sequence_type",
            "last_collection_date",
            "return_count",
            "last_return_reason",
            "needs_attention",
            "cancelled_on",
        ]
        # Reference (SEPA set, unique per creditor), IBAN and BIC are the service's to check,
        # naming the field.
        extra_kwargs = {
            "reference": {"validators": [], "max_length": None},
            "iban": {"max_length": None},
            "bic": {"max_length": None},
        }
        validators = []

    def create(self, validated_data):
        return mandate_create(
            legal_entity=validated_data.pop("legal_entity"),
            customer=validated_data.pop("customer"),
            actor=self.context["request"].user,
            **validated_data,
        )

    def update(self, instance, validated_data):
        for fixed in ("legal_entity", "customer"):
            value = validated_data.pop(fixed, getattr(instance, fixed))
            if value != getattr(instance, fixed):
                raise InvalidInput(
                    "A mandate's legal entity and customer cannot change.", field=fixed
                )
        return mandate_update(
            mandate=instance, data=validated_data, actor=self.context["request"].user
        )


class MandateFilter(filters.FilterSet):
    legal_entity = filters.CharFilter(field_name="legal_entity__code")
    customer = IdFilter()

    class Meta:
        model = DirectDebitMandate
        fields = ["legal_entity", "customer", "status", "reference", "needs_attention"]


class DirectDebitMandateViewSet(viewsets.ModelViewSet):
    """SEPA direct debit mandates: reference unique per creditor (35 characters of the SEPA
    set), debtor IBAN and BIC checked; ``POST …/{id}/cancel/``. Only a mandate that never
    collected can be deleted."""

    serializer_class = MandateSerializer
    queryset = DirectDebitMandate.objects.none()
    filterset_class = MandateFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return direct_debit_mandates_for_user(self.request.user).order_by(
            "legal_entity__code", "reference"
        )

    def perform_destroy(self, instance):
        mandate_delete(mandate=instance, actor=self.request.user)

    @extend_schema(request=None, responses={200: MandateSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the mandate: nothing more is collected under it."""
        mandate = mandate_cancel(mandate=self.get_object(), actor=request.user)
        return Response(MandateSerializer(mandate, context=self.get_serializer_context()).data)


class CollectionPaymentSerializer(serializers.ModelSerializer):
    amount = AmountField(currency_source="collection.currency")
    cash_discount = AmountField(currency_source="collection.currency")
    mandate_reference = serializers.CharField(source="mandate.reference")
    customer = serializers.IntegerField(source="mandate.customer_id")
    payment_number = serializers.CharField(source="payment.number")

    class Meta:
        model = DirectDebitPayment
        fields = [
            "id",
            "mandate",
            "mandate_reference",
            "customer",
            "payment",
            "payment_number",
            "end_to_end_id",
            "sequence_type",
            "amount",
            "cash_discount",
            "debits",
            "return_reason",
            "returned_on",
        ]
        read_only_fields = fields


class CollectionSerializer(serializers.ModelSerializer):
    legal_entity = serializers.CharField(source="legal_entity.code")
    total = AmountField()
    payments = serializers.SerializerMethodField()

    class Meta:
        model = DirectDebitCollection
        fields = [
            "id",
            "legal_entity",
            "bank_account",
            "collection_date",
            "due_until",
            "status",
            "currency",
            "count",
            "total",
            "message_id",
            "error",
            "job",
            "created_at",
            "collected_at",
            "payments",
        ]
        read_only_fields = fields

    def get_payments(self, collection) -> list[dict]:
        if not self.context.get("with_payments", True):
            return []
        rows = collection.payments.select_related("mandate", "payment", "collection")
        return CollectionPaymentSerializer(rows, many=True).data


class CollectionInputSerializer(serializers.Serializer):
    legal_entity = serializers.CharField(max_length=10)
    bank_account = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    collection_date = serializers.DateField()
    due_until = serializers.DateField()
    mandates = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        allow_empty=False,
        help_text="Only these mandates (default: every active mandate of the entity)",
    )

    def inputs(self) -> dict:
        data = self.validated_data
        entity = LegalEntity.objects.filter(code=data["legal_entity"]).first()
        if entity is None:
            raise InvalidInput(
                f"Legal entity {data['legal_entity']} does not exist.", field="legal_entity"
            )
        account = BankAccount.objects.filter(pk=data["bank_account"]).first()
        if account is None:
            raise InvalidInput(
                f"Bank account {data['bank_account']} does not exist.", field="bank_account"
            )
        return {
            "legal_entity": entity,
            "bank_account": account,
            "collection_date": data["collection_date"],
            "due_until": data["due_until"],
            "mandates": data.get("mandates"),
        }


PreviewSerializer = inline_serializer(
    "DirectDebitCollectionPreview",
    {
        "count": serializers.IntegerField(),
        "total": serializers.CharField(),
        "cash_discount": serializers.CharField(),
        "debits": serializers.IntegerField(),
        "payments": inline_serializer(
            "DirectDebitPreviewPayment",
            {
                "mandate": serializers.IntegerField(),
                "mandate_reference": serializers.CharField(),
                "customer": serializers.IntegerField(),
                "sequence_type": serializers.CharField(),
                "amount": serializers.CharField(),
                "cash_discount": serializers.CharField(),
                "transactions": serializers.ListField(child=serializers.IntegerField()),
            },
            many=True,
        ),
    },
)


class DirectDebitCollectionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Collection runs: ``POST`` checks and queues a run as a job (follow it at
    /api/v1/jobs/{job}/); ``POST …/preview/`` says what it would collect without writing;
    ``GET …/{id}/file/`` is the pain.008 file of a collected run."""

    serializer_class = CollectionSerializer
    queryset = DirectDebitCollection.objects.none()
    filterset_fields = ["status", "bank_account", "collection_date"]

    def get_queryset(self):
        return direct_debit_collections_for_user(self.request.user).order_by(
            "-collection_date", "-id"
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["with_payments"] = self.action != "list"
        return context

    @extend_schema(request=CollectionInputSerializer, responses={201: CollectionSerializer})
    def create(self, request):
        """Start a collection run: every input checked, then queued as a job."""
        given = CollectionInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        collection = collection_start(actor=request.user, **given.inputs())
        body = CollectionSerializer(collection, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=CollectionInputSerializer, responses={200: PreviewSerializer})
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """What a run with these inputs would collect now; nothing is written."""
        given = CollectionInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        plan = collection_preview(actor=request.user, **given.inputs())
        currency = "EUR"
        return Response(
            {
                "count": plan.count,
                "total": format_amount(plan.total, currency),
                "cash_discount": format_amount(plan.cash_discount, currency),
                "debits": plan.debits,
                "currency": currency,
                "payments": [
                    {
                        "mandate": item.mandate.pk,
                        "mandate_reference": item.mandate.reference,
                        "customer": item.mandate.customer_id,
                        "sequence_type": item.sequence_type,
                        "amount": format_amount(item.amount, currency),
                        "cash_discount": format_amount(item.cash_discount, currency),
                        "transactions": [d.open_transaction.pk for d in item.debits],
                    }
                    for item in plan.items
                ],
            }
        )

    @extend_schema(
        responses={
            (200, "application/xml"): OpenApiResponse(OpenApiTypes.STR, description="pain.008")
        },
        filters=False,
    )
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        """The run's pain.008.001.08 file, to hand to the bank."""
        collection = self.get_object()
        if collection.status != DirectDebitCollection.Status.COLLECTED:
            raise Conflict(
                f"Collection run {collection.pk} is {collection.get_status_display().lower()}: "
                "it has no file yet.",
                field="status",
            )
        return pain008_response(collection)


def pain008_response(collection: DirectDebitCollection) -> HttpResponse:
    """The file as a download, for the API and the browser alike."""
    response = HttpResponse(collection.file, content_type="application/xml; charset=utf-8")
    name = f"pain008-{collection.legal_entity.code}-{collection.collection_date}-{collection.pk}"
    response["Content-Disposition"] = f'attachment; filename="{name}.xml"'
    return response
