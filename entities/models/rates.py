"""Exchange rates between currencies, valid from a date; shared by the whole group."""

from django.db import models
from django.db.models import Q

from core.fields import currency_field
from core.money import RATE_DECIMAL_PLACES, RATE_MAX_DIGITS


class ExchangeRate(models.Model):
    """1 ``from_currency`` = ``rate`` ``to_currency``, valid from a date until the next one."""

    from_currency = currency_field()
    to_currency = currency_field()
    rate = models.DecimalField(max_digits=RATE_MAX_DIGITS, decimal_places=RATE_DECIMAL_PLACES)
    valid_from = models.DateField()

    class Meta:
        ordering = ["from_currency", "to_currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_currency", "to_currency", "valid_from"],
                name="exchange_rate_unique_per_day",
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(
                condition=~Q(from_currency=models.F("to_currency")),
                name="exchange_rate_two_currencies",
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.from_currency} = {self.rate} {self.to_currency} from {self.valid_from}"
