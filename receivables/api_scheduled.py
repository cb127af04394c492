"""REST API of the receivables room's scheduled work, one module per kind: interest notes
(``api_interest``) and recurring invoices (``api_recurring``). The jobs that make them are
started with ``POST /jobs/``. This module names the viewsets the router registers."""

from .api_interest import InterestNoteViewSet
from .api_recurring import (
    RecurringAssignmentViewSet,
    RecurringOccurrenceViewSet,
    RecurringTemplateViewSet,
)

__all__ = [
    "InterestNoteViewSet",
    "RecurringAssignmentViewSet",
    "RecurringOccurrenceViewSet",
    "RecurringTemplateViewSet",
]
