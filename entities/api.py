"""REST API of the entities room, one module per resource: parties (``api_parties``),
customers and customer groups (``api_customers``), exchange rates (``api_rates``), the audit
trail (``api_audit``) and jobs (``api_jobs``). This module names what the router registers and
what other apps' APIs reuse."""

from .api_audit import AuditEntryViewSet
from .api_customers import CustomerGroupViewSet, CustomerViewSet
from .api_jobs import JobSerializer, JobViewSet
from .api_parties import PartyViewSet
from .api_rates import ExchangeRateViewSet

__all__ = [
    "AuditEntryViewSet",
    "CustomerGroupViewSet",
    "CustomerViewSet",
    "ExchangeRateViewSet",
    "JobSerializer",
    "JobViewSet",
    "PartyViewSet",
]
