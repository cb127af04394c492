"""REST API of the audit trail, as the entities room shows it: who changed what and when, old →
new, limited to what the user's grants cover."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets

from core.models import AuditEntry

from .selectors import audit_entries_for_user


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    object_type = serializers.SerializerMethodField()
    legal_entity = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    legal_entities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created_at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "legal_entity",
            "legal_entities",
            "changes",
        ]

    def get_object_type(self, obj) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"


class AuditEntryFilter(filters.FilterSet):
    object_type = filters.CharFilter(
        method="filter_object_type", help_text="app_label.model, e.g. entities.legalentity"
    )
    legal_entity = filters.CharFilter(field_name="legal_entity__code")
    action = filters.CharFilter()
    object_id = filters.CharFilter()

    class Meta:
        model = AuditEntry
        fields = ["object_type", "object_id", "legal_entity", "action"]

    def filter_object_type(self, queryset, name, value):
        app_label, _, model = value.partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)


@extend_schema(
    description="Who changed what and when, old → new. An entry is shown only to a user granted "
    "every legal entity it concerns; entries about group-wide data only to stewards and admins."
)
class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilter
    queryset = AuditEntry.objects.none()

    def get_queryset(self):
        return (
            audit_entries_for_user(self.request.user)
            .select_related("actor", "content_type", "legal_entity")
            .prefetch_related("legal_entities")
            .order_by("-created_at", "-id")
        )
