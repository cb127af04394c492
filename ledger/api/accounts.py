"""REST API of main accounts, the chart of accounts of each granted legal entity (read-only:
creating a legal entity creates its chart)."""

from rest_framework import serializers, viewsets

from entities.selectors import granted_entity_ids

from ..models import MainAccount


class MainAccountSerializer(serializers.ModelSerializer):
    legal_entity = serializers.CharField(source="legal_entity.code", read_only=True)

    class Meta:
        model = MainAccount
        fields = ["id", "legal_entity", "number", "name", "kind", "active"]


class MainAccountViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MainAccountSerializer
    queryset = MainAccount.objects.none()
    filterset_fields = {"legal_entity__code": ["exact"], "kind": ["exact"]}

    def get_queryset(self):
        qs = MainAccount.objects.select_related("legal_entity").order_by(
            "legal_entity__code", "number"
        )
        ids = granted_entity_ids(self.request.user)
        return qs if ids is None else qs.filter(legal_entity_id__in=ids)
