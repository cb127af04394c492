"""Writes of a user's own preferences: the language their pages are written in."""

from django.conf import settings
from django.db import transaction

from core.audit import audit_record
from core.errors import InvalidInput

from ..models import UserPreference


@transaction.atomic
def user_language_set(*, user, language: str) -> UserPreference:
    """The language ``user``'s pages are written in from now on (empty: the browser's)."""
    if language and language not in dict(settings.LANGUAGES):
        choices = ", ".join(code for code, _name in settings.LANGUAGES)
        raise InvalidInput(
            f"Unknown language {language!r}: choose one of {choices}.", field="language"
        )
    preference, _created = UserPreference.objects.select_for_update().get_or_create(user=user)
    if preference.language != language:
        audit_record(
            actor=user,
            action="user_preference.changed",
            obj=preference,
            changes={"language": (preference.language, language)},
        )
        preference.language = language
        preference.save(update_fields=["language"])
    return preference
