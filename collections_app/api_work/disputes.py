"""REST API of disputes: open debits put in dispute and resolved."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from entities.selectors import in_granted_entities

from ..models import Dispute
from ..services import dispute_open, dispute_resolve
from .common import granted_open_transaction


class DisputeSerializer(serializers.ModelSerializer):
    legal_entity = serializers.SlugRelatedField(slug_field="code", read_only=True)
    document_number = serializers.CharField(
        source="open_transaction.document_number", read_only=True
    )
    open_transaction = serializers.IntegerField(source="open_transaction_id")

    class Meta:
        model = Dispute
        fields = [
            "id",
            "open_transaction",
            "document_number",
            "legal_entity",
            "customer",
            "reason",
            "status",
            "resolution",
            "opened_at",
            "resolved_at",
        ]
        read_only_fields = ["customer", "status", "resolution", "opened_at", "resolved_at"]


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=200)


class DisputeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Transactions in dispute: no collection letter and no interest while open."""

    serializer_class = DisputeSerializer
    queryset = Dispute.objects.none()
    filterset_fields = ["status", "customer", "open_transaction"]

    def get_queryset(self):
        return in_granted_entities(
            Dispute.objects.select_related("legal_entity", "open_transaction"), self.request.user
        ).order_by("-opened_at", "-id")

    def create(self, request, *args, **kwargs):
        data = DisputeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = dispute_open(
            open_transaction=granted_open_transaction(
                request.user, data.validated_data["open_transaction_id"]
            ),
            reason=data.validated_data["reason"],
            actor=request.user,
        )
        return Response(DisputeSerializer(dispute).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ResolveSerializer, responses={200: DisputeSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = dispute_resolve(
            dispute=self.get_object(),
            resolution=data.validated_data["resolution"],
            actor=request.user,
        )
        return Response(DisputeSerializer(dispute).data)
