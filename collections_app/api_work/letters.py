"""REST API of collection letters: the letters sent (the collections list sends the next
one)."""

from rest_framework import serializers, viewsets

from core.api import AmountField
from entities.selectors import in_granted_entities

from ..models import CollectionLetter


class CollectionLetterSerializer(serializers.ModelSerializer):
    legal_entity = serializers.SlugRelatedField(slug_field="code", read_only=True)
    step = serializers.IntegerField(source="step.step")
    sequence = serializers.CharField(source="step.sequence")
    subject = serializers.CharField(source="step.subject")
    total = AmountField()

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


class CollectionLetterViewSet(viewsets.ReadOnlyModelViewSet):
    """Letters sent; ``POST /collections-customers/{id}/letters/`` sends the next one."""

    serializer_class = CollectionLetterSerializer
    queryset = CollectionLetter.objects.none()
    filterset_fields = ["customer"]

    def get_queryset(self):
        return in_granted_entities(
            CollectionLetter.objects.select_related("legal_entity", "step"), self.request.user
        ).order_by("-date", "-id")
