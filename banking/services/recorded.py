"""Services whose refusals are recorded as well as raised (a statement line's posting error, a
card payment's posting error): the text is stored once and read by every user and the API, so
it is written in the site's language (English), whoever asked."""

import functools

from django.conf import settings
from django.utils import translation


def recorded_in_english(post):
    """``post`` run in the site's language: the refusals it records read the same for all."""

    @functools.wraps(post)
    def run(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return post(*args, **kwargs)

    return run
