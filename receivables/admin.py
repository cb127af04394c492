"""Admin of the receivables room's setup: terms of payment, cash discounts, sales tax codes,
interest codes (saved through their service, which refuses overlapping ranges), recurring
templates, and read-only interest notes and invoice corrections."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from entities.selectors import granted_entity_ids

from .interest import RangeRule, ranges_overlap
from .models import (
    CashDiscount,
    CashDiscountPeriod,
    InterestCode,
    InterestCurrency,
    InterestNote,
    InterestRange,
    InvoiceCorrection,
    PaymentTerms,
    RecurringInvoiceTemplate,
    RecurringInvoiceTemplateLine,
    SalesTaxCode,
)
from .services import InterestCurrencyInput, InterestRangeInput, interest_code_save


@admin.register(PaymentTerms)
class PaymentTermsAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "net_days"]


class CashDiscountPeriodInline(admin.TabularInline):
    model = CashDiscountPeriod
    extra = 1


@admin.register(CashDiscount)
class CashDiscountAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    inlines = [CashDiscountPeriodInline]


@admin.register(SalesTaxCode)
class SalesTaxCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "percent"]


def _kept(formset) -> list[dict]:
    return [
        f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


class InterestRangeFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        rows = _kept(self)
        if not rows:
            raise ValidationError("An interest code needs at least one range.")
        clash = ranges_overlap(
            [RangeRule(r["from_overdue"], r.get("to_overdue"), r["percent"]) for r in rows]
        )
        if clash:
            raise ValidationError(
                f"Ranges overlap: one starting at {clash[0].from_overdue} and one at "
                f"{clash[1].from_overdue}."
            )


class InterestRangeInline(admin.TabularInline):
    model = InterestRange
    formset = InterestRangeFormSet
    extra = 1


class InterestCurrencyInline(admin.TabularInline):
    model = InterestCurrency
    extra = 1


@admin.register(InterestCode)
class InterestCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "charge_per", "ranges_by", "grace_days"]
    inlines = [InterestRangeInline, InterestCurrencyInline]

    def save_model(self, request, obj, form, change):
        pass  # saved with its ranges in save_related, through the service

    def save_related(self, request, form, formsets, change):
        by_model = {fs.model: _kept(fs) for fs in formsets}
        saved = interest_code_save(
            code=form.cleaned_data["code"],
            name=form.cleaned_data.get("name", ""),
            charge_per=form.cleaned_data["charge_per"],
            ranges_by=form.cleaned_data["ranges_by"],
            grace_days=form.cleaned_data["grace_days"],
            ranges=[
                InterestRangeInput(r["from_overdue"], r.get("to_overdue"), r["percent"])
                for r in by_model.get(InterestRange, [])
            ],
            currencies=[
                InterestCurrencyInput(c["currency"], c["fixed_fee"], c["minimum_interest"])
                for c in by_model.get(InterestCurrency, [])
            ],
            actor=request.user,
            instance=form.instance if change else None,
        )
        form.instance.pk = saved.pk
        for formset in formsets:  # saved above; the admin's change message reads these
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class RecurringInvoiceTemplateLineInline(admin.TabularInline):
    model = RecurringInvoiceTemplateLine
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyInGrantedEntities(admin.ModelAdmin):
    """Shown here, written by their pages, the API and the jobs; only granted legal entities."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = granted_entity_ids(request.user)
        return qs if ids is None else qs.filter(legal_entity_id__in=ids)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RecurringInvoiceTemplate)
class RecurringInvoiceTemplateAdmin(ReadOnlyInGrantedEntities):
    list_display = ["legal_entity", "code", "description", "currency"]
    list_filter = ["legal_entity"]
    inlines = [RecurringInvoiceTemplateLineInline]


@admin.register(InterestNote)
class InterestNoteAdmin(ReadOnlyInGrantedEntities):
    list_display = ["legal_entity", "number", "customer", "date", "total", "currency", "status"]
    list_filter = ["legal_entity", "status"]


@admin.register(InvoiceCorrection)
class InvoiceCorrectionAdmin(ReadOnlyInGrantedEntities):
    list_display = ["original", "credit_note", "correcting_invoice", "date", "created_by"]
    list_filter = ["original__legal_entity"]
    list_select_related = [
        "original__legal_entity",
        "credit_note__legal_entity",
        "correcting_invoice__legal_entity",
        "created_by",
    ]

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        ids = granted_entity_ids(request.user)
        return qs if ids is None else qs.filter(original__legal_entity_id__in=ids)
