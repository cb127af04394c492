"""REST API of customer pools: saved criteria of the collections list."""

from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from ..models import CustomerPool
from ..services import customer_pool_save


class CustomerPoolSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustomerPool
        fields = ["code", "name", "criteria"]
        validators = []


class CustomerPoolViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Saved criteria of the collections list: ``min_days_overdue``, ``min_overdue``,
    ``min_balance``, ``legal_entities``, ``currency``, ``agent``."""

    serializer_class = CustomerPoolSerializer
    queryset = CustomerPool.objects.order_by("code")
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "put", "head", "options"]

    def _save(self, request, instance=None):
        data = CustomerPoolSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        return customer_pool_save(
            code=v["code"],
            name=v.get("name", ""),
            criteria=v.get("criteria", {}),
            actor=request.user,
            instance=instance,
        )

    def create(self, request, *args, **kwargs):
        pool = self._save(request)
        return Response(CustomerPoolSerializer(pool).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        return Response(CustomerPoolSerializer(self._save(request, self.get_object())).data)
