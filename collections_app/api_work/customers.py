"""REST API of the collections list: customers of the granted entities with their aged
balance, agent, last activity and promise, exported as CSV or XLSX; on one customer, its agent,
its credit hold and the next collection letter."""

from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import IDEMPOTENCY_KEY_PARAMETER, AmountField, refuse_unknown_query_parameters
from core.errors import Conflict
from core.exports import XLSX_CONTENT_TYPE, csv_response, xlsx_file_response
from core.idempotency import idempotent
from core.models import Job
from core.money import format_amount
from core.permissions import Authenticated
from entities.api import JobSerializer
from entities.models import Customer, LegalEntity
from entities.selectors import jobs_for_user

from ..models import CustomerPool
from ..selectors import CountedRows, aging_period_set_get, collections_lines, collections_rows
from ..services import collections_agent_assign, credit_hold_set, letter_send
from ..services.exports import (
    CollectionsExportQuery,
    collections_export_csv,
    collections_export_job_for_download,
    collections_export_xlsx,
    export_file_path,
)
from .common import granted_customers, granted_open_transaction, permission_require
from .letters import CollectionLetterSerializer


class CollectionsQuerySerializer(serializers.Serializer):
    pool = serializers.CharField(required=False, help_text="A customer pool's code")
    legal_entity = serializers.CharField(required=False)
    agent = serializers.CharField(required=False, help_text="A user name, or 'me'")
    ordering = serializers.ChoiceField(
        choices=["-overdue", "-balance", "customer", "party", "promised_on", "last_activity"],
        required=False,
        default="-overdue",
    )


class CollectionsRowSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    legal_entity = serializers.CharField(source="legal_entity_code")
    customer_id = serializers.IntegerField()
    customer = serializers.CharField(source="customer_account")
    name = serializers.SerializerMethodField()
    party = serializers.CharField(source="party_number")
    currency = serializers.CharField()
    balance = AmountField()
    not_due = AmountField()
    overdue = AmountField()
    buckets = serializers.SerializerMethodField()
    credit_limit = AmountField(
        currency_source="customer_currency",
        allow_null=True,
        help_text="In the customer's currency.",
    )
    on_hold = serializers.BooleanField()
    agent = serializers.CharField(source="agent_name", allow_null=True)
    last_activity = serializers.DateTimeField(allow_null=True)
    promised_on = serializers.DateField(allow_null=True)

    def get_name(self, row) -> str:
        return row["customer_name"] or row["party_name"]

    def get_buckets(self, row) -> list[dict]:
        return [
            {"label": d["label"], "amount": format_amount(a, row["currency"])}
            for d, a in zip(row["bucket_definitions"], row["buckets"], strict=False)
        ]


class AgentSerializer(serializers.Serializer):
    agent = serializers.CharField(allow_null=True, help_text="A user name, or null")


class CreditHoldSerializer(serializers.Serializer):
    hold = serializers.BooleanField()
    reason = serializers.CharField(max_length=200)


class LetterSendSerializer(serializers.Serializer):
    date = serializers.DateField(required=False)
    email = serializers.EmailField(required=False, allow_blank=True)
    transactions = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_empty=False
    )


