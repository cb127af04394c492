"""REST API of the collections room: aging period sets, aging snapshots and the aged balances per
customer and per party. A snapshot is made by the ``aging_snapshot`` job (``POST /jobs/``)."""

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import MAX_ID, AmountField, refuse_unknown_query_parameters
from entities.models import LegalEntity

from .models import AgingBucket, AgingPeriodSet, AgingSnapshot
from .selectors import (
    LEVELS,
    ORDERINGS,
    aging_customer_lines_for_user,
    aging_party_lines_for_user,
    aging_period_set_get,
    aging_period_sets,
    aging_row_buckets,
    aging_snapshots_for_user,
)

# --- period sets -----------------------------------------------------------------------------


class AgingBucketSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgingBucket
        fields = ["sequence", "label", "from_days", "to_days"]


class AgingPeriodSetSerializer(serializers.ModelSerializer):
    buckets = AgingBucketSerializer(many=True, read_only=True)

    class Meta:
        model = AgingPeriodSet
        fields = ["code", "name", "is_default", "buckets"]


@extend_schema(
    description="Aging period sets and their buckets (days overdue, bounds included; an empty "
    "bound is open-ended). Edited in the admin."
)
class AgingPeriodSetViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AgingPeriodSetSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    queryset = AgingPeriodSet.objects.none()

    def get_queryset(self):
        return aging_period_sets()


# --- snapshots -------------------------------------------------------------------------------


class BucketDefinitionSerializer(serializers.Serializer):
    label = serializers.CharField()
    from_days = serializers.IntegerField(allow_null=True)
    to_days = serializers.IntegerField(allow_null=True)


class AgingSnapshotSerializer(serializers.ModelSerializer):
    legal_entity = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    legal_entities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    period_set = serializers.SlugRelatedField(slug_field="code", read_only=True)
    level = serializers.SerializerMethodField()
    buckets = BucketDefinitionSerializer(many=True, read_only=True)

    class Meta:
        model = AgingSnapshot
        fields = [
            "id",
            "level",
            "legal_entity",
            "legal_entities",
            "period_set",
            "as_of",
            "job",
            "buckets",
            "line_count",
            "created_at",
            "completed_at",
        ]

    def get_level(self, obj) -> str:
        return "customer" if obj.legal_entity_id else "party"


class AgingSnapshotFilter(filters.FilterSet):
    legal_entity = filters.CharFilter(field_name="legal_entity__code")
    period_set = filters.CharFilter(field_name="period_set__code")
    as_of = filters.DateFilter()
    level = filters.ChoiceFilter(
        choices=[(level, level) for level in LEVELS], method="filter_level"
    )

    class Meta:
        model = AgingSnapshot
        fields = ["legal_entity", "period_set", "as_of", "level"]

    def filter_level(self, queryset, name, value):
        return queryset.filter(legal_entity__isnull=value == "party")


@extend_schema(
    description="Complete aging snapshots: per legal entity (level customer) and the party "
    "level of a date across entities (legal_entity null; shown when every entity it sums is "
    "granted). Start one with POST /jobs/ {kind: aging_snapshot}."
)
class AgingSnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AgingSnapshotSerializer
    filterset_class = AgingSnapshotFilter
    queryset = AgingSnapshot.objects.none()

    def get_queryset(self):
        return (
            aging_snapshots_for_user(self.request.user)
            .prefetch_related("legal_entities")
            .order_by("-as_of", "legal_entity__code", "-id")
        )


# --- aged balances ---------------------------------------------------------------------------


class AgingQuerySerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=LEVELS, default="customer")
    legal_entity = serializers.CharField(required=False, max_length=10)
    party = serializers.CharField(required=False, max_length=40)
    customer = serializers.CharField(required=False, max_length=20)
    customer_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    as_of = serializers.DateField(required=False)
    period_set = serializers.CharField(required=False, max_length=20)
    ordering = serializers.ChoiceField(choices=sorted(ORDERINGS), required=False)

    def validate_legal_entity(self, code):
        entity = LegalEntity.objects.filter(code=code).first()
        if entity is None:
            raise serializers.ValidationError(f"Unknown legal entity {code!r}.")
        return entity


