"""Browser pages of printed invoices and credit notes: the printable page (the HTML the PDF is
rendered from), the PDF, and emailing it to the customer."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.permissions import role_required_for_writes

from .api_printing import pdf_response
from .printing import document_pdf, document_pdf_filename, document_print_html
from .services.document_email import document_email
from .views_documents import KINDS, _document_or_404


def _detail(kind: str, pk: int):
    return redirect(f"{KINDS[kind]['url'].replace('-', '_')}-detail", pk=pk)


def document_print(request, kind: str, pk: int, fmt: str = "html"):
    document = _document_or_404(request, kind, pk)
    try:
        if fmt == "pdf":
            return pdf_response(document_pdf(document), document_pdf_filename(document))
        return HttpResponse(document_print_html(document))
    except ApplicationError as error:
        messages.error(request, error.message)
        return _detail(kind, pk)


@require_POST
@role_required_for_writes(lambda kw: f"receivables.add_{kw['kind'].replace('_', '')}")
def document_email_send(request, kind: str, pk: int):
    document = _document_or_404(request, kind, pk)
    try:
        recipient = document_email(
            document=document, actor=request.user, email=request.POST.get("email", "")
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, KINDS[kind]["emailed"] % {"email": recipient})
    return _detail(kind, pk)