class CollectionsCustomerViewSet(viewsets.GenericViewSet):
    """The collections list: per customer of the granted entities, the latest aging snapshot's
    balance by bucket with its agent, credit limit, credit hold, last activity and next promise
    to pay; ``pool``, ``legal_entity``, ``agent`` (``me``) and ``ordering`` filter and sort.
    On one customer: ``/agent/``, ``/credit-hold/``, ``/letters/`` (send the next letter)."""

    permission_classes = [Authenticated]
    queryset = Customer.objects.none()
    serializer_class = CollectionsRowSerializer
    lookup_value_regex = "[0-9]+"

    def _query(self, request) -> CollectionsExportQuery:
        """The list's filters and sort from the query string (bad ones are a 400)."""
        refuse_unknown_query_parameters(request, CollectionsQuerySerializer().fields)
        query = CollectionsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        criteria = {}
        if q.get("pool"):
            pool = CustomerPool.objects.filter(code=q["pool"]).first()
            if pool is None:
                raise serializers.ValidationError({"pool": [f"No customer pool {q['pool']!r}."]})
            criteria = pool.criteria
        entity_ids = None
        if q.get("legal_entity"):
            entity_ids = frozenset(
                LegalEntity.objects.filter(code=q["legal_entity"]).values_list("pk", flat=True)
            )
        agent_id = None
        if q.get("agent"):
            agent_id = (
                request.user.pk
                if q["agent"] == "me"
                else get_user_model()
                .objects.filter(username=q["agent"])
                .values_list("pk", flat=True)
                .first()
                or -1
            )
        return CollectionsExportQuery(
            criteria=criteria,
            legal_entity_ids=entity_ids,
            agent_id=agent_id,
            ordering=q["ordering"],
        )

    @extend_schema(parameters=[CollectionsQuerySerializer])
    def list(self, request):
        q = self._query(request)
        lines = collections_lines(
            request.user,
            period_set=aging_period_set_get(),
            criteria=q.criteria,
            legal_entity_ids=set(q.legal_entity_ids) if q.legal_entity_ids is not None else None,
            agent_id=q.agent_id,
        )
        rows = collections_rows(lines, ordering=q.ordering)
        page = self.paginate_queryset(CountedRows(rows, lines))
        return self.get_paginated_response(CollectionsRowSerializer(page, many=True).data)

    @extend_schema(
        parameters=[CollectionsQuerySerializer],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"], url_path="export-csv")
    def export_csv(self, request):
        """The list of these filters, every row, as CSV streamed as it is read."""
        rows = collections_export_csv(user=request.user, query=self._query(request))
        return csv_response(rows, filename="collections.csv")

    @extend_schema(
        parameters=[CollectionsQuerySerializer],
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            202: JobSerializer,
            409: OpenApiResponse(description="An export of these legal entities is running"),
        },
    )
    @action(detail=False, methods=["get", "post"], url_path="export-xlsx")
    def export_xlsx(self, request):
        """The list of these filters (query parameters) as an XLSX workbook, written at once up
        to a few thousand rows. A larger one is written by a job: a POST answers 202 with the
        ``export_xlsx`` job to poll (``GET /jobs/{id}/``) and, once done, to download from
        ``exports/{job id}/``; a GET answers 409 ``export_needs_job`` (a GET starts nothing)."""
        result = collections_export_xlsx(
            actor=request.user,
            query=self._query(request),
            background=request.method == "POST",
        )
        if isinstance(result, bytes):
            response = HttpResponse(result, content_type=XLSX_CONTENT_TYPE)
            response["Content-Disposition"] = 'attachment; filename="collections.xlsx"'
            return response
        job = jobs_for_user(request.user).prefetch_related("legal_entities").get(pk=result.pk)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            409: OpenApiResponse(description="The export job is not done yet"),
        },
    )
    @action(detail=False, methods=["get"], url_path=r"exports/(?P<job_id>[0-9]+)")
    def export_download(self, request, job_id=None):
        """The workbook an ``export_xlsx`` job wrote: only for the user who started it, while
        still granted its legal entities."""
        job = collections_export_job_for_download(request.user, int(job_id))
        if job is None:
            raise Http404("No such export.")
        if job.state != Job.State.DONE:
            raise Conflict(
                f"Export job {job.pk} is {job.get_state_display().lower()}: download it when "
                "it is done.",
                code="export_not_ready",
            )
        return xlsx_file_response(export_file_path(job), filename=f"collections-{job.pk}.xlsx")

    def _customer(self, request, pk) -> Customer:
        customer = granted_customers(request.user).filter(pk=pk).first()
        if customer is None:
            raise Http404("No such customer.")
        return customer

    @extend_schema(request=AgentSerializer, responses={200: AgentSerializer})
    @action(detail=True, methods=["post"])
    def agent(self, request, pk=None):
        """Assign the customer's collections agent (a user granted its legal entity)."""
        permission_require(request.user, "entities.change_customer")
        customer = self._customer(request, pk)
        data = AgentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agent = None
        if data.validated_data["agent"]:
            agent = get_user_model().objects.filter(username=data.validated_data["agent"]).first()
            if agent is None:
                raise serializers.ValidationError({"agent": ["No such user."]})
        profile = collections_agent_assign(customer=customer, agent=agent, actor=request.user)
        return Response({"agent": profile.agent.get_username() if profile.agent else None})

    @extend_schema(request=CreditHoldSerializer, responses={200: CreditHoldSerializer})
    @action(detail=True, methods=["post"], url_path="credit-hold")
    def credit_hold(self, request, pk=None):
        """Place or release a credit hold (the customer is blocked while it lasts)."""
        permission_require(request.user, "entities.change_customer")
        customer = self._customer(request, pk)
        data = CreditHoldSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = credit_hold_set(customer=customer, actor=request.user, **data.validated_data)
        return Response({"hold": customer.blocked, "reason": data.validated_data["reason"]})

    @extend_schema(
        request=LetterSendSerializer,
        responses={201: CollectionLetterSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def letters(self, request, pk=None):
        """Send the next collection letter that is due (emailed when the party has an address)."""
        permission_require(request.user, "collections_app.add_collectionletter")
        customer = self._customer(request, pk)
        data = LetterSendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data

        def send():
            chosen = None
            if v.get("transactions"):
                chosen = [
                    granted_open_transaction(request.user, t, "transactions")
                    for t in v["transactions"]
                ]
            letter = letter_send(
                customer=customer,
                actor=request.user,
                on=v.get("date"),
                email=v.get("email") or None,
                transactions=chosen,
            )
            return Response(CollectionLetterSerializer(letter).data, status=status.HTTP_201_CREATED)

        return idempotent(request, send)
