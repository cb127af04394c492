"""Admin of the collections room: aging period sets (buckets inline, saved through the service)
and aging snapshots (read only: a job makes them)."""

from django import forms
from django.contrib import admin

from core.errors import ApplicationError
from entities.admin import EntityScopedAdmin

from .models import AgingBucket, AgingPeriodSet, AgingSnapshot
from .services import AgingBucketInput, aging_period_set_check, aging_period_set_save


def _bucket_inputs(formset) -> list[AgingBucketInput]:
    rows = [
        f.cleaned_data
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("label")
    ]
    rows.sort(key=lambda row: row.get("sequence") or 0)
    return [AgingBucketInput(r["label"], r.get("from_days"), r.get("to_days")) for r in rows]


class AgingBucketFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        try:
            aging_period_set_check(
                period_set=self.instance,
                is_default=self.instance.is_default,
                buckets=_bucket_inputs(self),
            )
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None


class AgingBucketInline(admin.TabularInline):
    model = AgingBucket
    formset = AgingBucketFormSet
    fields = ["sequence", "label", "from_days", "to_days"]
    extra = 1


@admin.register(AgingPeriodSet)
class AgingPeriodSetAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_default"]
    inlines = [AgingBucketInline]

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_default)

    def save_model(self, request, obj, form, change):
        """Saved with its buckets, in one transaction, by ``save_related``."""

    def save_related(self, request, form, formsets, change):
        aging_period_set_save(
            code=form.cleaned_data["code"],
            name=form.cleaned_data["name"],
            is_default=form.cleaned_data["is_default"],
            buckets=_bucket_inputs(formsets[0]),
            actor=request.user,
            instance=form.instance,
        )

    def construct_change_message(self, request, form, formsets, add=False):
        # The service replaced the buckets; the inline formsets saved nothing themselves.
        return (
            [{"added": {}}] if add else [{"changed": {"fields": [*form.changed_data, "buckets"]}}]
        )


@admin.register(AgingSnapshot)
class AgingSnapshotAdmin(EntityScopedAdmin):
    list_display = ["as_of", "legal_entity", "period_set", "is_complete", "line_count", "job"]
    list_filter = ["legal_entity", "period_set", "is_complete"]
    date_hierarchy = "as_of"
    list_select_related = ["legal_entity", "period_set"]
    readonly_fields = [
        "legal_entity",
        "legal_entities",
        "period_set",
        "as_of",
        "job",
        "buckets",
        "is_complete",
        "line_count",
        "created_at",
        "completed_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
