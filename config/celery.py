"""The Celery application; tasks live in each app's ``tasks.py``."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("receivables")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _secret_key_required(**kwargs) -> None:
    """A worker signs nothing itself, but runs the same code as the web: refuse to start
    without a secret key, as the web server does (ImproperlyConfigured)."""
    from django.conf import settings

    settings.SECRET_KEY  # noqa: B018
