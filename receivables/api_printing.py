"""REST API of printed invoices and credit notes: ``GET /invoices/{id}/pdf/`` and
``/credit-notes/{id}/pdf/`` (the document as printed), ``POST …/{id}/email/`` (emailed to the
customer's contact, or to the address given, with the PDF attached)."""

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.permissions import Authenticated

from .models import CreditNote, Invoice
from .printing import document_pdf, document_pdf_filename
from .selectors import credit_notes_for_user, invoices_for_user
from .services.document_email import document_email


def pdf_response(content: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


class _DocumentApi(APIView):
    permission_classes = [Authenticated]
    model: type[Invoice] | type[CreditNote]

    def _document(self, request, pk: int) -> Invoice | CreditNote:
        documents = (
            invoices_for_user(request.user)
            if self.model is Invoice
            else credit_notes_for_user(request.user)
        )
        document = documents.filter(pk=pk).first()
        if document is None:
            raise Http404(f"No {self.model._meta.verbose_name} {pk}.")
        return document


class _DocumentPdfApi(_DocumentApi):
    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            409: OpenApiResponse(description="A draft: only a posted document prints"),
        }
    )
    def get(self, request, pk: int):
        """The posted document as printed (PDF)."""
        document = self._document(request, pk)
        return pdf_response(document_pdf(document), document_pdf_filename(document))


class InvoicePdfApi(_DocumentPdfApi):
    model = Invoice


class CreditNotePdfApi(_DocumentPdfApi):
    model = CreditNote


class DocumentEmailInputSerializer(serializers.Serializer):
    email = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=254,
        help_text="The address to send to; empty: the party's contact email",
    )


class DocumentEmailOutputSerializer(serializers.Serializer):
    emailed_to = serializers.CharField()


class _DocumentEmailApi(_DocumentApi):
    @extend_schema(
        request=DocumentEmailInputSerializer,
        responses={202: DocumentEmailOutputSerializer},
    )
    def post(self, request, pk: int):
        """Email the posted document to the customer with its PDF attached (sent once the
        request has committed); recorded in the document's audit trail."""
        document = self._document(request, pk)
        data = DocumentEmailInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recipient = document_email(
            document=document, actor=request.user, email=data.validated_data.get("email", "")
        )
        return Response({"emailed_to": recipient}, status=202)


class InvoiceEmailApi(_DocumentEmailApi):
    model = Invoice


class CreditNoteEmailApi(_DocumentEmailApi):
    model = CreditNote
