"""Statement lines through the API: each with its proposals; a PATCH changes what it posts
(marked transactions, a customer, a posting type, ignored, or a proposal accepted), and a
POST posts it (once: posting again returns the first result)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import AmountField
from core.errors import InvalidInput
from entities.models import Customer
from entities.selectors import user_can_act_in

from ..models import BankStatementLine
from ..selectors import bank_statement_lines_for_user, lines_for_viewer
from ..services.lines import (
    MarkedInput,
    line_customer_set,
    line_posting_type_set,
    line_proposal_accept,
    line_status_set,
    line_transactions_mark,
)
from ..services.posting import line_post


class MarkedSerializer(serializers.Serializer):
    transaction = serializers.IntegerField(min_value=1)
    amount = AmountField(required=False, allow_null=True)
    cash_discount = AmountField(required=False, allow_null=True)
    full_settlement = serializers.BooleanField(required=False, default=False)


class ProposalTransactionSerializer(serializers.Serializer):
    transaction = serializers.IntegerField()
    amount = serializers.CharField()
    cash_discount = serializers.CharField(allow_null=True)


class ProposalSerializer(serializers.Serializer):
    rule = serializers.CharField()
    confidence = serializers.IntegerField()
    reason = serializers.CharField()
    customer = serializers.IntegerField(allow_null=True)
    tie = serializers.BooleanField(default=False)
    transactions = ProposalTransactionSerializer(many=True)


class BankStatementLineSerializer(serializers.ModelSerializer):
    amount = AmountField()
    charges = AmountField()
    proposals = ProposalSerializer(many=True, read_only=True)
    transactions = serializers.JSONField(source="marked", read_only=True)
    payment = serializers.PrimaryKeyRelatedField(read_only=True)
    settlement = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = BankStatementLine
        fields = [
            "id",
            "statement",
            "sequence",
            "booking_date",
            "value_date",
            "amount",
            "currency",
            "counterparty_name",
            "counterparty_iban",
            "counterparty_bic",
            "remittance_info",
            "structured_reference",
            "end_to_end_id",
            "bank_reference",
            "bank_transaction_code",
            "return_reason",
            "charges",
            "status",
            "proposals",
            "transactions",
            "customer",
            "posting_type",
            "payment",
            "refund",
            "settlement",
            "voucher",
            "returned_payment",
            "error",
            "posted_at",
        ]
        read_only_fields = fields


class LineChangeSerializer(serializers.Serializer):
    """Exactly one of these: what the line posts from now on."""

    transactions = MarkedSerializer(many=True, required=False, max_length=500)
    customer = serializers.IntegerField(min_value=1, required=False)
    posting_type = serializers.CharField(required=False)
    status = serializers.ChoiceField(
        choices=[BankStatementLine.Status.IGNORED, BankStatementLine.Status.UNMATCHED],
        required=False,
    )
    proposal = serializers.IntegerField(
        min_value=0, required=False, help_text="Accept this proposal (0: the best)"
    )

    def validate(self, attrs):
        if len(attrs) != 1:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        "Give exactly one of transactions, customer, posting_type, status or "
                        "proposal."
                    ]
                }
            )
        return attrs


class BankStatementLineViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Statement lines: review the proposals, change what a line posts, post it."""

    serializer_class = BankStatementLineSerializer
    queryset = BankStatementLine.objects.none()
    filterset_fields = ["statement", "status"]
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self):
        return bank_statement_lines_for_user(self.request.user).order_by("statement", "sequence")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        lines = lines_for_viewer(page, request.user)
        return self.get_paginated_response(self.get_serializer(lines, many=True).data)

    def _line(self, pk: int):
        (line,) = lines_for_viewer([self.get_queryset().get(pk=pk)], self.request.user)
        return BankStatementLineSerializer(line).data

    def retrieve(self, request, *args, **kwargs):
        return Response(self._line(self.get_object().pk))

    @extend_schema(request=LineChangeSerializer, responses={200: BankStatementLineSerializer})
    def partial_update(self, request, pk=None):
        line = self.get_object()
        data = LineChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        actor = request.user
        if "transactions" in given:
            line = line_transactions_mark(
                line=line,
                transactions=[MarkedInput(**item) for item in given["transactions"]],
                actor=actor,
            )
        elif "customer" in given:
            customer = Customer.objects.filter(pk=given["customer"]).first()
            if customer is None or not user_can_act_in(actor, customer.legal_entity_id):
                raise InvalidInput(
                    f"Customer {given['customer']} does not exist.", field="customer"
                )
            line = line_customer_set(line=line, customer=customer, actor=actor)
        elif "posting_type" in given:
            line = line_posting_type_set(line=line, posting_type=given["posting_type"], actor=actor)
        elif "status" in given:
            line = line_status_set(line=line, status=given["status"], actor=actor)
        else:
            line = line_proposal_accept(line=line, index=given["proposal"], actor=actor)
        return Response(self._line(line.pk))

    @extend_schema(request=None, responses={200: BankStatementLineSerializer})
    @action(detail=True, methods=["post"])
    def post(self, request, pk=None):
        """Post the line (a payment and its settlement, a posting, a refund or a returned debit)
        in one transaction; posting it again returns the first result."""
        line = line_post(line=self.get_object(), actor=request.user)
        return Response(self._line(line.pk))
