"""REST API of the receivables room's interest notes: made by the interest-notes job
(``POST /jobs/``), reviewed, then posted, waived, reinstated or reversed. Interest codes are in
``api_codes``."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import IDEMPOTENCY_KEY_PARAMETER, AmountField, IdFilter
from core.idempotency import idempotent

from .api_common import WithOpenTransaction, entity_filter_guard
from .models import InterestNote
from .selectors import interest_notes_for_user
from .services import (
    interest_note_post,
    interest_note_reinstate,
    interest_note_reverse,
    interest_note_waive,
)


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


class InterestNoteSerializer(WithOpenTransaction, serializers.ModelSerializer):
    legal_entity = serializers.SlugRelatedField(slug_field="code", read_only=True)
    customer = serializers.SlugRelatedField(slug_field="account", read_only=True)
    party = serializers.CharField(source="customer.party.number", read_only=True)
    interest_code = serializers.SlugRelatedField(slug_field="code", read_only=True)
    interest = AmountField()
    minimum_adjustment = AmountField()
    fee = AmountField()
    total = AmountField()
    lines = InterestNoteLineSerializer(many=True, read_only=True)

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
        entity_filter_guard(request)
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
