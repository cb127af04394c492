"""REST API of the receivables room's recurring invoices: templates (the free-text invoice
lines to bill again and again), their assignments to customers, and the invoices the
recurring-invoices job (``POST /jobs/``) generated from them."""

from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from core.api import AmountField, IdFilter
from entities.exceptions import EntityAccessDenied
from entities.models import LegalEntity
from entities.selectors import user_can_act_in
from ledger.models import MainAccount

from .api_common import customer_named, legal_entity_named
from .models import (
    CashDiscount,
    PaymentTerms,
    RecurringInvoiceAssignment,
    RecurringInvoiceOccurrence,
    RecurringInvoiceTemplate,
    SalesTaxCode,
)
from .selectors import (
    recurring_assignments_for_user,
    recurring_occurrences_for_user,
    recurring_templates_for_user,
)
from .services import TemplateLineInput, recurring_assignment_save, recurring_template_save


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


def _line_input(entity: LegalEntity, index: int, line: dict) -> TemplateLineInput:
    """A template line as the services take it; a main account it names must be one of the
    entity's, or the 400 points at the line."""
    account = None
    if line.get("account"):
        account = MainAccount.objects.filter(legal_entity=entity, number=line["account"]).first()
        if account is None:
            message = f"No main account {line['account']}."
            raise serializers.ValidationError({"lines": {index: {"account": [message]}}})
    return TemplateLineInput(
        description=line["description"],
        amount=line.get("amount"),
        quantity=line.get("quantity") or 1,
        unit_price=line.get("unit_price"),
        sales_tax_code=line.get("sales_tax_code"),
        account=account,
    )


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
        entity = legal_entity_named(v["legal_entity"])
        if not user_can_act_in(request.user, entity):
            raise EntityAccessDenied(entity.code)
        lines = [_line_input(entity, index, line) for index, line in enumerate(v["lines"])]
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
            customer=customer_named(template.legal_entity, v["customer"]),
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
