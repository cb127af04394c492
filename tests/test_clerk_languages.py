"""The clerk's pages in the user's language: a clerk who chose French or Norwegian Bokmål gets
customers, invoices, payment journals, settlements, the ledger and bank statements in it, with
dates and amounts written its way; one who chose nothing gets English, as before."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from banking.models import BankAccount, BankStatement, BankStatementLine
from entities.models import UserPreference
from ledger.models import LedgerEntry, MainAccount, PostingType
from settlement.services import SettlementLineInput, settlement_create
from tests.conftest import make_clerk
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db

MAR9 = date(2026, 3, 9)
NBSP = "\xa0"


@pytest.fixture
def book(fabrikam):
    """FAB: an invoice of 1,234.56 USD of 2026-03-02 left open; FABE's invoice of 600.00 settled
    by a payment of FAB; a bank statement S1 of FAB with one line of 1,234.56 not matched."""
    fab = fabrikam["FAB"]
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["1234.56"])
    settled_invoice = post_invoice(fabrikam["customers"]["FABE"], amounts=["600.00"])
    payment = post_payment(fabrikam["customers"]["FAB"], amount="600.00")
    settlement = settlement_create(
        lines=[
            SettlementLineInput(transaction=payment.open_transaction.pk),
            SettlementLineInput(transaction=settled_invoice.open_transaction.pk),
        ],
        on=MAR9,
        primary=None,
        actor=None,
    )
    main = MainAccount.objects.create(
        legal_entity=fab, number="110200", name="Bank USD", kind=MainAccount.Kind.ASSET
    )
    account = BankAccount.objects.create(
        legal_entity=fab,
        code="MAIN",
        name="Main USD",
        iban="DE89370400440532013000",
        currency="USD",
        main_account=main,
    )
    statement = BankStatement.objects.create(
        bank_account=account,
        statement_id="S1",
        format=BankStatement.Format.CAMT053,
        file_sha256="S1".ljust(64, "0"),
        from_date=MAR9,
        to_date=MAR9,
        currency="USD",
        opening_balance=Decimal("0"),
        closing_balance=Decimal("1234.56"),
    )
    line = BankStatementLine.objects.create(
        statement=statement,
        bank_account=account,
        sequence=1,
        line_key="S1|1",
        currency="USD",
        booking_date=MAR9,
        value_date=MAR9,
        amount=Decimal("1234.56"),
        counterparty_name="Northwind Traders",
        remittance_info=invoice.number,
    )
    receivable = LedgerEntry.objects.get(
        voucher=invoice.voucher, posting_type=PostingType.CUSTOMER_BALANCE
    )
    entries = LedgerEntry.objects.filter(
        account__number=receivable.account.number, voucher__legal_entity=fab
    ).count()
    assert entries > 1  # the invoice, the payment and the settlement
    return {
        **fabrikam,
        "entries": entries,
        "invoice": invoice,
        "payment": payment,
        "settlement": settlement,
        "bank_account": account,
        "statement": statement,
        "line": line,
        "receivable": receivable.account.number,
    }


def _clerk(client, fabrikam, language: str = ""):
    """A clerk of the three entities who chose ``language`` (none: the browser's), signed in as
    users sign in: the choice comes back from their preference."""
    user = make_clerk(
        f"clerk-{language or 'en'}", fabrikam["FAB"], fabrikam["FABE"], fabrikam["FABW"]
    )
    if language:
        UserPreference.objects.create(user=user, language=language)
    client.force_login(user)
    return user


def _pages(book) -> dict[str, str]:
    invoice = book["invoice"]
    return {
        "home": "/",
        "customer list": reverse("customer-list"),
        "customer": reverse("customer-detail", args=[book["customers"]["FAB"].pk]),
        "invoice list": reverse("invoices-list"),
        "invoice": reverse("invoices-detail", args=[invoice.pk]),
        "payment journal": reverse("payment-journal"),
        "settle": f"{reverse('settle')}?party={book['party'].number}",
        "settlement": reverse("settlement-detail", args=[book["settlement"].pk]),
        "trial balance": reverse("trial-balance", args=["FAB"]),
        "ledger entries": f"{reverse('ledger-entries', args=['FAB'])}?account={book['receivable']}",
        "voucher": reverse("voucher-detail", args=[invoice.voucher_id]),
        "bank statements": reverse("bank-statement-list"),
        "bank statement": reverse("bank-statement-detail", args=[book["statement"].pk]),
    }


# What each page says, per language: a heading, a column or a button, a status from the model,
# and where the page shows one, a date or an amount written the language's way.
TEXTS = {
    "fr": {
        "home": ['<html lang="fr">', "<h1>Accueil</h1>", "Journaux des paiements non validés"],
        "customer list": ["<h1>Clients</h1>", "Solde ouvert"],
        "customer": [
            "<h2>Écritures ouvertes dans toutes les entités juridiques</h2>",
            '<th scope="col" class="num">Non échu</th>',
            "<td>02/03/2026</td>",
            f'<td class="num">1{NBSP}234,56</td>',
            "Lettrer les transactions",
        ],
        "invoice list": [
            "<h1>Factures · FAB</h1>",
            "Nouvelle facture",
            "<td>Validé</td>",
            f"1{NBSP}234,56 USD",
        ],
        "invoice": [
            "<dt>Date d'échéance</dt>",
            "Version imprimable",
            "<h2>Historique</h2>",
            '<h2 id="open-transaction-heading">Transaction ouverte</h2>',
            f"Restant dû : 1{NBSP}234,56 USD",
        ],
        "payment journal": [
            "<h1>Journal des paiements · FAB",
            '<th scope="col">Factures à lettrer</th>',
            "Valider le journal",
            "aucun montant pour l'instant",
            'aria-label="Client (ligne 1)"',
            '<option value="electronic" selected>Virement</option>',
        ],
        "settle": [
            "<h1>Lettrer les transactions · Northwind Traders",
            '<th scope="col">Montant à lettrer</th>',
            "Valider le lettrage",
            'aria-label="Marquer {invoice}"',
        ],
        "settlement": [
            "Lettrage {settlement}",
            "<h2>Pièces comptabilisées</h2>",
            '<dd id="settlement-status">Validé</dd>',
            "<dd>09/03/2026</dd>",
        ],
        "trial balance": [
            "<h1>Balance générale · FAB",
            '<th scope="col" class="num">Débit</th>',
            "Montants en USD",
        ],
        "ledger entries": [
            "<h1>Écritures comptables · FAB",
            '<th scope="col">Type d\'imputation</th>',
            "<td>Créances clients</td>",
            "Total de {entries} écritures",
        ],
        "voucher": ["<h1>Pièce {voucher}</h1>", "<dt>Comptabilisé par</dt>", "<td>Produits</td>"],
        "bank statements": [
            "<h1>Relevés bancaires</h1>",
            '<th scope="col" class="num">Ouverture</th>',
            '<span class="badge statement-open">Ouvert</span>',
            "<td>09/03/2026</td>",
        ],
        "bank statement": [
            "<h1>Relevé S1",
            '<th scope="col" class="num">Entrées</th>',
            '<span class="badge status-unmatched">Non rapprochée</span>',
            "Comptabiliser toutes les lignes rapprochées",
        ],
    },
    "nb": {
        "home": ['<html lang="nb">', "<h1>Hjem</h1>", "Ikke bokførte innbetalingsjournaler"],
        "customer list": ["<h1>Kunder</h1>", "Åpen saldo"],
        "customer": [
            "<h2>Åpne poster i alle juridiske enheter</h2>",
            '<th scope="col" class="num">Ikke forfalt</th>',
            "<td>02.03.2026</td>",
            f'<td class="num">1{NBSP}234,56</td>',
            "Utlign transaksjoner",
        ],
        "invoice list": ["<h1>Fakturaer · FAB</h1>", "Ny faktura", "<td>Bokført</td>"],
        "invoice": [
            "<dt>Forfallsdato</dt>",
            "Utskriftsvisning",
            "<h2>Historikk</h2>",
            f"Åpent: 1{NBSP}234,56 USD",
        ],
        "payment journal": [
            "<h1>Innbetalingsjournal · FAB",
            '<th scope="col">Fakturaer som utlignes</th>',
            "Bokfør journalen",
            'aria-label="Kunde (linje 1)"',
            '<option value="electronic" selected>Elektronisk betaling</option>',
        ],
        "settle": [
            "<h1>Utlign transaksjoner · Northwind Traders",
            '<th scope="col">Beløp å utligne</th>',
            "Bokfør utligningen",
            'aria-label="Merk {invoice}"',
        ],
        "settlement": [
            "Utligning {settlement}",
            "<h2>Bokførte bilag</h2>",
            '<dd id="settlement-status">Bokført</dd>',
            "<dd>09.03.2026</dd>",
        ],
        "trial balance": [
            "<h1>Saldobalanse · FAB",
            '<th scope="col" class="num">Debet</th>',
            "Beløp i USD",
        ],
        "ledger entries": [
            "<h1>Hovedbokposter · FAB",
            '<th scope="col">Posteringstype</th>',
            "<td>Kundefordringer</td>",
            "Sum av {entries} poster",
        ],
        "voucher": ["<h1>Bilag {voucher}</h1>", "<dt>Bokført av</dt>", "<td>Inntekter</td>"],
        "bank statements": [
            "<h1>Kontoutskrifter</h1>",
            '<th scope="col" class="num">Inngående</th>',
            '<span class="badge statement-open">Åpen</span>',
            "<td>09.03.2026</td>",
        ],
        "bank statement": [
            "<h1>Kontoutskrift S1",
            '<th scope="col" class="num">Inn</th>',
            '<span class="badge status-unmatched">Ikke koblet</span>',
            "Bokfør alle koblede",
        ],
    },
    "en": {
        "home": ['<html lang="en">', "<h1>Home</h1>", "Unposted payment journals"],
        "customer list": ["<h1>Customers</h1>", "Open balance"],
        "customer": [
            "<h2>Open items in all legal entities</h2>",
            '<th scope="col" class="num">Current</th>',
            "<td>2026-03-02</td>",
            '<td class="num">1,234.56</td>',
            "Settle transactions",
        ],
        "invoice list": ["<h1>Invoices · FAB</h1>", "New invoice", "<td>Posted</td>"],
        "invoice": [
            "<dt>Due date</dt>",
            "Print view",
            "<h2>History</h2>",
            "Open: 1,234.56 USD",
        ],
        "payment journal": [
            "<h1>Payment journal · FAB",
            '<th scope="col">Settle invoices</th>',
            "Post journal",
            'aria-label="Customer (line 1)"',
            '<option value="electronic" selected>Electronic payment</option>',
        ],
        "settle": [
            "<h1>Settle transactions · Northwind Traders",
            '<th scope="col">Amount to settle</th>',
            "Post settlement",
            'aria-label="Mark {invoice}"',
        ],
        "settlement": [
            "Settlement {settlement}",
            "<h2>Vouchers posted</h2>",
            '<dd id="settlement-status">Posted</dd>',
            "<dd>2026-03-09</dd>",
        ],
        "trial balance": [
            "<h1>Trial balance · FAB",
            '<th scope="col" class="num">Debit</th>',
            "Amounts in USD",
        ],
        "ledger entries": [
            "<h1>Ledger entries · FAB",
            '<th scope="col">Posting type</th>',
            "<td>Customer balance</td>",
            "Total of {entries} entries",
        ],
        "voucher": ["<h1>Voucher {voucher}</h1>", "<dt>Posted by</dt>", "<td>Revenue</td>"],
        "bank statements": [
            "<h1>Bank statements</h1>",
            '<th scope="col" class="num">Opening</th>',
            '<span class="badge statement-open">Open</span>',
            "<td>2026-03-09</td>",
        ],
        "bank statement": [
            "<h1>Statement S1",
            '<th scope="col" class="num">Money in</th>',
            '<span class="badge status-unmatched">Unmatched</span>',
            "Post all matched",
        ],
    },
}


def _missing(page: str, texts: list[str], book) -> list[str]:
    values = {
        "invoice": book["invoice"].number,
        "settlement": book["settlement"].pk,
        "voucher": book["invoice"].voucher.number,
        "entries": book["entries"],
    }
    return [text for text in (t.format(**values) for t in texts) if text not in page]


@pytest.mark.parametrize("language", ["fr", "nb"])
def test_clerk_pages_are_in_the_language_the_user_chose(client, book, language):
    _clerk(client, book, language)
    problems = {}
    for name, url in _pages(book).items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        assert response["Content-Language"] == language, name
        missing = _missing(response.content.decode(), TEXTS[language][name], book)
        if missing:
            problems[name] = missing
    assert problems == {}


def test_english_stays_the_default(client, book):
    _clerk(client, book)
    problems = {}
    for name, url in _pages(book).items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        missing = _missing(response.content.decode(), TEXTS["en"][name], book)
        if missing:
            problems[name] = missing
    assert problems == {}


def _more_pages(book) -> list[str]:
    """Every other page of the clerk's menu and what it links to."""
    return [
        reverse("payment-list"),
        reverse("payment-detail", args=[book["payment"].pk]),
        reverse("payment-journal-list"),
        reverse("credit_notes-list"),
        reverse("invoices-new"),
        reverse("invoices-correct", args=[book["invoice"].pk]),
        reverse("settlement-list"),
        reverse("settlement-reverse", args=[book["settlement"].pk]),
        reverse("voucher-list", args=["FAB"]),
        reverse("legal-entity-detail", args=["FAB"]),
        reverse("ar-close"),
        reverse("recurring-list"),
        reverse("recurring-new"),
        reverse("interest-note-list"),
        reverse("job-list"),
        reverse("bank-account-list"),
        reverse("bank-account-reconciliation", args=[book["bank_account"].pk]),
        reverse("bank-statement-import"),
        reverse("bank-line-change", args=[book["line"].pk]),
        reverse("bill-of-exchange-list"),
        reverse("bill-of-exchange-draw"),
        reverse("card-payment-list"),
        reverse("card-payment-new"),
        reverse("dd-collection-list"),
        reverse("dd-collection-new"),
        reverse("dd-mandate-list"),
        reverse("dd-mandate-new"),
    ]


@pytest.mark.parametrize("language", ["fr", "nb"])
def test_every_other_clerk_page_renders_in_the_language(client, book, language):
    _clerk(client, book, language)
    for url in _more_pages(book):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert f'<html lang="{language}">' in response.content.decode(), url


@pytest.mark.parametrize(
    ("language", "error"),
    [
        ("en", "&#x27;2026-13-01&#x27; is not a date (YYYY-MM-DD)."),
        ("fr", "&#x27;2026-13-01&#x27; n&#x27;est pas une date (AAAA-MM-JJ)."),
        ("nb", "&#x27;2026-13-01&#x27; er ikke en dato (ÅÅÅÅ-MM-DD)."),
    ],
)
def test_a_refusal_names_the_field_in_the_language(client, book, language, error):
    _clerk(client, book, language if language != "en" else "")
    url = reverse("ledger-entries", args=["FAB"])
    response = client.get(url, {"account": book["receivable"], "date_from": "2026-13-01"})
    assert response.status_code == 400
    assert f'<span class="error" id="entries-date-from-error">{error}</span>' in (
        response.content.decode()
    )


def test_a_message_after_an_action_is_in_the_language(client, book):
    _clerk(client, book, "fr")
    settlement = book["settlement"]
    response = client.post(
        reverse("settlement-reverse", args=[settlement.pk]), {"date": "2026-03-10"}, follow=True
    )
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [f"Lettrage {settlement.pk} contrepassé le 10/03/2026."]
    page = response.content.decode()
    assert '<dd id="settlement-status">Contrepassé le 10/03/2026 par clerk-fr</dd>' in page
    assert "<h2>Pièces de contrepassation</h2>" in page


def test_a_service_refusal_is_in_the_clerks_language(client, book):
    """Services word their refusals in the active language: the page's, French here (the API
    activates English, its contract)."""
    _clerk(client, book, "fr")
    settlement = book["settlement"]
    response = client.post(
        reverse("settlement-reverse", args=[settlement.pk]), {"date": "2026-03-01"}
    )
    page = response.content.decode()
    assert "<h1>Contrepasser le lettrage" in page
    assert '<label for="id_date">Date de contrepassation</label>' in page
    assert (
        '<ul class="errorlist" id="id_date_error"><li>La date de contrepassation 2026-03-01 est '
        "antérieure à la date du lettrage (2026-03-09).</li></ul>"
    ) in page


def test_the_api_stays_english_for_a_french_clerk(client, book):
    _clerk(client, book, "fr")
    response = client.get("/api/v1/open-transactions/")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
