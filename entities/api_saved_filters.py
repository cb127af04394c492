"""REST API of saved filters: a user's own filters and those shared with them in the legal
entities they may act in. Only the owner changes or deletes a filter; anyone who sees one may
make it their default (``is_default``). Another user's private filter is a 404."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from core.permissions import Authenticated

from .models import LegalEntity, SavedFilter
from .selectors import saved_filters_for_user
from .services.saved_filters import (
    VALUE_MAX_LENGTH,
    saved_filter_create,
    saved_filter_delete,
    saved_filter_update,
)


class SavedFilterSerializer(serializers.ModelSerializer):
    list_label = serializers.CharField(read_only=True)
    parameters = serializers.DictField(child=serializers.CharField(), read_only=True)
    legal_entity = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    is_default = serializers.BooleanField(read_only=True)
    read_only = serializers.SerializerMethodField(
        help_text="Shared by another user: only its owner changes it."
    )

    class Meta:
        model = SavedFilter
        fields = [
            "id",
            "list_key",
            "list_label",
            "name",
            "parameters",
            "legal_entity",
            "shared",
            "is_default",
            "owner",
            "read_only",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_read_only(self, obj) -> bool:
        return obj.owner_id != self.context["request"].user.pk


def _parameters_field(**kwargs) -> serializers.DictField:
    return serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=VALUE_MAX_LENGTH),
        help_text="Query parameter → value; parameters the list does not filter by are dropped.",
        **kwargs,
    )


class SavedFilterCreateSerializer(serializers.Serializer):
    list_key = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=80)
    parameters = _parameters_field(required=False, default=dict)
    legal_entity = serializers.SlugRelatedField(
        slug_field="code",
        queryset=LegalEntity.objects.all(),
        help_text="Where the filter is seen (by every user granted it, when shared).",
    )
    shared = serializers.BooleanField(required=False, default=False)
    is_default = serializers.BooleanField(required=False, default=False)


class SavedFilterUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False)
    parameters = _parameters_field(required=False)
    shared = serializers.BooleanField(required=False)
    is_default = serializers.BooleanField(required=False)


class SavedFilterFilter(filters.FilterSet):
    list_key = filters.CharFilter()
    shared = filters.BooleanFilter()

    class Meta:
        model = SavedFilter
        fields = ["list_key", "shared"]


@extend_schema(
    description="Saved filters of list pages: the user's own and those shared with them in "
    "granted legal entities. PATCH and DELETE only by the owner, but anyone who sees a filter "
    "may PATCH is_default."
)
class SavedFilterViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SavedFilterSerializer
    filterset_class = SavedFilterFilter
    permission_classes = [Authenticated]
    queryset = SavedFilter.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return saved_filters_for_user(self.request.user)

    def _out(self, saved_filter: SavedFilter, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=saved_filter.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    @extend_schema(request=SavedFilterCreateSerializer, responses={201: SavedFilterSerializer})
    def create(self, request):
        data = SavedFilterCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        saved_filter = saved_filter_create(
            list_key=values["list_key"],
            name=values["name"],
            parameters=values["parameters"],
            legal_entity=values["legal_entity"],
            shared=values["shared"],
            default=values["is_default"],
            actor=request.user,
        )
        return self._out(saved_filter, status.HTTP_201_CREATED)

    @extend_schema(request=SavedFilterUpdateSerializer, responses={200: SavedFilterSerializer})
    def partial_update(self, request, pk=None):
        saved_filter = self.get_object()
        data = SavedFilterUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "is_default" in values:
            values["default"] = values.pop("is_default")
        saved_filter = saved_filter_update(saved_filter=saved_filter, actor=request.user, **values)
        return self._out(saved_filter)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        saved_filter_delete(saved_filter=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
