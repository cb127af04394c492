"""REST API of customer statements: ``POST /customer-statements/ {customer or party, date_from,
date_to}`` computes and stores one; ``GET`` lists and reads them, ``GET …/{id}/pdf/`` prints
one, ``POST …/{id}/email/`` emails it, ``POST …/pool/ {pool, date_from, date_to}`` starts the job
that makes one for each customer of a pool.

A statement has one section per transaction currency (``sections``). The top-level
``currency``, ``opening_balance``, ``closing_balance``, ``lines`` and ``aging`` are those of its
section when it has one currency (the usual case); with several they are null (lines and aging
empty) and ``sections`` carries each."""

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from entities.api import JobSerializer
from entities.models import Customer, Party
from entities.selectors import jobs_for_user
from receivables.api_printing import pdf_response

from .models import CustomerPool, CustomerStatement
from .selectors.statements import customer_statements_for_user
from .services.statements import (
    customer_statement_create,
    customer_statement_email,
    pool_statements_start,
)
from .statement_printing import statement_pdf


class StatementLineSerializer(serializers.Serializer):
    date = serializers.DateField()
    legal_entity = serializers.CharField()
    document = serializers.CharField()
    description = serializers.CharField()
    debit = serializers.CharField()
    credit = serializers.CharField()
    balance = serializers.CharField()


class StatementAgingSerializer(serializers.Serializer):
    label = serializers.CharField()
    amount = serializers.CharField()


class StatementSectionSerializer(serializers.Serializer):
    currency = serializers.CharField()
    opening_balance = serializers.CharField()
    closing_balance = serializers.CharField()
    lines = StatementLineSerializer(many=True)
    aging = StatementAgingSerializer(many=True)


class CustomerStatementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer = serializers.IntegerField(source="customer_id", allow_null=True)
    party = serializers.CharField(source="party.number")
    legal_entities = serializers.SerializerMethodField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    period_set = serializers.CharField()
    currency = serializers.SerializerMethodField()
    opening_balance = serializers.SerializerMethodField()
    closing_balance = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()
    aging = serializers.SerializerMethodField()
    sections = StatementSectionSerializer(many=True)
    emailed_to = serializers.CharField()
    emailed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def _one(self, statement) -> dict | None:
        return statement.sections[0] if len(statement.sections) == 1 else None

    def get_legal_entities(self, statement) -> list[str]:
        return sorted(e.code for e in statement.legal_entities.all())

    def get_currency(self, statement) -> str | None:
        one = self._one(statement)
        return one["currency"] if one else None

    def get_opening_balance(self, statement) -> str | None:
        one = self._one(statement)
        return one["opening_balance"] if one else None

    def get_closing_balance(self, statement) -> str | None:
        one = self._one(statement)
        return one["closing_balance"] if one else None

    @extend_schema(responses=StatementLineSerializer(many=True))
    def get_lines(self, statement) -> list[dict]:
        one = self._one(statement)
        return one["lines"] if one else []

    @extend_schema(responses=StatementAgingSerializer(many=True))
    def get_aging(self, statement) -> list[dict]:
        one = self._one(statement)
        return one["aging"] if one else []


class CustomerStatementCreateSerializer(serializers.Serializer):
    customer = serializers.IntegerField(
        required=False, min_value=1, help_text="A customer account's id (one legal entity)"
    )
    party = serializers.CharField(
        required=False,
        max_length=20,
        help_text="A party's number: its accounts in every legal entity you may act in",
    )
    date_from = serializers.DateField()
    date_to = serializers.DateField()

    def validate(self, attrs):
        if ("customer" in attrs) == ("party" in attrs):
            raise serializers.ValidationError({"customer": ["Give either a customer or a party."]})
        return attrs


class StatementEmailSerializer(serializers.Serializer):
    email = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=254,
        help_text="The address to send to; empty: the party's contact email",
    )


class PoolStatementsSerializer(serializers.Serializer):
    pool = serializers.CharField(max_length=20, help_text="The customer pool's code")
    date_from = serializers.DateField()
    date_to = serializers.DateField()


class CustomerStatementFilter(filters.FilterSet):
    customer = filters.NumberFilter(field_name="customer_id", help_text="A customer account's id")
    party = filters.CharFilter(field_name="party__number", help_text="A party's number")
    job = filters.NumberFilter(field_name="job_id", help_text="The pool job that made them")

    class Meta:
        model = CustomerStatement
        fields = ["customer", "party", "job"]


class CustomerStatementViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CustomerStatementSerializer
    queryset = CustomerStatement.objects.none()
    filterset_class = CustomerStatementFilter

    def get_queryset(self):
        return customer_statements_for_user(self.request.user).prefetch_related("legal_entities")

    @extend_schema(
        request=CustomerStatementCreateSerializer, responses={201: CustomerStatementSerializer}
    )
    def create(self, request, *args, **kwargs):
        """Compute and store a statement of a customer, or of a party across your entities."""
        data = CustomerStatementCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        customer = party = None
        if "customer" in v:
            customer = (
                Customer.objects.select_related("legal_entity", "party")
                .filter(pk=v["customer"])
                .first()
            )
            if customer is None:
                raise serializers.ValidationError(
                    {"customer": [f"Customer {v['customer']} does not exist."]}
                )
        else:
            party = Party.objects.filter(number=v["party"]).first()
            if party is None:
                raise serializers.ValidationError(
                    {"party": [f"Party {v['party']} does not exist."]}
                )
        statement = customer_statement_create(
            actor=request.user,
            customer=customer,
            party=party,
            date_from=v["date_from"],
            date_to=v["date_to"],
        )
        fresh = self.get_queryset().get(pk=statement.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The statement as printed (PDF)."""
        statement = self.get_object()
        return pdf_response(statement_pdf(statement), f"statement-{statement.pk}.pdf")

    @extend_schema(
        request=StatementEmailSerializer,
        responses={202: CustomerStatementSerializer},
    )
    @action(detail=True, methods=["post"])
    def email(self, request, pk=None):
        """Email the statement with its PDF to the party's contact email (or the address
        given), once the request has committed."""
        statement = self.get_object()
        data = StatementEmailSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer_statement_email(
            statement=statement, actor=request.user, email=data.validated_data.get("email", "")
        )
        fresh = self.get_queryset().get(pk=statement.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=PoolStatementsSerializer, responses={202: JobSerializer})
    @action(detail=False, methods=["post"])
    def pool(self, request):
        """Start the job that makes a statement for each customer of a pool (poll the job)."""
        data = PoolStatementsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        pool = CustomerPool.objects.filter(code=v["pool"]).first()
        if pool is None:
            raise serializers.ValidationError({"pool": [f"Pool {v['pool']} does not exist."]})
        job = pool_statements_start(
            pool=pool, date_from=v["date_from"], date_to=v["date_to"], actor=request.user
        )
        job = jobs_for_user(request.user).prefetch_related("legal_entities").get(pk=job.pk)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
