"""REST API of the receivables room's scheduled work: interest notes (post, waive, reinstate,
reverse) and recurring invoice templates with their assignments and the invoices they generated.
The jobs that generate them are started with ``POST /jobs/``; interest codes are in
``api_codes``."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import IDEMPOTENCY_KEY_PARAMETER, AmountField, IdFilter
from core.idempotency import idempotent
from entities.exceptions import EntityAccessDenied
from entities.selectors import user_can_act_in
from ledger.models import MainAccount

from .api import _customer, _entity, _entity_filter_guard
from .models import (
    CashDiscount,
    InterestNote,
    PaymentTerms,
    RecurringInvoiceAssignment,
    RecurringInvoiceOccurrence,
    RecurringInvoiceTemplate,
    SalesTaxCode,
)
from .selectors import (
    interest_notes_for_user,
    recurring_assignments_for_user,
    recurring_occurrences_for_user,
    recurring_templates_for_user,
)
from .services import (
    TemplateLineInput,
    interest_note_post,
    interest_note_reinstate,
    interest_note_reverse,
    interest_note_waive,
    recurring_assignment_save,
    recurring_template_save,
)

# --- interest notes ---------------------------------------------------------------------------


class InterestNoteLineSerializer(serializers.Serializer):
    open_transaction = serializers.IntegerField(source="open_transaction_id")
    document_number = serializers.CharField()
    due_date = serializers.DateField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    days = serializers.IntegerField()
    months = serializers.IntegerField()
    base = AmountField(currency_source="note.currency")
    percent = serializers.DecimalField(max_digits=9, decimal_places=6)
    amount = AmountField(currency_source="note.currency")


class InterestNoteSerializer(serializers.ModelSerializer):
    legal_entity = serializers.SlugRelatedField(slug_field="code", read_only=True)
    customer = serializers.SlugRelatedField(slug_field="account", read_only=True)
    party = serializers.CharField(source="customer.party.number", read_only=True)
    interest_code = serializers.SlugRelatedField(slug_field="code", read_only=True)
    interest = AmountField()
    minimum_adjustment = AmountField()
    fee = AmountField()
    total = AmountField()
    lines = InterestNoteLineSerializer(many=True, read_only=True)
    open_transaction = serializers.SerializerMethodField()

    class Meta:
        model = InterestNote
        fields = [
            "id",
            "number",
            "legal_entity",
            "customer",
            "party",
            "interest_code",
            "currency",
            "date",
            "status",
            "interest",
            "minimum_adjustment",
            "fee",
            "total",
            "lines",
            "voucher",
            "reversal_voucher",
            "open_transaction",
            "job",
            "created_at",
            "posted_at",
        ]

    def get_open_transaction(self, obj) -> int | None:
        ot = getattr(obj, "open_transaction", None)
        return ot.pk if ot is not None else None


class InterestNoteFilter(filters.FilterSet):
    legal_entity = filters.CharFilter(field_name="legal_entity__code")
    customer = filters.CharFilter(field_name="customer__account")
    party = filters.CharFilter(field_name="customer__party__number")
    status = filters.ChoiceFilter(choices=InterestNote.Status.choices)
    job = IdFilter(field_name="job_id")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = InterestNote
        fields = ["legal_entity", "customer", "party", "status", "job", "date_from", "date_to"]


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ReverseSerializer(serializers.Serializer):
    date = serializers.DateField(required=False)


class InterestNoteViewSet(viewsets.ReadOnlyModelViewSet):
    """Interest notes made by the interest-notes job (``POST /jobs/`` with kind
    ``interest_notes``): review, then ``/post/``, ``/waive/``, ``/reinstate/``, ``/reverse/``."""

    serializer_class = InterestNoteSerializer
    filterset_class = InterestNoteFilter
    queryset = InterestNote.objects.none()

    def get_queryset(self):
        return (
            interest_notes_for_user(self.request.user)
            .select_related("open_transaction")
            .order_by("-date", "-id")
        )

    def list(self, request, *args, **kwargs):
        _entity_filter_guard(request)
        return super().list(request, *args, **kwargs)

    def _output(self, note) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=note.pk)).data)

    @extend_schema(
        request=None,
        responses={200: InterestNoteSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_note(self, request, pk=None):
        """Post a draft note: customer balance Dr / interest Cr; an open debit."""
        note = self.get_object()
        return idempotent(
            request, lambda: self._output(interest_note_post(note=note, actor=request.user))
        )

    @extend_schema(request=ReasonSerializer, responses={200: InterestNoteSerializer})
    @action(detail=True, methods=["post"])
    def waive(self, request, pk=None):
        """Waive a draft note: its days count as not charged, so the next run charges them again."""
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = interest_note_waive(
            note=self.get_object(),
            actor=request.user,
            reason=data.validated_data.get("reason", ""),
        )
        return self._output(note)

    @extend_schema(request=None, responses={200: InterestNoteSerializer})
    @action(detail=True, methods=["post"])
    def reinstate(self, request, pk=None):
        """Bring a waived note back to draft; a 409 once a later note has charged its days again."""
        return self._output(interest_note_reinstate(note=self.get_object(), actor=request.user))

    @extend_schema(
        request=ReverseSerializer,
        responses={200: InterestNoteSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Reverse a posted note that nothing has settled."""
        note = self.get_object()
        data = ReverseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return idempotent(
            request,
            lambda: self._output(
                interest_note_reverse(
                    note=note, actor=request.user, on=data.validated_data.get("date")
                )
            ),
        )


