"""Admin of the banking room: bank accounts and CSV layouts are set up here (through the
services, audited); statements and their lines are read only (they change by import, matching
and posting), and so are direct debit mandates (cancelled here through the service),
collection runs and bills of exchange (they change by their steps, on their pages and
the API)."""

from django.contrib import admin, messages

from core.errors import ApplicationError
from entities.admin import EntityScopedAdmin

from .models import (
    BankAccount,
    BankStatement,
    BankStatementLine,
    BillOfExchange,
    BillOfExchangeStep,
    BillOfExchangeTransaction,
    CardClearingAccount,
    CardPayment,
    CsvMapping,
    DirectDebitCollection,
    DirectDebitMandate,
    DirectDebitPayment,
)
from .services.accounts import bank_account_create, bank_account_update
from .services.cards import card_clearing_account_set


@admin.register(BankAccount)
class BankAccountAdmin(EntityScopedAdmin):
    list_display = ["code", "legal_entity", "name", "iban", "currency", "main_account", "active"]
    list_filter = ["legal_entity", "currency", "active"]
    search_fields = ["code", "name", "iban", "account_number"]
    list_select_related = ["legal_entity", "main_account"]

    def get_readonly_fields(self, request, obj=None):
        return ["legal_entity"] if obj else []

    def save_model(self, request, obj, form, change):
        fields = {
            f: form.cleaned_data[f]
            for f in ("code", "name", "iban", "account_number", "bic", "main_account", "active")
            if f in form.cleaned_data
        }
        if change:
            fresh = BankAccount.objects.get(pk=obj.pk)
            changed = {f: v for f, v in fields.items() if f in form.changed_data}
            if "currency" in form.changed_data:
                changed["currency"] = form.cleaned_data["currency"]
            saved = bank_account_update(bank_account=fresh, data=changed, actor=request.user)
        else:
            saved = bank_account_create(
                legal_entity=form.cleaned_data["legal_entity"],
                currency=form.cleaned_data["currency"],
                actor=request.user,
                **fields,
            )
        obj.pk = saved.pk


@admin.register(CsvMapping)
class CsvMappingAdmin(EntityScopedAdmin):
    list_display = ["name", "legal_entity", "delimiter", "date_format", "sign"]
    list_filter = ["legal_entity"]


class BankStatementLineInline(admin.TabularInline):
    model = BankStatementLine
    extra = 0
    can_delete = False
    fields = [
        "sequence",
        "booking_date",
        "amount",
        "counterparty_name",
        "remittance_info",
        "status",
        "payment",
        "settlement",
    ]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(EntityScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdmin):
    entity_field = "bank_account__legal_entity"
    list_display = ["statement_id", "bank_account", "from_date", "to_date", "status"]
    list_filter = ["status", "bank_account"]
    search_fields = ["statement_id"]
    inlines = [BankStatementLineInline]


@admin.register(BankStatementLine)
class BankStatementLineAdmin(ReadOnlyAdmin):
    entity_field = "bank_account__legal_entity"
    list_display = ["statement", "sequence", "booking_date", "amount", "status"]
    list_filter = ["status"]
    search_fields = ["remittance_info", "counterparty_name", "end_to_end_id"]


@admin.register(CardClearingAccount)
class CardClearingAccountAdmin(EntityScopedAdmin):
    """The bank account card money moves on, per legal entity (through the service, audited)."""

    list_display = ["legal_entity", "bank_account"]
    list_select_related = ["legal_entity", "bank_account"]

    def save_model(self, request, obj, form, change):
        saved = card_clearing_account_set(
            legal_entity=form.cleaned_data["legal_entity"],
            bank_account=form.cleaned_data["bank_account"],
            actor=request.user,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        card_clearing_account_set(
            legal_entity=obj.legal_entity, bank_account=None, actor=request.user
        )


@admin.register(CardPayment)
class CardPaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "legal_entity",
        "customer",
        "status",
        "brand",
        "last4",
        "authorized_amount",
    ]
    list_filter = ["status", "legal_entity"]
    search_fields = ["open_transaction__document_number", "last4"]


@admin.register(DirectDebitMandate)
class DirectDebitMandateAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "legal_entity",
        "customer",
        "iban",
        "scheme",
        "recurrent",
        "status",
        "next_sequence_type",
        "last_collection_date",
        "needs_attention",
    ]
    list_filter = ["legal_entity", "status", "scheme", "recurrent", "needs_attention"]
    search_fields = ["reference", "iban", "customer__account", "customer__party__name"]
    list_select_related = ["legal_entity", "customer"]
    actions = ["cancel"]

    def has_cancel_permission(self, request):
        return request.user.has_perm("banking.change_directdebitmandate")

    @admin.action(description="Cancel the selected mandates", permissions=["cancel"])
    def cancel(self, request, queryset):
        from .services.direct_debits import mandate_cancel

        for mandate in queryset.order_by("pk"):
            try:
                mandate_cancel(mandate=mandate, actor=request.user)
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)


class DirectDebitPaymentInline(admin.TabularInline):
    model = DirectDebitPayment
    extra = 0
    can_delete = False
    fields = ["mandate", "payment", "end_to_end_id", "sequence_type", "amount", "return_reason"]


class BillOfExchangeTransactionInline(admin.TabularInline):
    model = BillOfExchangeTransaction
    extra = 0
    can_delete = False
    fields = ["open_transaction", "amount"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DirectDebitCollection)
class DirectDebitCollectionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "legal_entity", "bank_account", "collection_date", "status", "count"]
    list_filter = ["legal_entity", "status"]
    exclude = ["file"]
    inlines = [DirectDebitPaymentInline]


class BillOfExchangeStepInline(admin.TabularInline):
    model = BillOfExchangeStep
    extra = 0
    can_delete = False
    fields = [
        "kind",
        "date",
        "status_before",
        "status_after",
        "bank_account",
        "charges",
        "voucher",
        "reversal_voucher",
        "reversed_on",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BillOfExchange)
class BillOfExchangeAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "legal_entity",
        "customer",
        "due_date",
        "amount",
        "currency",
        "status",
    ]
    list_filter = ["status", "legal_entity"]
    search_fields = ["number", "customer__account", "customer__party__name"]
    list_select_related = ["legal_entity", "customer"]
    inlines = [BillOfExchangeTransactionInline, BillOfExchangeStepInline]
