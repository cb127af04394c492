"""Admin of the ledger room: legal entities (created with their ledger setup), chart of
accounts, posting setup, fiscal periods, and read-only vouchers."""

from django.contrib import admin, messages
from django.utils import timezone

from core.audit import audit_record
from core.errors import ApplicationError
from entities.admin import EntityScopedAdmin
from entities.models import LegalEntity
from entities.selectors import legal_entities_for_user
from entities.services import legal_entity_update

from .models import FiscalPeriod, LedgerEntry, MainAccount, PostingSetup, Voucher
from .services import fiscal_period_set_status, fiscal_year_create, legal_entity_create


@admin.register(LegalEntity)
class LegalEntityAdmin(admin.ModelAdmin):
    """Created with the ledger setup; changed through the service (grant check, audit)."""

    list_display = ["code", "name", "accounting_currency"]
    search_fields = ["code", "name"]
    actions = ["open_next_fiscal_year"]

    @admin.action(description="Open the next fiscal year (twelve monthly periods)")
    def open_next_fiscal_year(self, request, queryset):
        for entity in queryset.order_by("code"):
            last = FiscalPeriod.objects.filter(legal_entity=entity).order_by("-end").first()
            year = last.end.year + 1 if last else timezone.localdate().year
            try:
                fiscal_year_create(legal_entity=entity, year=year, actor=request.user)
            except ApplicationError as error:
                self.message_user(request, f"{entity.code}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{entity.code}: fiscal year {year} is open.")

    def get_queryset(self, request):
        return legal_entities_for_user(request.user)

    def get_readonly_fields(self, request, obj=None):
        return ["code", "accounting_currency"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            data = {f: form.cleaned_data[f] for f in form.changed_data}
            fresh = LegalEntity.objects.get(pk=obj.pk)
            legal_entity_update(legal_entity=fresh, data=data, actor=request.user)
            return
        parameters = {f: form.cleaned_data[f] for f in LegalEntity.PARAMETER_FIELDS}
        letterhead = {f: form.cleaned_data[f] for f in LegalEntity.LETTERHEAD_FIELDS}
        created = legal_entity_create(
            code=obj.code,
            name=obj.name,
            accounting_currency=obj.accounting_currency,
            parameters=parameters,
            letterhead=letterhead,
            actor=request.user,
        )
        obj.pk = created.pk


@admin.register(MainAccount)
class MainAccountAdmin(EntityScopedAdmin):
    list_display = ["number", "name", "legal_entity", "kind", "active"]
    list_filter = ["legal_entity", "kind"]
    search_fields = ["number", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["legal_entity", "number"] if obj else []


@admin.register(PostingSetup)
class PostingSetupAdmin(EntityScopedAdmin):
    list_display = ["legal_entity", "posting_type", "counterparty", "account"]
    list_filter = ["legal_entity", "posting_type"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "account":
            kwargs["queryset"] = MainAccount.objects.filter(
                legal_entity__in=legal_entities_for_user(request.user)
            ).select_related("legal_entity")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(FiscalPeriod)
class FiscalPeriodAdmin(EntityScopedAdmin):
    list_display = ["legal_entity", "name", "start", "end", "status"]
    list_filter = ["legal_entity", "status"]

    def save_model(self, request, obj, form, change):
        if change and "status" in form.changed_data:
            new_status = obj.status
            obj.status = form.initial["status"]
            super().save_model(request, obj, form, change)
            fiscal_period_set_status(period=obj, status=new_status, actor=request.user)
            return
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
