"""REST API of the receivables room's documents: invoices and credit notes, entered as drafts,
changed, deleted or posted. Business operations are explicit: an input serializer, one service
call, an output serializer."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import IDEMPOTENCY_KEY_PARAMETER, AmountField, CurrencyField, IdFilter
from core.idempotency import idempotent
from entities.exceptions import EntityAccessDenied
from entities.models import LegalEntity
from entities.selectors import user_can_act_in
from ledger.models import MainAccount

from .api_common import WithOpenTransaction, customer_named, entity_filter_guard, legal_entity_named
from .models import CashDiscount, CreditNote, Invoice, PaymentTerms, SalesTaxCode
from .selectors import credit_notes_for_user, invoices_for_user
from .services import (
    DocumentInput,
    DocumentLineInput,
    credit_note_post,
    document_delete,
    document_save,
    document_update,
    invoice_post,
)

# --- input ------------------------------------------------------------------------------------


class DocumentLineInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=200)
    quantity = serializers.DecimalField(
        max_digits=14, decimal_places=4, required=False, default=1, min_value=0
    )
    unit_price = AmountField(required=False, allow_null=True)
    amount = AmountField(required=False, allow_null=True, help_text="Before tax")
    sales_tax_code = serializers.SlugRelatedField(
        slug_field="code", queryset=SalesTaxCode.objects, required=False, allow_null=True
    )
    account = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=30,
        help_text="Main account number overriding the posting setup's",
    )


def _line_input(entity: LegalEntity, index: int, line: dict) -> DocumentLineInput:
    """A line as the services take it; a main account it names must be one of the entity's,
    or the 400 points at the line."""
    account = None
    if line.get("account"):
        account = MainAccount.objects.filter(legal_entity=entity, number=line["account"]).first()
        if account is None:
            message = f"No main account {line['account']} in {entity.code}."
            raise serializers.ValidationError({"lines": {index: {"account": [message]}}})
    return DocumentLineInput(
        description=line["description"],
        amount=line.get("amount"),
        quantity=line.get("quantity") or 1,
        unit_price=line.get("unit_price"),
        sales_tax_code=line.get("sales_tax_code"),
        account=account,
    )


class DocumentCreateSerializer(serializers.Serializer):
    legal_entity = serializers.CharField(max_length=10)
    customer = serializers.CharField(
        max_length=20, help_text="The customer account in the legal entity (or its id)"
    )
    date = serializers.DateField()
    due_date = serializers.DateField(required=False, allow_null=True)
    currency = CurrencyField(required=False, help_text="Default: the customer's currency")
    payment_terms = serializers.SlugRelatedField(
        slug_field="code", queryset=PaymentTerms.objects, required=False, allow_null=True
    )
    cash_discount = serializers.SlugRelatedField(
        slug_field="code", queryset=CashDiscount.objects, required=False, allow_null=True
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    lines = DocumentLineInputSerializer(many=True, allow_empty=False)
    post = serializers.BooleanField(
        required=False, default=False, help_text="Create and post in one call"
    )

    def to_input(self, user, *, invoice=None) -> DocumentInput:
        data = self.validated_data
        entity = legal_entity_named(data["legal_entity"])
        if not user_can_act_in(user, entity):
            raise EntityAccessDenied(entity.code)
        customer = customer_named(entity, data["customer"])
        lines = [_line_input(entity, index, line) for index, line in enumerate(data["lines"])]
        return DocumentInput(
            legal_entity=entity,
            customer=customer,
            date=data["date"],
            lines=lines,
            currency=data.get("currency"),
            payment_terms=data.get("payment_terms"),
            cash_discount=data.get("cash_discount"),
            due_date=data.get("due_date"),
            description=data.get("description", ""),
            invoice=invoice,
        )


class CreditNoteCreateSerializer(DocumentCreateSerializer):
    invoice = serializers.IntegerField(
        required=False, allow_null=True, help_text="Id of the invoice the credit note corrects"
    )


# --- output -----------------------------------------------------------------------------------


class DocumentLineSerializer(serializers.Serializer):
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=14, decimal_places=4)
    unit_price = AmountField(currency_source="_document_currency", allow_null=True)
    amount = AmountField(currency_source="_document_currency")
    sales_tax_code = serializers.CharField(
        source="sales_tax_code.code", default=None, allow_null=True
    )
    tax_amount = AmountField(currency_source="_document_currency")
    account = serializers.CharField(source="account.number", default=None, allow_null=True)

    def to_representation(self, instance):
        parent = getattr(instance, "invoice", None) or getattr(instance, "credit_note", None)
        instance._document_currency = parent.currency
        return super().to_representation(instance)


class DocumentSerializer(WithOpenTransaction, serializers.ModelSerializer):
    legal_entity = serializers.CharField(source="legal_entity.code")
    customer = serializers.CharField(source="customer.account")
    customer_id = serializers.IntegerField()
    party = serializers.CharField(source="customer.party.number")
    payment_terms = serializers.CharField(
        source="payment_terms.code", default=None, allow_null=True
    )
    cash_discount = serializers.CharField(
        source="cash_discount.code", default=None, allow_null=True
    )
    lines = DocumentLineSerializer(many=True)
    total = AmountField()
    tax_amount = AmountField()
    voucher = serializers.IntegerField(source="voucher_id", allow_null=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "legal_entity",
            "customer",
            "customer_id",
            "party",
            "date",
            "due_date",
            "currency",
            "payment_terms",
            "cash_discount",
            "description",
            "lines",
            "status",
            "total",
            "tax_amount",
            "voucher",
            "open_transaction",
            "created_at",
            "posted_at",
        ]
        read_only_fields = fields


def _correction_of(document, role: str):
    """The ``InvoiceCorrection`` a document plays ``role`` in (``correction``: the corrected
    invoice or the credit note; ``corrects``: the correcting invoice), else None."""
    # A missing reverse one-to-one raises a subclass of AttributeError.
    return getattr(document, role, None)


class InvoiceSerializer(DocumentSerializer):
    corrected_by_credit_note = serializers.SerializerMethodField(
        help_text="The credit note that corrected this invoice (POST …/correct/), else null"
    )
    correcting_invoice = serializers.SerializerMethodField(
        help_text="The invoice made to replace this one when it was corrected, else null"
    )
    corrects_invoice = serializers.SerializerMethodField(
        help_text="The invoice this one replaces (made by its correction), else null"
    )

    class Meta(DocumentSerializer.Meta):
        fields = [
            *DocumentSerializer.Meta.fields,
            "corrected_by_credit_note",
            "correcting_invoice",
            "corrects_invoice",
        ]
        read_only_fields = fields

    def get_corrected_by_credit_note(self, obj) -> int | None:
        correction = _correction_of(obj, "correction")
        return correction.credit_note_id if correction is not None else None

    def get_correcting_invoice(self, obj) -> int | None:
        correction = _correction_of(obj, "correction")
        return correction.correcting_invoice_id if correction is not None else None

    def get_corrects_invoice(self, obj) -> int | None:
        correction = _correction_of(obj, "corrects")
        return correction.original_id if correction is not None else None


class CreditNoteSerializer(DocumentSerializer):
    invoice = serializers.IntegerField(source="invoice_id", allow_null=True)
    corrected_invoice = serializers.SerializerMethodField(
        help_text="The invoice this credit note corrected in whole (POST /invoices/{id}/correct/), "
        "else null"
    )
    correcting_invoice = serializers.SerializerMethodField(
        help_text="The invoice made with this credit note to replace the corrected one, else null"
    )

    class Meta(DocumentSerializer.Meta):
        model = CreditNote
        fields = [
            *DocumentSerializer.Meta.fields,
            "invoice",
            "corrected_invoice",
            "correcting_invoice",
        ]
        read_only_fields = fields

    def get_corrected_invoice(self, obj) -> int | None:
        correction = _correction_of(obj, "correction")
        return correction.original_id if correction is not None else None

    def get_correcting_invoice(self, obj) -> int | None:
        correction = _correction_of(obj, "correction")
        return correction.correcting_invoice_id if correction is not None else None


class DocumentFilter(filters.FilterSet):
    legal_entity = filters.CharFilter(field_name="legal_entity__code")
    customer = filters.CharFilter(field_name="customer__account")
    customer_id = IdFilter(field_name="customer_id")
    party = filters.CharFilter(field_name="customer__party__number")
    status = filters.ChoiceFilter(choices=[("draft", "draft"), ("posted", "posted")])
    number = filters.CharFilter()
    currency = filters.CharFilter()
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")


class InvoiceFilter(DocumentFilter):
    class Meta:
        model = Invoice
        fields = [
            "legal_entity",
            "customer",
            "customer_id",
            "party",
            "status",
            "number",
            "currency",
            "date_from",
            "date_to",
        ]


class CreditNoteFilter(DocumentFilter):
    class Meta:
        model = CreditNote
        fields = [
            "legal_entity",
            "customer",
            "customer_id",
            "party",
            "status",
            "number",
            "currency",
            "date_from",
            "date_to",
        ]


class _DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    input_serializer_class: type[DocumentCreateSerializer]
    http_method_names = ["get", "post", "put", "delete", "head", "options"]

    def _original(self, request, data):
        return None

    def update(self, request, pk=None):
        """Replace a draft's header and lines (``post`` is ignored: use ``/post/``)."""
        document = self.get_object()
        data = self.input_serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        updated = document_update(
            document=document,
            data=data.to_input(request.user, invoice=self._original(request, data)),
            actor=request.user,
        )
        return self._output(updated, status.HTTP_200_OK)

    def destroy(self, request, pk=None):
        """Delete a draft."""
        document_delete(document=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def list(self, request, *args, **kwargs):
        entity_filter_guard(request)
        return super().list(request, *args, **kwargs)

    def _output(self, document, code=status.HTTP_201_CREATED) -> Response:
        fresh = self.get_queryset().get(pk=document.pk)
        return Response(self.get_serializer(fresh).data, status=code)


@extend_schema_view(
    update=extend_schema(request=DocumentCreateSerializer, responses={200: InvoiceSerializer}),
    destroy=extend_schema(responses={204: None}),
)
class InvoiceViewSet(_DocumentViewSet):
    """Free-text invoices. POST creates a draft, or creates and posts with ``"post": true``;
    ``POST /invoices/{id}/post/`` posts a draft."""

    serializer_class = InvoiceSerializer
    input_serializer_class = DocumentCreateSerializer
    filterset_class = InvoiceFilter
    queryset = Invoice.objects.none()

    def get_queryset(self):
        return invoices_for_user(self.request.user).order_by("-date", "-id")

    @extend_schema(
        request=DocumentCreateSerializer,
        responses={201: InvoiceSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    def create(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        data = DocumentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invoice = document_save(
            data=data.to_input(request.user),
            actor=request.user,
            post=data.validated_data["post"],
        )
        return self._output(invoice)

    @extend_schema(
        request=None, responses={200: InvoiceSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    )
    @action(detail=True, methods=["post"])
    def post(self, request, pk=None):
        """Post a draft invoice."""
        invoice = self.get_object()
        return idempotent(
            request,
            lambda: self._output(
                invoice_post(invoice=invoice, actor=request.user), status.HTTP_200_OK
            ),
        )


@extend_schema_view(
    update=extend_schema(request=CreditNoteCreateSerializer, responses={200: CreditNoteSerializer}),
    destroy=extend_schema(responses={204: None}),
)
class CreditNoteViewSet(_DocumentViewSet):
    """Credit notes (amounts positive), optionally against an ``invoice``; ``"post": true`` and
    ``POST /credit-notes/{id}/post/`` as for invoices."""

    serializer_class = CreditNoteSerializer
    input_serializer_class = CreditNoteCreateSerializer
    filterset_class = CreditNoteFilter
    queryset = CreditNote.objects.none()

    def _original(self, request, data):
        if data.validated_data.get("invoice") is None:
            return None
        original = invoices_for_user(request.user).filter(pk=data.validated_data["invoice"]).first()
        if original is None:
            raise serializers.ValidationError(
                {"invoice": [f"Invoice {data.validated_data['invoice']} does not exist."]}
            )
        return original

    def get_queryset(self):
        return credit_notes_for_user(self.request.user).order_by("-date", "-id")

    @extend_schema(
        request=CreditNoteCreateSerializer,
        responses={201: CreditNoteSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    def create(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        data = CreditNoteCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        credit_note = document_save(
            data=data.to_input(request.user, invoice=self._original(request, data)),
            actor=request.user,
            credit_note=True,
            post=data.validated_data["post"],
        )
        return self._output(credit_note)

    @extend_schema(
        request=None, responses={200: CreditNoteSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    )
    @action(detail=True, methods=["post"])
    def post(self, request, pk=None):
        """Post a draft credit note."""
        credit_note = self.get_object()
        return idempotent(
            request,
            lambda: self._output(
                credit_note_post(credit_note=credit_note, actor=request.user), status.HTTP_200_OK
            ),
        )
