"""Admin of the banking room: bank accounts and CSV layouts are set up here (through the
services, audited); statements and their lines are read only (they change by import, matching
and posting), and so are bills of exchange (they change by their steps, on their pages and the
API)."""

from django.contrib import admin

from entities.admin import EntityScopedAdmin

from .models import (
    BankAccount,
    BankStatement,
    BankStatementLine,
    BillOfExchange,
    BillOfExchangeStep,
    BillOfExchangeTransaction,
    CsvMapping,
)
from .services.accounts import bank_account_create, bank_account_update


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


class BillOfExchangeTransactionInline(admin.TabularInline):
    model = BillOfExchangeTransaction
    extra = 0
    can_delete = False
    fields = ["open_transaction", "amount"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


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
