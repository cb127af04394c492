"""Filters a user saved on a list page (as Dynamics 365 saved views): the list's query
parameters under a name, private or shared with every user of a legal entity, and which one
each user opens a list with (their default). Lists are named by the keys they register in
``core.lists``."""

from django.conf import settings
from django.db import models

from core.lists import filtered_list_get

from .legal_entities import LegalEntity


class SavedFilter(models.Model):
    """The filter parameters of one list, saved by their owner under a name. The legal entity is
    where the filter is seen: a user sees it while granted that entity, and, when it is shared,
    so does every other user granted it (read-only: only the owner changes it)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    list_key = models.CharField(max_length=40)
    name = models.CharField(max_length=80)
    # Query parameter → value, only the parameters the list registered.
    parameters = models.JSONField(default=dict, blank=True)
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["list_key", "name", "id"]
        indexes = [models.Index(fields=["list_key", "legal_entity"])]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "list_key", "name"], name="saved_filter_name_unique_per_list"
            )
        ]

    def __str__(self) -> str:
        return f"{self.list_key}: {self.name}"

    @property
    def list_label(self) -> str:
        filtered = filtered_list_get(self.list_key)
        return filtered.label if filtered else self.list_key


class SavedFilterDefault(models.Model):
    """The saved filter a user's list opens with when it is opened without filters: one per
    user and list, their own filter or one shared with them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filter_defaults"
    )
    list_key = models.CharField(max_length=40)
    saved_filter = models.ForeignKey(SavedFilter, on_delete=models.CASCADE, related_name="defaults")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list_key"], name="saved_filter_default_unique_per_list"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.list_key} → {self.saved_filter_id}"
