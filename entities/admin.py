"""Admin of the entities room. Saves go through the services so that rules and the audit trail
hold here too. ``LegalEntity`` is registered by the ledger room, which creates its ledger setup."""

from django.contrib import admin

from core.models import AuditEntry

from .models import (
    Customer,
    CustomerGroup,
    EntityGrant,
    ExchangeRate,
    Party,
    PartyAddress,
    PartyBankAccount,
    PartyContact,
)
from .selectors import (
    audit_entries_for_user,
    granted_entity_ids,
    legal_entities_for_user,
    user_can_change_party,
    user_is_group_data_steward,
)
from .services import (
    customer_create,
    customer_update,
    entity_grant_create,
    entity_grant_delete,
    exchange_rate_create,
    party_changed_record,
    party_snapshot,
)


class PartyAddressInline(admin.TabularInline):
    model = PartyAddress
    extra = 0


class PartyContactInline(admin.TabularInline):
    model = PartyContact
    extra = 0


class PartyBankAccountInline(admin.TabularInline):
    model = PartyBankAccount
    extra = 0


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]
    search_fields = ["number", "name"]
    inlines = [PartyAddressInline, PartyContactInline, PartyBankAccountInline]

    def has_change_permission(self, request, obj=None):
        # Shared by every entity where it has a customer account (SPEC section 12).
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or user_can_change_party(request.user, obj.pk))

    def save_model(self, request, obj, form, change):
        request._party_before = party_snapshot(Party.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        party_changed_record(
            party=form.instance,
            before=request._party_before,
            actor=request.user,
        )


class EntityScopedAdmin(admin.ModelAdmin):
    """Staff who are not superusers see only the legal entities granted to them."""

    entity_field = "legal_entity"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = granted_entity_ids(request.user)
        return qs if ids is None else qs.filter(**{f"{self.entity_field}_id__in": ids})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.entity_field:
            kwargs["queryset"] = legal_entities_for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Customer)
class CustomerAdmin(EntityScopedAdmin):
    list_display = ["account", "legal_entity", "party", "name", "currency", "blocked"]
    list_filter = ["legal_entity", "currency", "blocked", "customer_group"]
    search_fields = ["account", "name", "party__number", "party__name"]
    autocomplete_fields = ["party"]
    list_select_related = ["legal_entity", "party"]

    def get_readonly_fields(self, request, obj=None):
        return ["legal_entity", "account"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            fresh = Customer.objects.get(pk=obj.pk)
            data = {f: form.cleaned_data[f] for f in form.changed_data}
            customer_update(customer=fresh, data=data, actor=request.user)
            return
        fields = {f: form.cleaned_data[f] for f in form.cleaned_data}
        obj.pk = customer_create(actor=request.user, **fields).pk


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """Rates are history: added, never changed (a correction is a new rate)."""

    list_display = ["from_currency", "to_currency", "rate", "valid_from"]
    list_filter = ["from_currency", "to_currency"]
    date_hierarchy = "valid_from"

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return super().has_add_permission(request) and user_is_group_data_steward(request.user)

    def save_model(self, request, obj, form, change):
        obj.pk = exchange_rate_create(
            from_currency=obj.from_currency,
            to_currency=obj.to_currency,
            rate=obj.rate,
            valid_from=obj.valid_from,
            actor=request.user,
        ).pk


@admin.register(CustomerGroup)
class CustomerGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(EntityGrant)
class EntityGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "legal_entity", "created_at"]
    list_filter = ["legal_entity"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        saved = entity_grant_create(
            user=obj.user, legal_entity=obj.legal_entity, actor=request.user
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        entity_grant_delete(grant=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for grant in queryset:
            entity_grant_delete(grant=grant, actor=request.user)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_repr", "legal_entity"]
    list_filter = ["action", "legal_entity"]
    search_fields = ["object_repr", "action"]

    def get_queryset(self, request):
        # The API's rule: only rows whose every legal entity is granted.
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=audit_entries_for_user(request.user).values("pk"))
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
