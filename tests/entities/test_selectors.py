from datetime import date
from decimal import Decimal

import pytest

from entities.exceptions import ExchangeRateMissing
from entities.selectors import exchange_rate_get, legal_entities_for_user, user_can_act_in
from tests.conftest import make_clerk
from tests.factories.entities import ExchangeRateFactory, LegalEntityFactory


@pytest.mark.django_db
def test_exchange_rate_get_takes_latest_valid_from_on_or_before_date():
    ExchangeRateFactory(rate=Decimal("1.2062"), valid_from=date(2026, 3, 2))
    ExchangeRateFactory(rate=Decimal("1.2277"), valid_from=date(2026, 3, 9))
    assert exchange_rate_get(
        from_currency="EUR", to_currency="USD", on=date(2026, 3, 2)
    ) == Decimal("1.2062")
    assert exchange_rate_get(
        from_currency="EUR", to_currency="USD", on=date(2026, 3, 8)
    ) == Decimal("1.2062")
    assert exchange_rate_get(
        from_currency="EUR", to_currency="USD", on=date(2026, 3, 9)
    ) == Decimal("1.2277")
    assert exchange_rate_get(from_currency="USD", to_currency="USD", on=date(2000, 1, 1)) == 1


@pytest.mark.django_db
def test_exchange_rate_get_missing_names_pair_and_date():
    ExchangeRateFactory(valid_from=date(2026, 3, 9))
    with pytest.raises(ExchangeRateMissing, match="EUR→USD on 2026-03-08"):
        exchange_rate_get(from_currency="EUR", to_currency="USD", on=date(2026, 3, 8))
    with pytest.raises(ExchangeRateMissing, match="GBP→USD on 2026-03-09"):
        exchange_rate_get(from_currency="GBP", to_currency="USD", on=date(2026, 3, 9))


@pytest.mark.django_db
def test_legal_entities_for_user_only_granted():
    fabe = LegalEntityFactory(code="FABE")
    fabw = LegalEntityFactory(code="FABW")
    clerk = make_clerk("clerk", fabe)
    assert list(legal_entities_for_user(clerk)) == [fabe]
    assert user_can_act_in(clerk, fabe)
    assert not user_can_act_in(clerk, fabw)
    assert user_can_act_in(None, fabw)  # the system acts everywhere
