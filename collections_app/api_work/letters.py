"""REST API of collection letters: the letters sent (the collections list sends the next
one)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from core.api import AmountField
from core.money import format_amount
from entities.selectors import in_granted_entities

from ..models import CollectionLetter


class LetterTransactionSerializer(serializers.Serializer):
    """A transaction as the letter listed it."""

    open_transaction = serializers.IntegerField()
    document_number = serializers.CharField()
    due_date = serializers.DateField()
    days_overdue = serializers.IntegerField()
    open_amount = serializers.CharField(help_text="In the letter's currency's minor units.")


class CollectionLetterSerializer(serializers.ModelSerializer):
    legal_entity = serializers.SlugRelatedField(slug_field="code", read_only=True)
    step = serializers.IntegerField(source="step.step")
    sequence = serializers.CharField(source="step.sequence")
    subject = serializers.CharField(source="step.subject")
    total = AmountField()
    transactions = serializers.SerializerMethodField()

    class Meta:
        model = CollectionLetter
        fields = [
            "id",
            "legal_entity",
            "customer",
            "sequence",
            "step",
            "subject",
            "date",
            "currency",
            "total",
            "transactions",
            "emailed_to",
            "emailed_at",
            "html",
            "created_at",
        ]

    @extend_schema_field(LetterTransactionSerializer(many=True))
    def get_transactions(self, letter) -> list[dict]:
        # Letters kept their rows as written; older ones wrote amounts with four decimals.
        return [
            {**row, "open_amount": format_amount(row["open_amount"], letter.currency)}
            for row in letter.transactions
        ]


class CollectionLetterViewSet(viewsets.ReadOnlyModelViewSet):
    """Letters sent; ``POST /collections-customers/{id}/letters/`` sends the next one."""

    serializer_class = CollectionLetterSerializer
    queryset = CollectionLetter.objects.none()
    filterset_fields = ["customer"]

    def get_queryset(self):
        return in_granted_entities(
            CollectionLetter.objects.select_related("legal_entity", "step"), self.request.user
        ).order_by("-date", "-id")
