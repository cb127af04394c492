"""REST API of the AR close: what stands in the way of closing accounts receivable for a fiscal
period of a legal entity (``GET /ar-close/?legal_entity=&period=``), and closing it
(``POST /ar-close/``)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import IDEMPOTENCY_KEY_PARAMETER, refuse_unknown_query_parameters
from core.idempotency import idempotent
from core.permissions import Authenticated
from entities.exceptions import EntityAccessDenied
from entities.selectors import user_can_act_in
from ledger.models import FiscalPeriod
from ledger.selectors import fiscal_period_containing

from .api_common import legal_entity_named
from .ar_close import ar_close_blockers
from .services import ar_close


class ArCloseQuerySerializer(serializers.Serializer):
    legal_entity = serializers.CharField(max_length=10, help_text="The legal entity's code")
    period = serializers.DateField(
        help_text="A date of the fiscal period, e.g. its start (2026-03-01 for March 2026)"
    )


class ArCloseRequestSerializer(ArCloseQuerySerializer):
    override = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Close over the blockers (administrators only; give a note)",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="Why, when overriding"
    )


class ArCloseBlockerSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="draft_invoice, draft_credit_note, draft_payment, payment_journal, "
        "draft_interest_note, customer_balance, bank_statement"
    )
    message = serializers.CharField()
    url = serializers.CharField(help_text="The page where it is cleared")
    object_id = serializers.IntegerField(allow_null=True)


class ArClosePeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = FiscalPeriod
        fields = ["id", "name", "start", "end", "status"]
        read_only_fields = fields


class ArCloseSerializer(serializers.Serializer):
    legal_entity = serializers.CharField()
    period = ArClosePeriodSerializer()
    blockers = ArCloseBlockerSerializer(
        many=True, help_text="What stands in the way (after a close: what was overridden)"
    )
    can_close = serializers.BooleanField(help_text="Open or on hold, and nothing in the way")


def _entity_and_period(user, data: dict):
    entity = legal_entity_named(data["legal_entity"])
    if not user_can_act_in(user, entity):
        raise EntityAccessDenied(entity.code)
    period = fiscal_period_containing(legal_entity=entity, on=data["period"])
    if period is None:
        message = f"Legal entity {entity.code} has no fiscal period containing {data['period']}."
        raise serializers.ValidationError({"period": [message]})
    return entity, period


def _answer(entity, period, blockers) -> Response:
    return Response(
        ArCloseSerializer(
            {
                "legal_entity": entity.code,
                "period": period,
                "blockers": blockers,
                "can_close": period.status != FiscalPeriod.Status.CLOSED and not blockers,
            }
        ).data
    )


class ArCloseApi(APIView):
    """Close accounts receivable for a fiscal period of a legal entity. ``GET`` lists what
    stands in the way: drafts dated in the period (invoices, credit notes, payments, payment
    journals, interest notes), the customer-balance account's balance at the period end not
    equal to the open items at that date, bank statements with lines of the period not
    reconciled. ``POST`` closes the fiscal period for good, so that nothing posts into it
    after (409 ``ar_close_blocked`` with the blockers in ``details``); an administrator may
    close over the blockers with ``override`` and a ``note``. Closing needs the permission to
    change fiscal periods."""

    permission_classes = [Authenticated]

    @extend_schema(
        operation_id="ar_close_retrieve",
        parameters=[
            OpenApiParameter("legal_entity", str, required=True, description="The entity's code"),
            OpenApiParameter(
                "period",
                OpenApiTypes.DATE,
                required=True,
                description="A date of the fiscal period, e.g. its start",
            ),
        ],
        responses={200: ArCloseSerializer},
        tags=["ar-close"],
    )
    def get(self, request):
        refuse_unknown_query_parameters(request, {"legal_entity", "period"})
        data = ArCloseQuerySerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        entity, period = _entity_and_period(request.user, data.validated_data)
        return _answer(entity, period, ar_close_blockers(legal_entity=entity, period=period))

    @extend_schema(
        operation_id="ar_close_create",
        request=ArCloseRequestSerializer,
        responses={200: ArCloseSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        tags=["ar-close"],
    )
    def post(self, request):
        data = ArCloseRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        entity, period = _entity_and_period(request.user, values)

        def run():
            closed, overridden = ar_close(
                legal_entity=entity,
                period=period,
                actor=request.user,
                override=values["override"],
                note=values.get("note", ""),
            )
            return _answer(entity, closed, overridden)

        return idempotent(request, run)
