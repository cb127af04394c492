"""Bank statements through the API: import a file (all its statements or none), match again
as a job, post every matched line (each in its own transaction, with its own result)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import AmountField
from core.errors import InvalidInput

from ..models import BankStatement, CsvMapping
from ..parsers import MAX_FILE_BYTES
from ..selectors import bank_accounts_for_user, bank_statements_for_user, lines_for_viewer
from ..services.imports import statement_import
from ..services.lines import statement_warnings_resolve
from ..services.matching_jobs import statements_match_start
from ..services.posting import statement_post
from .lines import BankStatementLineSerializer


class BankStatementSerializer(serializers.ModelSerializer):
    opening_balance = AmountField()
    closing_balance = AmountField()
    lines = serializers.SerializerMethodField()

    class Meta:
        model = BankStatement
        fields = [
            "id",
            "bank_account",
            "statement_id",
            "format",
            "file_name",
            "from_date",
            "to_date",
            "currency",
            "opening_balance",
            "closing_balance",
            "balance_warnings",
            "warnings_resolved_note",
            "status",
            "imported_at",
            "lines",
        ]
        read_only_fields = fields

    def get_lines(self, statement) -> list[dict]:
        if not self.context.get("with_lines", True):
            return []
        lines = statement.lines.select_related("customer").order_by("sequence")
        request = self.context.get("request")
        if request is not None:
            lines = lines_for_viewer(lines, request.user)
        return BankStatementLineSerializer(lines, many=True, context=self.context).data


class StatementImportSerializer(serializers.Serializer):
    bank_account = serializers.IntegerField(min_value=1)
    file = serializers.FileField(allow_empty_file=True)
    format = serializers.ChoiceField(choices=BankStatement.Format.choices)
    csv_mapping = serializers.IntegerField(min_value=1, required=False, allow_null=True)

    def validate_file(self, file):
        if file.size > MAX_FILE_BYTES:
            raise serializers.ValidationError(
                f"The file is {file.size:,} bytes; at most {MAX_FILE_BYTES:,} are read."
            )
        return file


class WarningsResolveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text="Why the warnings may stand")


class BankStatementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Imported bank statements with their lines, proposals and postings."""

    serializer_class = BankStatementSerializer
    queryset = BankStatement.objects.none()
    filterset_fields = ["bank_account", "status", "statement_id"]

    def get_queryset(self):
        return bank_statements_for_user(self.request.user).order_by("-to_date", "-id")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["with_lines"] = self.action != "list"
        return context

    @extend_schema(
        request={"multipart/form-data": StatementImportSerializer},
        responses={
            201: inline_serializer(
                "StatementImported",
                {
                    "statements": BankStatementSerializer(many=True),
                    "matching_job": serializers.IntegerField(allow_null=True),
                },
            )
        },
    )
    def create(self, request):
        """Import a camt.053, MT940 or CSV file: every statement in it, or none."""
        data = StatementImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        account = bank_accounts_for_user(request.user).filter(pk=given["bank_account"]).first()
        if account is None:
            raise InvalidInput(
                f"Bank account {given['bank_account']} does not exist.", field="bank_account"
            )
        mapping = None
        if given.get("csv_mapping"):
            mapping = CsvMapping.objects.filter(
                pk=given["csv_mapping"], legal_entity=account.legal_entity
            ).first()
            if mapping is None:
                raise InvalidInput(
                    f"{account.legal_entity.code} has no CSV mapping {given['csv_mapping']}.",
                    field="csv_mapping",
                )
        statements = statement_import(
            bank_account=account,
            fmt=given["format"],
            data=given["file"].read(),
            file_name=given["file"].name or "",
            csv_mapping=mapping,
            actor=request.user,
        )
        job = getattr(statements[0], "matching_job", None)
        body = {
            "statements": BankStatementSerializer(
                statements, many=True, context=self.get_serializer_context()
            ).data,
            "matching_job": job.pk if job else None,
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={202: inline_serializer("MatchingQueued", {"job": serializers.IntegerField()})},
    )
    @action(detail=True, methods=["post"])
    def match(self, request, pk=None):
        """Match the statement's open lines again, as a job (follow it at /api/v1/jobs/{id}/)."""
        statement = self.get_object()
        job = statements_match_start(statements=[statement], actor=request.user)
        if job is None:
            from core.jobs import JobAlreadyRunning

            raise JobAlreadyRunning(
                f"A matching job of {statement.bank_account.legal_entity.code} is already "
                "queued or running; try again when it is done.",
                field="statement",
            )
        return Response({"job": job.pk}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "StatementPosted",
                {
                    "posted": serializers.IntegerField(),
                    "failed": serializers.IntegerField(),
                    "lines": inline_serializer(
                        "StatementLinePosted",
                        {
                            "line": serializers.IntegerField(),
                            "status": serializers.CharField(),
                            "error": serializers.CharField(allow_null=True),
                        },
                        many=True,
                    ),
                },
            )
        },
    )
    @action(detail=True, methods=["post"])
    def post(self, request, pk=None):
        """Post every matched line, each in its own transaction: per line, posted or its error."""
        results = statement_post(statement=self.get_object(), actor=request.user)
        lines = [
            {
                "line": r.line.pk,
                "status": r.line.status,
                "error": r.error.message if r.error else None,
            }
            for r in results
        ]
        return Response(
            {
                "posted": sum(1 for r in results if r.error is None),
                "failed": sum(1 for r in results if r.error is not None),
                "lines": lines,
            }
        )

    @extend_schema(request=WarningsResolveSerializer, responses={200: BankStatementSerializer})
    @action(detail=True, methods=["post"], url_path="resolve-warnings")
    def resolve_warnings(self, request, pk=None):
        """Accept the statement's balance warnings, saying why, so that it can be reconciled."""
        data = WarningsResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        statement = statement_warnings_resolve(
            statement=self.get_object(), note=data.validated_data["note"], actor=request.user
        )
        return Response(
            BankStatementSerializer(statement, context=self.get_serializer_context()).data
        )
