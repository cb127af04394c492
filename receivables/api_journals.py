"""REST API of payment journals: drafts created with their lines, changed whole (``PATCH``) or
line by line (``/lines/``), validated on demand (``/validate/``: every problem at once) and
posted whole (``/post/``: all lines or none, once however often it is called)."""

from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import IDEMPOTENCY_KEY_PARAMETER, AmountField, CurrencyField
from core.idempotency import idempotent
from core.money import currency_is_known, format_amount, has_valid_precision
from core.permissions import ModelPermissionsOrReadOnly
from entities.exceptions import EntityAccessDenied
from entities.selectors import user_can_act_in

from .api_common import customer_named, entity_filter_guard, legal_entity_named
from .journal_selectors import journal_totals, payment_journals_for_user
from .models import Payment, PaymentJournal, PaymentJournalLine
from .services import (
    JournalLineInput,
    JournalMarkInput,
    journal_create,
    journal_delete,
    journal_line_add,
    journal_line_delete,
    journal_line_update,
    journal_post,
    journal_update,
    journal_validate,
)


class MarkInputSerializer(serializers.Serializer):
    transaction = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    amount = AmountField(required=False, allow_null=True)


class LineInputSerializer(serializers.Serializer):
    """A line as typed: everything may be missing in a draft (validation says what is)."""

    customer = serializers.CharField(required=False, allow_blank=True, max_length=20)
    date = serializers.DateField(required=False, allow_null=True)
    amount = AmountField(required=False, allow_null=True)
    currency = CurrencyField(required=False)
    method = serializers.ChoiceField(choices=Payment.Method.choices, default="electronic")
    reference = serializers.CharField(required=False, allow_blank=True, max_length=60)
    settle = MarkInputSerializer(many=True, required=False, max_length=50)


class JournalCreateSerializer(serializers.Serializer):
    legal_entity = serializers.CharField(max_length=10)
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    lines = LineInputSerializer(many=True, required=False, max_length=1000)


class JournalUpdateSerializer(serializers.Serializer):
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    lines = LineInputSerializer(many=True, required=False, max_length=1000)


def _line_input(entity, data: dict) -> JournalLineInput:
    customer = data.get("customer") or ""
    return JournalLineInput(
        customer=customer_named(entity, customer) if customer else None,
        date=data.get("date"),
        amount=data.get("amount"),
        currency=data.get("currency", ""),
        method=data.get("method", "electronic"),
        reference=data.get("reference", ""),
        marks=[
            JournalMarkInput(transaction=m["transaction"], amount=m.get("amount"))
            for m in data.get("settle", [])
        ],
    )


def _line_inputs(entity, rows: list[dict]) -> list[JournalLineInput]:
    inputs = []
    for index, row in enumerate(rows):
        try:
            inputs.append(_line_input(entity, row))
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"lines": {index: error.detail}}) from None
    return inputs


def _amount(value, currency: str) -> str | None:
    if value is None:
        return None
    if currency_is_known(currency) and has_valid_precision(value, currency):
        return format_amount(value, currency)
    # No currency yet (no customer), or more decimals than it has: as typed.
    return format(value.normalize(), "f")


class LineSerializer(serializers.ModelSerializer):
    customer = serializers.CharField(source="customer.account", allow_null=True, default=None)
    amount = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()
    payment = serializers.IntegerField(source="payment_id", allow_null=True)
    payment_number = serializers.CharField(source="payment.number", default=None)
    settle = serializers.SerializerMethodField()

    class Meta:
        model = PaymentJournalLine
        fields = [
            "id",
            "position",
            "customer",
            "date",
            "amount",
            "currency",
            "method",
            "reference",
            "settle",
            "payment",
            "payment_number",
        ]
        read_only_fields = fields

    def get_currency(self, line) -> str:
        return line.currency or (line.customer.currency if line.customer else "")

    def get_amount(self, line) -> str | None:
        return _amount(line.amount, self.get_currency(line))

    @extend_schema_field(
        inline_serializer(
            "PaymentJournalMark",
            {
                "transaction": serializers.IntegerField(),
                "document_number": serializers.CharField(),
                "amount": serializers.CharField(allow_null=True),
            },
            many=True,
        )
    )
    def get_settle(self, line) -> list[dict]:
        return [
            {
                "transaction": m.open_transaction_id,
                "document_number": m.open_transaction.document_number,
                "amount": _amount(m.amount, m.open_transaction.currency),
            }
            for m in line.marks.all()
        ]


class TotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    amount = AmountField()
    count = serializers.IntegerField()


class JournalSerializer(serializers.ModelSerializer):
    legal_entity = serializers.CharField(source="legal_entity.code")
    created_by = serializers.CharField(source="created_by.username", default=None)
    posted_by = serializers.CharField(source="posted_by.username", default=None)
    line_count = serializers.IntegerField()
    totals = serializers.SerializerMethodField()
    lines = LineSerializer(many=True)

    class Meta:
        model = PaymentJournal
        fields = [
            "id",
            "legal_entity",
            "description",
            "status",
            "line_count",
            "totals",
            "lines",
            "created_by",
            "created_at",
            "posted_by",
            "posted_at",
        ]
        read_only_fields = fields

    @extend_schema_field(TotalSerializer(many=True))
    def get_totals(self, journal) -> list[dict]:
        totals = self.context.get("totals")
        if totals is None:
            totals = journal_totals([journal.pk])
        return TotalSerializer(totals.get(journal.pk, []), many=True).data


class ValidationSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    problems = serializers.IntegerField()
    fields = serializers.DictField()


class JournalFilter(filters.FilterSet):
    legal_entity = filters.CharFilter(field_name="legal_entity__code")
    status = filters.ChoiceFilter(choices=[("draft", "draft"), ("posted", "posted")])

    class Meta:
        model = PaymentJournal
        fields = ["legal_entity", "status"]


class JournalPermissions(ModelPermissionsOrReadOnly):
    """Removing a draft's line, or the draft itself, is the clerk's own work in progress: it
    needs the change permission."""

    perms_map = {
        **ModelPermissionsOrReadOnly.perms_map,
        "DELETE": ["%(app_label)s.change_%(model_name)s"],
    }


class PaymentJournalViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Payment journals of the granted legal entities: drafts and posted."""

    serializer_class = JournalSerializer
    filterset_class = JournalFilter
    permission_classes = [JournalPermissions]
    queryset = PaymentJournal.objects.none()

    def get_queryset(self):
        from django.db.models import Prefetch

        lines = PaymentJournalLine.objects.select_related("customer", "payment").prefetch_related(
            "marks__open_transaction"
        )
        return (
            payment_journals_for_user(self.request.user)
            .prefetch_related(Prefetch("lines", queryset=lines.order_by("position")))
            .order_by("-created_at", "-id")
        )

    def list(self, request, *args, **kwargs):
        entity_filter_guard(request)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        totals = journal_totals([j.pk for j in page])
        data = JournalSerializer(page, many=True, context={"totals": totals}).data
        return self.get_paginated_response(data)

    def _output(self, journal, code=status.HTTP_200_OK) -> Response:
        return Response(
            self.get_serializer(self.get_queryset().get(pk=journal.pk)).data, status=code
        )

    @extend_schema(
        request=JournalCreateSerializer,
        responses={201: JournalSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    def create(self, request):
        """A draft journal with its lines (blank lines are left out)."""
        return idempotent(request, lambda: self._create(request))

    def _create(self, request):
        data = JournalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entity = legal_entity_named(data.validated_data["legal_entity"])
        if not user_can_act_in(request.user, entity):
            raise EntityAccessDenied(entity.code)
        journal = journal_create(
            legal_entity=entity,
            actor=request.user,
            description=data.validated_data.get("description", ""),
            lines=_line_inputs(entity, data.validated_data.get("lines", [])),
        )
        return self._output(journal, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, pk=None):
        """Delete a draft journal with its lines; a posted journal is refused."""
        journal_delete(journal=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=JournalUpdateSerializer, responses={200: JournalSerializer})
    def partial_update(self, request, pk=None):
        """Change a draft's description, and/or replace all its lines (``lines``)."""
        journal = self.get_object()
        data = JournalUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lines = data.validated_data.get("lines")
        journal = journal_update(
            journal=journal,
            actor=request.user,
            description=data.validated_data.get("description"),
            lines=None if lines is None else _line_inputs(journal.legal_entity, lines),
        )
        return self._output(journal)

    @extend_schema(request=LineInputSerializer, responses={201: JournalSerializer})
    @action(detail=True, methods=["post"], url_path="lines")
    def lines(self, request, pk=None):
        """Add a line at the end of a draft."""
        journal = self.get_object()
        data = LineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        journal_line_add(
            journal=journal,
            data=_line_input(journal.legal_entity, data.validated_data),
            actor=request.user,
        )
        return self._output(journal, status.HTTP_201_CREATED)

    @extend_schema(request=LineInputSerializer, responses={200: JournalSerializer})
    @action(detail=True, methods=["patch", "delete"], url_path=r"lines/(?P<line_id>[0-9]{1,18})")
    def line(self, request, pk=None, line_id=None):
        """Replace what a draft's line holds (``PATCH``), or remove it (``DELETE``)."""
        journal = self.get_object()
        line = get_object_or_404(PaymentJournalLine, journal=journal, pk=line_id)
        if request.method == "DELETE":
            return self._output(journal_line_delete(line=line, actor=request.user))
        data = LineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        journal_line_update(
            line=line,
            data=_line_input(journal.legal_entity, data.validated_data),
            actor=request.user,
        )
        return self._output(journal)

    @extend_schema(request=None, responses={200: ValidationSerializer})
    @action(detail=True, methods=["post"])
    def validate(self, request, pk=None):
        """Every problem that stops the journal from posting, per line number and field."""
        check = journal_validate(journal=self.get_object(), actor=request.user)
        return Response({"valid": check.ok, "problems": check.count, "fields": check.fields()})

    @extend_schema(
        request=None, responses={200: JournalSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    )
    # Not named ``post``: the view of every route of this viewset would answer a POST with it.
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_journal(self, request, pk=None):
        """Post every line as a payment (and settle what they mark), all or nothing; a posted
        journal is returned as it is."""
        journal = self.get_object()
        return idempotent(
            request, lambda: self._output(journal_post(journal=journal, actor=request.user))
        )
