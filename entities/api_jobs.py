"""REST API of the long jobs, as the entities room shows them: start one, follow its progress,
retry it when it failed; only jobs of granted legal entities are visible."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.jobs import job_kinds, job_retry, job_start
from core.models import Job

from .models import LegalEntity
from .selectors import jobs_for_user


class JobSerializer(serializers.ModelSerializer):
    legal_entities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    started_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    percent = serializers.IntegerField(read_only=True)
    label = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "label",
            "as_of",
            "legal_entities",
            "parameters",
            "state",
            "done",
            "total",
            "percent",
            "errors",
            "result",
            "attempts",
            "history",
            "started_by",
            "created_at",
            "started_at",
            "heartbeat_at",
            "finished_at",
        ]

    def get_label(self, obj) -> str:
        kind = job_kinds().get(obj.kind)
        return kind.label if kind else obj.kind


class JobStartSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=40)
    legal_entities = serializers.ListField(
        child=serializers.CharField(max_length=10), allow_empty=False, max_length=100
    )
    as_of = serializers.DateField()
    parameters = serializers.DictField(required=False, default=dict)

    def validate_legal_entities(self, codes):
        entities = {e.code: e for e in LegalEntity.objects.filter(code__in=codes)}
        unknown = [c for c in codes if c not in entities]
        if unknown:
            raise serializers.ValidationError(f"Unknown legal entity {unknown[0]!r}.")
        return [entities[c] for c in dict.fromkeys(codes)]


class JobFilter(filters.FilterSet):
    kind = filters.CharFilter()
    state = filters.ChoiceFilter(choices=Job.State.choices)
    legal_entity = filters.CharFilter(field_name="legal_entities__code", distinct=True)

    class Meta:
        model = Job
        fields = ["kind", "state", "legal_entity"]


@extend_schema(
    description="Long jobs (recurring invoices, interest notes, aging snapshots) with their "
    "progress. POST starts one (202); poll GET /jobs/{id}/ until state is done or failed."
)
class JobViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = JobSerializer
    filterset_class = JobFilter
    queryset = Job.objects.none()

    def get_queryset(self):
        return jobs_for_user(self.request.user).prefetch_related("legal_entities")

    @extend_schema(request=JobStartSerializer, responses={202: JobSerializer})
    def create(self, request):
        data = JobStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = job_start(
            kind=data.validated_data["kind"],
            legal_entities=data.validated_data["legal_entities"],
            as_of=data.validated_data["as_of"],
            parameters=data.validated_data["parameters"],
            actor=request.user,
        )
        job = self.get_queryset().get(pk=job.pk)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Queue a failed job again; what it already did is not done twice."""
        job = job_retry(job=self.get_object(), actor=request.user)
        job = self.get_queryset().get(pk=job.pk)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
