"""Aggregates that give the same answer on every database the project runs on.

SQLite (``make run``) keeps a decimal column as a binary floating-point number and sums it as
one: a balanced voucher of 736.62 and 12.90 lines sums to -2.3e-14, not zero, and 0.10 + 0.20
comes back 0.30000000000000004. PostgreSQL sums numerics exactly.
"""

from decimal import Decimal

from django.db.models import DecimalField, Sum


class DecimalSum(Sum):
    """``Sum`` of a decimal expression, exact on SQLite too.

    Every addend has at most the output field's decimal places, so their exact sum has no more:
    rounding the floating-point sum to those places there gives it back (while the sum keeps
    within the 15 significant digits a double holds), and ``+ 0`` turns a rounded -0.0 into 0.
    The value read is quantized to the same places, as PostgreSQL returns it. Comparisons in
    SQL (``.exclude(total=0)``) see the rounded sum too."""

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = super().as_sqlite(compiler, connection, **extra_context)
        places = self._decimal_places()
        if places is None:
            return sql, params
        # CAST gives the sum a numeric affinity, so it compares with a decimal parameter (which
        # SQLite receives as text) as a column would.
        return f"CAST((ROUND({sql}, {places}) + 0) AS NUMERIC)", params

    def _decimal_places(self) -> int | None:
        field = self.output_field
        if isinstance(field, DecimalField) and field.decimal_places is not None:
            return int(field.decimal_places)
        return None

    def get_db_converters(self, connection):
        converters = super().get_db_converters(connection)
        places = self._decimal_places()
        if connection.vendor != "sqlite" or places is None:
            return converters
        quantum = Decimal(1).scaleb(-places)

        def quantize(value, expression, connection):
            return value if value is None else Decimal(value).quantize(quantum)

        return [*converters, quantize]
