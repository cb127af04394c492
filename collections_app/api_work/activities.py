"""REST API of activities: calls, emails, meetings, notes and promises to pay logged on a
customer, and the activities the other actions leave on its timeline."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import AmountField, IdFilter
from entities.selectors import in_granted_entities

from ..models import Activity
from ..services import ActivityInput, activity_done, activity_log
from .common import granted_customers, granted_open_transaction


class ActivitySerializer(serializers.ModelSerializer):
    legal_entity = serializers.SlugRelatedField(slug_field="code", read_only=True)
    customer_id = serializers.IntegerField()
    party = serializers.SlugRelatedField(slug_field="number", read_only=True)
    promised_amount = AmountField(required=False, allow_null=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    open_transaction = serializers.IntegerField(
        source="open_transaction_id", required=False, allow_null=True
    )

    class Meta:
        model = Activity
        fields = [
            "id",
            "legal_entity",
            "customer_id",
            "party",
            "kind",
            "subject",
            "notes",
            "open_transaction",
            "follow_up_on",
            "promised_on",
            "promised_amount",
            "currency",
            "done",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["currency", "done", "created_at"]


class ActivityFilter(filters.FilterSet):
    customer_id = IdFilter()
    party = filters.CharFilter(field_name="party__number")
    legal_entity = filters.CharFilter(field_name="legal_entity__code")
    kind = filters.ChoiceFilter(choices=Activity.Kind.choices)
    done = filters.BooleanFilter()
    follow_up_before = filters.DateFilter(field_name="follow_up_on", lookup_expr="lte")

    class Meta:
        model = Activity
        fields = ["customer_id", "party", "legal_entity", "kind", "done", "follow_up_before"]


class ActivityViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Calls, emails, meetings, notes and promises to pay (with follow-up dates); letters,
    disputes, write-offs and credit holds appear here too."""

    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    queryset = Activity.objects.none()

    def get_queryset(self):
        return in_granted_entities(
            Activity.objects.select_related("legal_entity", "party", "created_by"),
            self.request.user,
        ).order_by("-created_at", "-id")

    def create(self, request, *args, **kwargs):
        data = ActivitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        customer = granted_customers(request.user).filter(pk=v["customer_id"]).first()
        if customer is None:
            raise serializers.ValidationError(
                {"customer_id": [f"Customer {v['customer_id']} does not exist."]}
            )
        ot_id = v.get("open_transaction_id")
        activity = activity_log(
            customer=customer,
            data=ActivityInput(
                kind=v["kind"],
                subject=v["subject"],
                notes=v.get("notes", ""),
                follow_up_on=v.get("follow_up_on"),
                promised_on=v.get("promised_on"),
                promised_amount=v.get("promised_amount"),
                open_transaction=granted_open_transaction(request.user, ot_id) if ot_id else None,
            ),
            actor=request.user,
        )
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ActivitySerializer})
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        """Mark the follow-up done."""
        return Response(
            ActivitySerializer(activity_done(activity=self.get_object(), actor=request.user)).data
        )
