"""The REST API v1: one router for every app's resources."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from banking import api as banking_api
from collections_app import api as collections_api
from collections_app import api_statements
from collections_app import api_work as collections_work_api
from entities import api as entities_api
from entities import api_saved_filters as saved_filters_api
from ledger import api as ledger_api
from receivables import api as receivables_api
from receivables import api_ar_close, api_printing
from receivables import api_codes as codes_api
from receivables import api_scheduled as scheduled_api
from settlement import api as settlement_api

router = DefaultRouter()
router.register("legal-entities", ledger_api.LegalEntityViewSet, basename="legal-entity")
router.register("parties", entities_api.PartyViewSet, basename="party")
router.register("customers", entities_api.CustomerViewSet, basename="customer")
router.register("exchange-rates", entities_api.ExchangeRateViewSet, basename="exchange-rate")
router.register("payment-terms", codes_api.PaymentTermsViewSet, basename="payment-terms")
router.register("cash-discounts", codes_api.CashDiscountViewSet, basename="cash-discount")
router.register("sales-tax-codes", codes_api.SalesTaxCodeViewSet, basename="sales-tax-code")
router.register("interest-codes", codes_api.InterestCodeViewSet, basename="interest-code")
router.register("customer-groups", entities_api.CustomerGroupViewSet, basename="customer-group")
router.register("audit-entries", entities_api.AuditEntryViewSet, basename="audit-entry")
router.register("jobs", entities_api.JobViewSet, basename="job")
router.register("saved-filters", saved_filters_api.SavedFilterViewSet, basename="saved-filter")
router.register("main-accounts", ledger_api.MainAccountViewSet, basename="main-account")
router.register("fiscal-periods", ledger_api.FiscalPeriodViewSet, basename="fiscal-period")
router.register("vouchers", ledger_api.VoucherViewSet, basename="voucher")
router.register("ledger-entries", ledger_api.LedgerEntryViewSet, basename="ledger-entry")
router.register("invoices", receivables_api.InvoiceViewSet, basename="invoice")
router.register("credit-notes", receivables_api.CreditNoteViewSet, basename="credit-note")
router.register("payments", receivables_api.PaymentViewSet, basename="payment")
router.register(
    "payment-journals", receivables_api.PaymentJournalViewSet, basename="payment-journal"
)
router.register(
    "open-transactions", receivables_api.OpenTransactionViewSet, basename="open-transaction"
)
router.register("interest-notes", scheduled_api.InterestNoteViewSet, basename="interest-note")
router.register(
    "recurring-templates", scheduled_api.RecurringTemplateViewSet, basename="recurring-template"
)
router.register(
    "recurring-assignments",
    scheduled_api.RecurringAssignmentViewSet,
    basename="recurring-assignment",
)
router.register(
    "recurring-invoices", scheduled_api.RecurringOccurrenceViewSet, basename="recurring-invoice"
)
router.register("settlements", settlement_api.SettlementViewSet, basename="settlement")
router.register("bank-accounts", banking_api.BankAccountViewSet, basename="bank-account")
router.register("bank-csv-mappings", banking_api.CsvMappingViewSet, basename="bank-csv-mapping")
router.register("bank-statements", banking_api.BankStatementViewSet, basename="bank-statement")
router.register(
    "bank-statement-lines", banking_api.BankStatementLineViewSet, basename="bank-statement-line"
)
router.register("card-payments", banking_api.CardPaymentViewSet, basename="card-payment")
router.register(
    "direct-debit-mandates",
    banking_api.DirectDebitMandateViewSet,
    basename="direct-debit-mandate",
)
router.register(
    "direct-debit-collections",
    banking_api.DirectDebitCollectionViewSet,
    basename="direct-debit-collection",
)
router.register("bills-of-exchange", banking_api.BillOfExchangeViewSet, basename="bill-of-exchange")
router.register(
    "aging-period-sets", collections_api.AgingPeriodSetViewSet, basename="aging-period-set"
)
router.register("aging-snapshots", collections_api.AgingSnapshotViewSet, basename="aging-snapshot")
router.register("aging", collections_api.AgingViewSet, basename="aging")
router.register(
    "collections-customers",
    collections_work_api.CollectionsCustomerViewSet,
    basename="collections-customer",
)
router.register("activities", collections_work_api.ActivityViewSet, basename="activity")
router.register("disputes", collections_work_api.DisputeViewSet, basename="dispute")
router.register("write-offs", collections_work_api.WriteOffViewSet, basename="write-off")
router.register(
    "collection-letters", collections_work_api.CollectionLetterViewSet, basename="letter"
)
router.register("customer-pools", collections_work_api.CustomerPoolViewSet, basename="pool")
router.register(
    "customer-statements", api_statements.CustomerStatementViewSet, basename="customer-statement"
)

urlpatterns = [
    # Operations on a resource that another room's view answers.
    path(
        "invoices/<int:pk>/correct/",
        settlement_api.InvoiceCorrectApi.as_view(),
        name="invoice-correct",
    ),
    path("ar-close/", api_ar_close.ArCloseApi.as_view(), name="api-ar-close"),
    path("invoices/<int:pk>/pdf/", api_printing.InvoicePdfApi.as_view(), name="invoice-pdf"),
    path("invoices/<int:pk>/email/", api_printing.InvoiceEmailApi.as_view(), name="invoice-email"),
    path(
        "credit-notes/<int:pk>/pdf/",
        api_printing.CreditNotePdfApi.as_view(),
        name="credit-note-pdf",
    ),
    path(
        "credit-notes/<int:pk>/email/",
        api_printing.CreditNoteEmailApi.as_view(),
        name="credit-note-email",
    ),
    *router.urls,
]