class AgingBucketAmountSerializer(BucketDefinitionSerializer):
    amount = serializers.CharField(help_text="In the currency's minor units, like every amount.")


class AgingLineSerializer(serializers.Serializer):
    level = serializers.SerializerMethodField()
    snapshot = serializers.IntegerField(source="snapshot_id", default=None, allow_null=True)
    as_of = serializers.DateField()
    legal_entity = serializers.CharField(source="legal_entity_code", allow_null=True)
    customer_id = serializers.IntegerField(default=None, allow_null=True)
    customer = serializers.CharField(source="customer_account", default=None, allow_null=True)
    customer_name = serializers.SerializerMethodField()
    party = serializers.CharField(source="party_number")
    party_name = serializers.CharField()
    currency = serializers.CharField(help_text="The legal entity's accounting currency.")
    balance = AmountField()
    not_due = AmountField(help_text="Not yet due on the as-of date.")
    overdue = AmountField()
    buckets = serializers.SerializerMethodField()

    def get_level(self, row) -> str:
        return "customer" if row.get("customer_id") else "party"

    @extend_schema_field(OpenApiTypes.STR)
    def get_customer_name(self, row) -> str | None:
        if not row.get("customer_id"):
            return None
        return row.get("customer_name") or row["party_name"]

    @extend_schema_field(AgingBucketAmountSerializer(many=True))
    def get_buckets(self, row):
        definitions = row.get("bucket_definitions") or self.context["definitions"]
        return aging_row_buckets(row, definitions)


_AGING_PARAMETERS = [
    OpenApiParameter("level", str, enum=list(LEVELS), description="customer (default) or party"),
    OpenApiParameter("legal_entity", str, description="Legal entity code"),
    OpenApiParameter("party", str, description="Party number"),
    OpenApiParameter("customer", str, description="Customer account (level customer)"),
    OpenApiParameter("customer_id", int, description="Customer id (level customer)"),
    OpenApiParameter(
        "as_of", OpenApiTypes.DATE, description="Snapshot date; default each entity's latest"
    ),
    OpenApiParameter("period_set", str, description="Aging period set code; default the default"),
    OpenApiParameter("ordering", str, enum=sorted(ORDERINGS)),
]


@extend_schema(
    description="Aged balances from the aging snapshots, per customer or per party (summed "
    "across legal entities, per accounting currency), only of the granted legal entities. "
    "Amounts are in each legal entity's accounting currency.",
    parameters=_AGING_PARAMETERS,
    responses=AgingLineSerializer(many=True),
)
class AgingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AgingLineSerializer
    filter_backends: list = []
    queryset = AgingSnapshot.objects.none()

    def list(self, request: Request, *args, **kwargs) -> Response:
        refuse_unknown_query_parameters(request, AgingQuerySerializer().fields)
        query = AgingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        period_set = aging_period_set_get(code=params.get("period_set"))
        entity = params.get("legal_entity")
        entity_ids = {entity.pk} if entity is not None else None
        if params["level"] == "party":
            rows = aging_party_lines_for_user(
                request.user,
                period_set=period_set,
                as_of=params.get("as_of"),
                legal_entity_ids=entity_ids,
            )
        else:
            rows = aging_customer_lines_for_user(
                request.user,
                period_set=period_set,
                as_of=params.get("as_of"),
                legal_entity_ids=entity_ids,
            )
            if "customer" in params:
                rows = rows.filter(customer__account=params["customer"])
            if "customer_id" in params:
                rows = rows.filter(customer_id=params["customer_id"])
        if "party" in params:
            rows = rows.filter(party__number=params["party"])
        ordering = params.get("ordering")
        if ordering:
            if params["level"] == "party":
                tie = ["party_id", "currency"]
                ordering = "party" if ordering == "customer" else ordering
            else:
                tie = ["customer_id"]
            rows = rows.order_by(*ORDERINGS[ordering], *tie)
        definitions = [
            {"label": b.label, "from_days": b.from_days, "to_days": b.to_days}
            for b in period_set.buckets.all()
        ]
        page = self.paginate_queryset(rows)
        data = AgingLineSerializer(page, many=True, context={"definitions": definitions}).data
        return self.get_paginated_response(data)
