"""Legal entities, the global address book (parties), customer accounts with their groups, and
currencies' exchange rates. Also who may act in which legal entity (the audit trail and jobs
are core's: ``core.models``). The receivables codes a customer account names (terms of payment,
cash discount, interest code) belong to ``receivables`` and are referred to by label, so that
this app imports nothing above it.
"""

from core.fields import amount_field, code_validator, currency_field, currency_validator

from .customers import Customer, CustomerGroup
from .legal_entities import EntityGrant, LegalEntity, UserPreference
from .parties import Party, PartyAddress, PartyBankAccount, PartyContact
from .rates import ExchangeRate
from .saved_filters import SavedFilter, SavedFilterDefault

__all__ = [
    "Customer",
    "CustomerGroup",
    "EntityGrant",
    "ExchangeRate",
    "LegalEntity",
    "Party",
    "PartyAddress",
    "PartyBankAccount",
    "PartyContact",
    "SavedFilter",
    "SavedFilterDefault",
    "UserPreference",
    "amount_field",
    "code_validator",
    "currency_field",
    "currency_validator",
]
