"""REST API of the collections manager's work: the collections list (customers with their aged
balance, agent, last activity and promise), a customer's agent and credit hold, activities,
disputes, write-offs, collection letters and customer pools.

Past the ~400 lines the style asks for: it is split by concern when the platform moves to
``core`` and each concept gets one owner (the architecture step), so that the split is done
once, in the new layout, with behaviour and figures unchanged.
"""

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    AmountField,
    IdFilter,
    refuse_unknown_query_parameters,
)
from core.errors import Conflict
from core.exports import XLSX_CONTENT_TYPE, csv_response, xlsx_file_response
from core.idempotency import idempotent
from core.models import Job
from core.money import format_amount
from core.permissions import Authenticated
from entities.api import JobSerializer
from entities.models import Customer, LegalEntity
from entities.selectors import in_granted_entities as _scoped
from entities.selectors import jobs_for_user
from receivables.models import OpenTransaction
from receivables.selectors import open_transactions_for_user

from .models import Activity, CollectionLetter, CustomerPool, Dispute, WriteOff
from .selectors import CountedRows, aging_period_set_get, collections_lines, collections_rows
from .services import (
    ActivityInput,
    activity_done,
    activity_log,
    collections_agent_assign,
    credit_hold_set,
    customer_pool_save,
    dispute_open,
    dispute_resolve,
    letter_send,
    write_off_create,
)
from .services.exports import (
    CollectionsExportQuery,
    collections_export_csv,
    collections_export_job_for_download,
    collections_export_xlsx,
    export_file_path,
)


def _customers(user):
    return _scoped(Customer.objects.select_related("legal_entity", "party"), user)


def _open_transaction(user, pk, field: str = "open_transaction") -> OpenTransaction:
    # Another entity's transaction answers as one that does not exist.
    ot = open_transactions_for_user(user).filter(pk=pk).first()
    if ot is None:
        raise serializers.ValidationError({field: [f"Open transaction {pk} does not exist."]})
    return ot


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied("You may not do this.")


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


# --- the collections list ---------------------------------------------------------------------


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
    credit_limit = AmountField(allow_null=True)
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
        from django.http import Http404

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
        customer = _customers(request.user).filter(pk=pk).first()
        if customer is None:
            from django.http import Http404

            raise Http404("No such customer.")
        return customer

    @extend_schema(request=AgentSerializer, responses={200: AgentSerializer})
    @action(detail=True, methods=["post"])
    def agent(self, request, pk=None):
        """Assign the customer's collections agent (a user granted its legal entity)."""
        _require(request.user, "entities.change_customer")
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
        _require(request.user, "entities.change_customer")
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
        _require(request.user, "collections_app.add_collectionletter")
        customer = self._customer(request, pk)
        data = LetterSendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data

        def send():
            chosen = None
            if v.get("transactions"):
                chosen = [
                    _open_transaction(request.user, t, "transactions") for t in v["transactions"]
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


# --- activities -------------------------------------------------------------------------------


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
        return _scoped(
            Activity.objects.select_related("legal_entity", "party", "created_by"),
            self.request.user,
        ).order_by("-created_at", "-id")

    def create(self, request, *args, **kwargs):
        data = ActivitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        customer = _customers(request.user).filter(pk=v["customer_id"]).first()
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
                open_transaction=_open_transaction(request.user, ot_id) if ot_id else None,
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


# --- disputes and write-offs ------------------------------------------------------------------


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
        return _scoped(
            Dispute.objects.select_related("legal_entity", "open_transaction"), self.request.user
        ).order_by("-opened_at", "-id")

    def create(self, request, *args, **kwargs):
        data = DisputeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = dispute_open(
            open_transaction=_open_transaction(
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


class WriteOffSerializer(serializers.ModelSerializer):
    legal_entity = serializers.SlugRelatedField(slug_field="code", read_only=True)
    open_transaction = serializers.IntegerField(source="open_transaction_id")
    amount = AmountField(required=False, help_text="Default: all that is open")
    accounting_amount = AmountField(
        currency_source="legal_entity.accounting_currency", read_only=True
    )
    date = serializers.DateField(required=False)

    class Meta:
        model = WriteOff
        fields = [
            "id",
            "open_transaction",
            "legal_entity",
            "customer",
            "date",
            "currency",
            "amount",
            "accounting_amount",
            "reason",
            "voucher",
            "created_at",
        ]
        read_only_fields = ["customer", "currency", "voucher", "created_at"]


class WriteOffViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Small balances written off (write-off Dr / customer balance Cr), within the legal
    entity's maximum."""

    serializer_class = WriteOffSerializer
    queryset = WriteOff.objects.none()
    filterset_fields = ["customer", "open_transaction"]

    def get_queryset(self):
        return _scoped(WriteOff.objects.select_related("legal_entity"), self.request.user).order_by(
            "-date", "-id"
        )

    @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    def create(self, request, *args, **kwargs):
        data = WriteOffSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data

        def post():
            write_off = write_off_create(
                open_transaction=_open_transaction(request.user, v["open_transaction_id"]),
                amount=v.get("amount"),
                reason=v["reason"],
                on=v.get("date"),
                actor=request.user,
            )
            return Response(WriteOffSerializer(write_off).data, status=status.HTTP_201_CREATED)

        return idempotent(request, post)


# --- letters and pools ------------------------------------------------------------------------


class CollectionLetterViewSet(viewsets.ReadOnlyModelViewSet):
    """Letters sent; ``POST /collections-customers/{id}/letters/`` sends the next one."""

    serializer_class = CollectionLetterSerializer
    queryset = CollectionLetter.objects.none()
    filterset_fields = ["customer"]

    def get_queryset(self):
        return _scoped(
            CollectionLetter.objects.select_related("legal_entity", "step"), self.request.user
        ).order_by("-date", "-id")


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
