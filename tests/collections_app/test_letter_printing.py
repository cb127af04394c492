"""A collection letter prints as the HTML it was sent as, laid out on A4 by WeasyPrint."""

from datetime import date

import pytest

from collections_app.printing import letter_pdf
from collections_app.services import letter_send, letter_steps_default_ensure
from tests.factories.entities import PaymentTermsFactory
from tests.factories.receivables import post_invoice
from tests.pdf_text import laid_out_pages

pytestmark = pytest.mark.django_db


def test_letter_pdf_lays_out_the_letter_as_sent(fabrikam):
    letter_steps_default_ensure()
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(
        customer,
        amounts=["1234.50"],
        on=date(2026, 1, 2),
        terms=PaymentTermsFactory(code="N0", net_days=0),
    )
    letter = letter_send(customer=customer, actor=None, on=date(2026, 1, 20))
    (page,) = laid_out_pages(letter.html)
    assert "Fabrikam" in page
    assert "Payment reminder" in page
    assert f"{invoice.number} 2026-01-02 18 1,234.50" in page
    assert "Total due 1,234.50 USD" in page
    assert letter_pdf(letter)[:5] == b"%PDF-"
