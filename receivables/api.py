"""REST API of the receivables room: invoices, credit notes, payments (with a bulk endpoint) and
open transactions. Business operations are explicit: an input serializer, one service call, an
output serializer."""

from django.db.models import Q
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import IDEMPOTENCY_KEY_PARAMETER, AmountField, CurrencyField, IdFilter
from core.idempotency import idempotent
from core.money import format_amount
from entities.exceptions import EntityAccessDenied
from entities.models import LegalEntity
from entities.selectors import user_can_act_in
from ledger.models import MainAccount

from .discounts import DiscountOffer, open_transaction_discount, open_transaction_discounts
from .models import (
    CashDiscount,
    CreditNote,
    Invoice,
    OpenTransaction,
    Payment,
    PaymentTerms,
    SalesTaxCode,
)
from .selectors import (
    credit_notes_for_user,
    customer_resolve,
    invoices_for_user,
    open_transactions_for_user,
    payments_for_user,
)
from .services import (
    DocumentInput,
    DocumentLineInput,
    PaymentInput,
    credit_note_post,
    document_delete,
    document_save,
    document_update,
    invoice_post,
    payment_create,
    payment_reverse,
    payments_post,
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


def _entity(code: str, field: str = "legal_entity") -> LegalEntity:
    entity = LegalEntity.objects.filter(code=code).first()
    if entity is None:
        raise serializers.ValidationError({field: [f"Unknown legal entity {code!r}."]})
    return entity


def _customer(entity: LegalEntity, value, field: str = "customer"):
    customer = customer_resolve(entity, value)
    if customer is None:
        raise serializers.ValidationError(
            {field: [f"No customer {value!r} in legal entity {entity.code}."]}
        )
    return customer


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
        entity = _entity(data["legal_entity"])
        if not user_can_act_in(user, entity):
            raise EntityAccessDenied(entity.code)
        customer = _customer(entity, data["customer"])
        lines = []
        for index, line in enumerate(data["lines"]):
            account = None
            if line.get("account"):
                account = MainAccount.objects.filter(
                    legal_entity=entity, number=line["account"]
                ).first()
                if account is None:
                    raise serializers.ValidationError(
                        {
                            "lines": {
                                index: {
                                    "account": [
                                        f"No main account {line['account']} in {entity.code}."
                                    ]
                                }
                            }
                        }
                    )
            lines.append(
                DocumentLineInput(
                    description=line["description"],
                    amount=line.get("amount"),
                    quantity=line.get("quantity") or 1,
                    unit_price=line.get("unit_price"),
                    sales_tax_code=line.get("sales_tax_code"),
                    account=account,
                )
            )
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


class DocumentSerializer(serializers.ModelSerializer):
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
    open_transaction = serializers.SerializerMethodField()

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

    def get_open_transaction(self, obj) -> int | None:
        try:
            return obj.open_transaction.pk
        except OpenTransaction.DoesNotExist:
            return None


class InvoiceSerializer(DocumentSerializer):
    pass


class CreditNoteSerializer(DocumentSerializer):
    invoice = serializers.IntegerField(source="invoice_id", allow_null=True)

    class Meta(DocumentSerializer.Meta):
        model = CreditNote
        fields = [*DocumentSerializer.Meta.fields, "invoice"]
        read_only_fields = fields


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
        _entity_filter_guard(request)
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
        original = None
        if data.validated_data.get("invoice") is not None:
            original = (
                invoices_for_user(request.user).filter(pk=data.validated_data["invoice"]).first()
            )
            if original is None:
                raise serializers.ValidationError(
                    {"invoice": [f"Invoice {data.validated_data['invoice']} does not exist."]}
                )
        credit_note = document_save(
            data=data.to_input(request.user, invoice=original),
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


# --- payments ---------------------------------------------------------------------------------


class PaymentCreateSerializer(serializers.Serializer):
    legal_entity = serializers.CharField(max_length=10)
    customer = serializers.CharField(max_length=20)
    date = serializers.DateField()
    amount = AmountField()
    currency = CurrencyField(required=False)
    method = serializers.ChoiceField(choices=Payment.Method.choices, default="electronic")
    reference = serializers.CharField(required=False, allow_blank=True, max_length=60)
    bank_account = serializers.CharField(required=False, allow_blank=True, max_length=40)
    post = serializers.BooleanField(required=False, default=False)


def _payment_input(user, data: dict, cache: dict | None = None) -> PaymentInput:
    cache = cache if cache is not None else {}
    code = data["legal_entity"]
    if code not in cache:
        cache[code] = _entity(code)
    entity = cache[code]
    if not user_can_act_in(user, entity):
        raise EntityAccessDenied(entity.code)
    key = (code, data["customer"])
    if key not in cache:
        cache[key] = _customer(entity, data["customer"])
    return PaymentInput(
        legal_entity=entity,
        customer=cache[key],
        date=data["date"],
        amount=data["amount"],
        currency=data.get("currency"),
        method=data.get("method", "electronic"),
        reference=data.get("reference", ""),
        bank_account=data.get("bank_account", ""),
    )


class PaymentBulkSerializer(serializers.Serializer):
    payments = PaymentCreateSerializer(many=True, allow_empty=False, max_length=1000)


class PaymentSerializer(serializers.ModelSerializer):
    legal_entity = serializers.CharField(source="legal_entity.code")
    customer = serializers.CharField(source="customer.account")
    customer_id = serializers.IntegerField()
    party = serializers.CharField(source="customer.party.number")
    amount = AmountField()
    voucher = serializers.IntegerField(source="voucher_id", allow_null=True)
    reversal_voucher = serializers.IntegerField(source="reversal_voucher_id", allow_null=True)
    journal = serializers.IntegerField(source="journal_id", allow_null=True)
    open_transaction = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "number",
            "legal_entity",
            "customer",
            "customer_id",
            "party",
            "date",
            "amount",
            "currency",
            "method",
            "reference",
            "bank_account",
            "status",
            "journal",
            "voucher",
            "reversal_voucher",
            "open_transaction",
            "created_at",
            "posted_at",
        ]
        read_only_fields = fields

    def get_open_transaction(self, obj) -> int | None:
        try:
            return obj.open_transaction.pk
        except OpenTransaction.DoesNotExist:
            return None


class PaymentFilter(DocumentFilter):
    status = filters.ChoiceFilter(
        choices=[("draft", "draft"), ("posted", "posted"), ("reversed", "reversed")]
    )
    method = filters.ChoiceFilter(choices=Payment.Method.choices)

    class Meta:
        model = Payment
        fields = [
            "legal_entity",
            "customer",
            "customer_id",
            "party",
            "status",
            "number",
            "currency",
            "method",
            "date_from",
            "date_to",
        ]


class PaymentReverseSerializer(serializers.Serializer):
    date = serializers.DateField(required=False)


class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Customer payments. ``"post": true`` creates and posts; ``/post/`` posts a draft;
    ``/bulk/`` posts up to 1,000 payments in one transaction, all or nothing; ``/reverse/``
    reverses an unsettled posted payment."""

    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    queryset = Payment.objects.none()

    def get_queryset(self):
        return payments_for_user(self.request.user).order_by("-date", "-id")

    def list(self, request, *args, **kwargs):
        _entity_filter_guard(request)
        return super().list(request, *args, **kwargs)

    def _output(self, payments, code=status.HTTP_201_CREATED, many=False) -> Response:
        fresh = self.get_queryset().filter(pk__in=[p.pk for p in payments]).order_by("pk")
        data = self.get_serializer(fresh, many=True).data
        return Response(data if many else data[0], status=code)

    @extend_schema(
        request=PaymentCreateSerializer,
        responses={201: PaymentSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    def create(self, request):
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        data = PaymentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment_input = _payment_input(request.user, data.validated_data)
        if data.validated_data["post"]:
            payments = payments_post(inputs=[payment_input], actor=request.user)
        else:
            payments = [payment_create(data=payment_input, actor=request.user)]
        return self._output(payments)

    @extend_schema(
        request=PaymentBulkSerializer,
        responses={201: PaymentSerializer(many=True)},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Post up to 1,000 payments in one transaction: all or nothing; errors by index."""
        return idempotent(request, lambda: self._bulk(request))

    def _bulk(self, request):
        data = PaymentBulkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cache: dict = {}
        inputs = []
        for index, row in enumerate(data.validated_data["payments"]):
            try:
                inputs.append(_payment_input(request.user, row, cache))
            except serializers.ValidationError as error:
                raise serializers.ValidationError({"payments": {index: error.detail}}) from None
        payments = payments_post(inputs=inputs, actor=request.user, errors_by_index=True)
        return self._output(payments, many=True)

    @extend_schema(
        request=None, responses={200: PaymentSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    )
    @action(detail=True, methods=["post"])
    def post(self, request, pk=None):
        """Post a draft payment."""
        payment = self.get_object()
        return idempotent(
            request,
            lambda: self._output(
                payments_post(drafts=[payment], actor=request.user), status.HTTP_200_OK
            ),
        )

    @extend_schema(
        request=PaymentReverseSerializer,
        responses={200: PaymentSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Reverse a posted payment that nothing has settled."""
        payment = self.get_object()
        data = PaymentReverseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return idempotent(
            request,
            lambda: self._output(
                [
                    payment_reverse(
                        payment=payment, actor=request.user, on=data.validated_data.get("date")
                    )
                ],
                status.HTTP_200_OK,
            ),
        )


# --- open transactions ------------------------------------------------------------------------


class OpenTransactionDiscountSerializer(serializers.Serializer):
    until = serializers.DateField()
    percent = serializers.DecimalField(max_digits=7, decimal_places=4)
    amount = AmountField(currency_source="open_transaction.currency")


class OpenTransactionSerializer(serializers.ModelSerializer):
    legal_entity = serializers.CharField(source="legal_entity.code")
    customer = serializers.CharField(source="customer.account")
    customer_id = serializers.IntegerField()
    party = serializers.CharField(source="party.number")
    amount = AmountField()
    open_amount = AmountField()
    accounting_currency = serializers.CharField(source="legal_entity.accounting_currency")
    accounting_amount = AmountField(currency_source="legal_entity.accounting_currency")
    open_accounting_amount = AmountField(currency_source="legal_entity.accounting_currency")
    cash_discounts = serializers.SerializerMethodField(
        help_text="Per discount period: pay by `until` and `amount` is taken off the open "
        "amount (signed like it)"
    )
    cash_discount_available = serializers.SerializerMethodField(
        help_text="The cash discount offered today on the open amount (signed like it): the "
        "period that applies today, or null when none runs any more"
    )
    status = serializers.SerializerMethodField()
    voucher = serializers.IntegerField(source="voucher_id")
    invoice = serializers.IntegerField(source="invoice_id", allow_null=True)
    credit_note = serializers.IntegerField(source="credit_note_id", allow_null=True)
    payment = serializers.IntegerField(source="payment_id", allow_null=True)
    refund = serializers.IntegerField(source="refund_id", allow_null=True)

    class Meta:
        model = OpenTransaction
        fields = [
            "id",
            "legal_entity",
            "customer",
            "customer_id",
            "party",
            "kind",
            "document_number",
            "date",
            "due_date",
            "currency",
            "amount",
            "open_amount",
            "accounting_currency",
            "accounting_amount",
            "open_accounting_amount",
            "cash_discounts",
            "cash_discount_available",
            "status",
            "closed_on",
            "voucher",
            "invoice",
            "credit_note",
            "payment",
            "refund",
        ]
        read_only_fields = fields

    @staticmethod
    def _discount(offer: DiscountOffer, currency: str) -> dict:
        return {
            "until": offer.until.isoformat(),
            "percent": f"{offer.percent:.4f}",
            "amount": format_amount(offer.amount, currency),
        }

    @extend_schema_field(OpenTransactionDiscountSerializer(many=True))
    def get_cash_discounts(self, obj) -> list[dict]:
        """The discount of each period for what is open now (the posted schedule while nothing
        is settled)."""
        return [self._discount(o, obj.currency) for o in open_transaction_discounts(obj)]

    @extend_schema_field(OpenTransactionDiscountSerializer(allow_null=True))
    def get_cash_discount_available(self, obj) -> dict | None:
        offer = open_transaction_discount(obj, on=timezone.localdate())
        return self._discount(offer, obj.currency) if offer else None

    def get_status(self, obj) -> str:
        return "open" if obj.open_amount != 0 else "closed"


class OpenTransactionFilter(filters.FilterSet):
    legal_entity = filters.CharFilter(field_name="legal_entity__code")
    party = filters.CharFilter(field_name="party__number")
    customer = filters.CharFilter(field_name="customer__account")
    customer_id = IdFilter(field_name="customer_id")
    currency = filters.CharFilter()
    kind = filters.ChoiceFilter(choices=OpenTransaction.Kind.choices)
    status = filters.ChoiceFilter(
        choices=[("open", "open"), ("closed", "closed")], method="filter_status"
    )
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = OpenTransaction
        fields = [
            "legal_entity",
            "party",
            "customer",
            "customer_id",
            "currency",
            "kind",
            "status",
            "due_before",
            "date_from",
            "date_to",
        ]

    def filter_status(self, queryset, name, value):
        closed = Q(open_amount=0)
        return queryset.filter(closed if value == "closed" else ~closed)


class OpenTransactionViewSet(viewsets.ReadOnlyModelViewSet):
    """Customer transactions (signed, debit positive) with what is still open and the cash
    discounts they offer."""

    serializer_class = OpenTransactionSerializer
    filterset_class = OpenTransactionFilter
    queryset = OpenTransaction.objects.none()

    def get_queryset(self):
        return open_transactions_for_user(self.request.user).order_by(
            "due_date", "date", "document_number", "id"
        )

    def list(self, request, *args, **kwargs):
        _entity_filter_guard(request)
        return super().list(request, *args, **kwargs)


def _entity_filter_guard(request):
    from ledger.api import _entity_filter_guard as guard

    guard(request)
