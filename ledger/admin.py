"""Admin of the ledger room: legal entities (created with their ledger setup), chart of
accounts, posting setup, fiscal periods, and read-only vouchers."""

from django.contrib import admin

from entities.admin import EntityScopedAdmin
from entities.models import LegalEntity
from entities.services import audit_record

from .models import FiscalPeriod, LedgerEntry, MainAccount, PostingSetup, Voucher
from .services import legal_entity_setup_defaults


@admin.register(LegalEntity)
class LegalEntityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "accounting_currency"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "accounting_currency"] if obj else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            legal_entity_setup_defaults(legal_entity=obj)
        changes = {f: (form.initial.get(f), form.cleaned_data.get(f)) for f in form.changed_data}
        audit_record(
            actor=request.user,
            action="legal_entity.parameters_changed" if change else "legal_entity.created",
            obj=obj,
            changes=changes,
            legal_entity=obj,
        )


@admin.register(MainAccount)
class MainAccountAdmin(EntityScopedAdmin):
    list_display = ["number", "name", "legal_entity", "kind", "active"]
    list_filter = ["legal_entity", "kind"]
    search_fields = ["number", "name"]


@admin.register(PostingSetup)
class PostingSetupAdmin(EntityScopedAdmin):
    list_display = ["legal_entity", "posting_type", "counterparty", "account"]
    list_filter = ["legal_entity", "posting_type"]


@admin.register(FiscalPeriod)
class FiscalPeriodAdmin(EntityScopedAdmin):
    list_display = ["legal_entity", "name", "start", "end", "status"]
    list_filter = ["legal_entity", "status"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="fiscal_period.changed" if change else "fiscal_period.created",
            obj=obj,
            changes={f: (form.initial.get(f), form.cleaned_data.get(f)) for f in form.changed_data},
            legal_entity=obj.legal_entity,
        )


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    extra = 0
    can_delete = False
    fields = [
        "account",
        "posting_type",
        "counterparty",
        "customer",
        "currency",
        "amount",
        "accounting_amount",
        "description",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Voucher)
class VoucherAdmin(EntityScopedAdmin):
    """Posted vouchers are read-only: a mistake is corrected by a reversing voucher."""

    list_display = ["number", "legal_entity", "date", "description", "source_key"]
    list_filter = ["legal_entity"]
    search_fields = ["number", "description", "source_key"]
    date_hierarchy = "date"
    inlines = [LedgerEntryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
