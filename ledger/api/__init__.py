"""REST API of the ledger room: legal entities (with their default ledger setup), the trial
balance and fiscal periods (``legal_entities``), vouchers and ledger entries (``vouchers``), and
main accounts (``accounts``)."""

from .accounts import MainAccountSerializer, MainAccountViewSet
from .legal_entities import (
    FiscalPeriodSerializer,
    FiscalPeriodsManage,
    FiscalPeriodStatusSerializer,
    FiscalPeriodViewSet,
    FiscalYearCreateSerializer,
    FiscalYearSerializer,
    LegalEntityParametersSerializer,
    LegalEntitySerializer,
    LegalEntityViewSet,
    TrialBalanceRowSerializer,
)
from .vouchers import (
    LedgerEntryFilter,
    LedgerEntrySerializer,
    LedgerEntryViewSet,
    VoucherCreateSerializer,
    VoucherFilter,
    VoucherLineInputSerializer,
    VoucherReverseSerializer,
    VoucherSerializer,
    VoucherViewSet,
    _entity_filter_guard,
)

__all__ = [
    "FiscalPeriodSerializer",
    "FiscalPeriodStatusSerializer",
    "FiscalPeriodViewSet",
    "FiscalPeriodsManage",
    "FiscalYearCreateSerializer",
    "FiscalYearSerializer",
    "LedgerEntryFilter",
    "LedgerEntrySerializer",
    "LedgerEntryViewSet",
    "LegalEntityParametersSerializer",
    "LegalEntitySerializer",
    "LegalEntityViewSet",
    "MainAccountSerializer",
    "MainAccountViewSet",
    "TrialBalanceRowSerializer",
    "VoucherCreateSerializer",
    "VoucherFilter",
    "VoucherLineInputSerializer",
    "VoucherReverseSerializer",
    "VoucherSerializer",
    "VoucherViewSet",
    "_entity_filter_guard",
]