# --- recurring invoices -----------------------------------------------------------------------


class TemplateLineSerializer(serializers.Serializer):
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
        required=False, allow_null=True, allow_blank=True, max_length=30
    )


class RecurringTemplateSerializer(serializers.ModelSerializer):
    legal_entity = serializers.CharField(max_length=10)
    currency = serializers.CharField(
        required=False, allow_blank=True, max_length=3, help_text="Empty: the customer's"
    )
    payment_terms = serializers.SlugRelatedField(
        slug_field="code", queryset=PaymentTerms.objects, required=False, allow_null=True
    )
    cash_discount = serializers.SlugRelatedField(
        slug_field="code", queryset=CashDiscount.objects, required=False, allow_null=True
    )
    lines = TemplateLineSerializer(many=True)

    class Meta:
        model = RecurringInvoiceTemplate
        fields = [
            "id",
            "legal_entity",
            "code",
            "description",
            "currency",
            "payment_terms",
            "cash_discount",
            "lines",
        ]
        validators = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["legal_entity"] = instance.legal_entity.code
        currency = instance.currency or instance.legal_entity.accounting_currency
        money = AmountField()
        data["lines"] = [
            {
                "description": x.description,
                "quantity": str(x.quantity),
                "unit_price": money.to_representation((x.unit_price, currency)),
                "amount": money.to_representation((x.amount, currency)),
                "sales_tax_code": x.sales_tax_code.code if x.sales_tax_code else None,
                "account": x.account.number if x.account else None,
            }
            for x in instance.lines.all()
        ]
        return data


class RecurringTemplateViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Recurring invoice templates: the free-text invoice lines to bill again and again."""

    serializer_class = RecurringTemplateSerializer
    queryset = RecurringInvoiceTemplate.objects.none()
    filterset_fields = ["code"]
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self):
        return recurring_templates_for_user(self.request.user).order_by(
            "legal_entity__code", "code"
        )

    def _save(self, request, instance=None):
        data = RecurringTemplateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        entity = _entity(v["legal_entity"])
        if not user_can_act_in(request.user, entity):
            raise EntityAccessDenied(entity.code)
        lines = []
        for index, line in enumerate(v["lines"]):
            account = None
            if line.get("account"):
                account = MainAccount.objects.filter(
                    legal_entity=entity, number=line["account"]
                ).first()
                if account is None:
                    raise serializers.ValidationError(
                        {"lines": {index: {"account": [f"No main account {line['account']}."]}}}
                    )
            lines.append(
                TemplateLineInput(
                    description=line["description"],
                    amount=line.get("amount"),
                    quantity=line.get("quantity") or 1,
                    unit_price=line.get("unit_price"),
                    sales_tax_code=line.get("sales_tax_code"),
                    account=account,
                )
            )
        template = recurring_template_save(
            legal_entity=entity,
            code=v["code"],
            description=v["description"],
            currency=v.get("currency", ""),
            payment_terms=v.get("payment_terms"),
            cash_discount=v.get("cash_discount"),
            lines=lines,
            actor=request.user,
            instance=instance,
        )
        return self.get_queryset().get(pk=template.pk)

    def create(self, request, *args, **kwargs):
        template = self._save(request)
        return Response(self.get_serializer(template).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        return Response(self.get_serializer(self._save(request, self.get_object())).data)


class RecurringAssignmentSerializer(serializers.ModelSerializer):
    template = serializers.PrimaryKeyRelatedField(queryset=RecurringInvoiceTemplate.objects)
    customer = serializers.CharField(
        max_length=20, help_text="The customer account in the template's legal entity"
    )
    legal_entity = serializers.CharField(source="template.legal_entity.code", read_only=True)
    generated_count = serializers.IntegerField(read_only=True)
    last_period = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = RecurringInvoiceAssignment
        fields = [
            "id",
            "template",
            "legal_entity",
            "customer",
            "start_date",
            "end_date",
            "occurrences",
            "frequency",
            "interval",
            "post",
            "active",
            "generated_count",
            "last_period",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["customer"] = instance.customer.account
        return data


class RecurringAssignmentFilter(filters.FilterSet):
    legal_entity = filters.CharFilter(field_name="template__legal_entity__code")
    template = IdFilter(field_name="template_id")
    customer = filters.CharFilter(field_name="customer__account")
    active = filters.BooleanFilter()

    class Meta:
        model = RecurringInvoiceAssignment
        fields = ["legal_entity", "template", "customer", "active"]


class RecurringAssignmentViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """A template assigned to a customer: start date, end date or number of occurrences,
    frequency (days, weeks, months, years) × interval, and whether to post what is generated."""

    serializer_class = RecurringAssignmentSerializer
    filterset_class = RecurringAssignmentFilter
    queryset = RecurringInvoiceAssignment.objects.none()
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self):
        return recurring_assignments_for_user(self.request.user).order_by("pk")

    def _save(self, request, instance=None):
        data = RecurringAssignmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        template = v["template"]
        if not user_can_act_in(request.user, template.legal_entity):
            # Another entity's template answers as one that does not exist.
            raise serializers.ValidationError(
                {"template": [f'Invalid pk "{template.pk}" - object does not exist.']}
            )
        assignment = recurring_assignment_save(
            template=template,
            customer=_customer(template.legal_entity, v["customer"]),
            start_date=v["start_date"],
            end_date=v.get("end_date"),
            occurrences=v.get("occurrences"),
            frequency=v.get("frequency", RecurringInvoiceAssignment.Frequency.MONTHS),
            interval=v.get("interval", 1),
            post=v.get("post", False),
            active=v.get("active", True),
            actor=request.user,
            instance=instance,
        )
        return self.get_queryset().get(pk=assignment.pk)

    def create(self, request, *args, **kwargs):
        assignment = self._save(request)
        return Response(self.get_serializer(assignment).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        return Response(self.get_serializer(self._save(request, self.get_object())).data)


class RecurringOccurrenceSerializer(serializers.ModelSerializer):
    legal_entity = serializers.CharField(source="assignment.template.legal_entity.code")
    template = serializers.IntegerField(source="assignment.template_id")
    customer = serializers.CharField(source="assignment.customer.account")
    invoice_status = serializers.CharField(source="invoice.status")
    invoice_number = serializers.CharField(source="invoice.number")

    class Meta:
        model = RecurringInvoiceOccurrence
        fields = [
            "id",
            "assignment",
            "sequence",
            "period_date",
            "legal_entity",
            "template",
            "customer",
            "invoice",
            "invoice_number",
            "invoice_status",
            "job",
            "created_at",
        ]


class RecurringOccurrenceFilter(filters.FilterSet):
    legal_entity = filters.CharFilter(field_name="assignment__template__legal_entity__code")
    assignment = IdFilter(field_name="assignment_id")
    template = IdFilter(field_name="assignment__template_id")
    job = IdFilter(field_name="job_id")

    class Meta:
        model = RecurringInvoiceOccurrence
        fields = ["legal_entity", "assignment", "template", "job"]


class RecurringOccurrenceViewSet(viewsets.ReadOnlyModelViewSet):
    """The invoices recurring assignments generated: one per (assignment, period)."""

    serializer_class = RecurringOccurrenceSerializer
    filterset_class = RecurringOccurrenceFilter
    queryset = RecurringInvoiceOccurrence.objects.none()

    def get_queryset(self):
        return recurring_occurrences_for_user(self.request.user).order_by("-period_date", "-id")
