"""Plain SQL for the hot paths (posting, settling): rows read into model instances without
compiling a query, and rows written as tuples with one statement per table.

The ORM costs far more Python than the database spends on these statements (a query is compiled
for every call, a model instance is built for every row written); the posting and settlement
services do the same work thousands of times an hour. Values are passed to the driver as they
are (``Decimal``, ``date``, ``str``, ``None``); ``now()`` gives a timestamp the database
accepts. Reads apply the backend's converters, so the same code serves SQLite (``make run``).

On PostgreSQL these statements go through ``cursor()``: parameters are bound on the server, so
that PostgreSQL can keep a statement it has seen ``prepare_threshold`` times on a connection
(``DB_PREPARE_THRESHOLD``) and skip parsing and planning it again. Planning the settlement's
locking query alone costs more than running it.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import cache, wraps
from typing import Any, ParamSpec, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Model
from django.utils import timezone

# PostgreSQL accepts 65,535 parameters per statement, SQLite 32,766 (since 3.32).
MAX_PARAMETERS = 30_000
# Keys are 64-bit integers: none reaches this (nor its negative).
BIGINT_LIMIT = 2**63
# From this many rows PostgreSQL gets one array per column (see insert_rows); below it a
# multi-row VALUES costs less (about a tenth of a two-voucher settlement, measured).
UNNEST_FROM = 10


def _connection():
    # The connection itself: every attribute read through ``django.db.connection`` costs a
    # look-up in a context-local store, and the hot paths read dozens.
    return connections[DEFAULT_DB_ALIAS]


class Block:
    """The state of an ``all_or_nothing()`` block: what the services inside keep for its end
    (``memo``) and write before it commits (``before_end``)."""

    def __init__(self) -> None:
        self.memo: dict[str, Any] = {}
        self._before_end: list[Callable[[], Any]] = []

    def before_end(self, write: Callable[[], Any]) -> None:
        self._before_end.append(write)

    def end(self) -> None:
        for write in self._before_end:
            write()


_BLOCK: ContextVar[Block | None] = ContextVar("all_or_nothing_block", default=None)
P = ParamSpec("P")
R = TypeVar("R")


def block() -> Block | None:
    """The innermost ``all_or_nothing()`` block running, if any."""
    return _BLOCK.get()


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """A transaction that the services called inside join without a savepoint of their own.

    ``transaction.atomic`` nested in a transaction opens a savepoint (two round trips) so that
    its caller may catch the error and go on. A caller that never does, because any error
    abandons the whole of its work (a bank statement line), opens its transaction with this:
    the services decorated with ``atomic`` below then join it, and what they keep for the end
    (the audit rows) is written in one go before the block ends. An error inside rolls back
    everything the block did."""
    with transaction.atomic():
        state = Block()
        token = _BLOCK.set(state)
        try:
            yield
            state.end()
        finally:
            _BLOCK.reset(token)


def atomic(func: Callable[P, R]) -> Callable[P, R]:
    """``transaction.atomic`` for a service on a hot path: its own transaction, or a savepoint
    in its caller's, except inside ``all_or_nothing()``, where it joins the caller's."""

    @wraps(func)
    def inner(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(savepoint=_BLOCK.get() is None):
            return func(*args, **kwargs)

    return inner


@cache
def _server_binding_cursor_class():
    import psycopg

    return psycopg.Cursor


class _DebugCursor(CursorDebugWrapper):
    """Logs statements with their parameters inlined: psycopg keeps no text of a prepared
    statement it executes, and Django would log ``None``."""

    def execute(self, sql, params=None):
        logged = sql if params is None else self.db.ops.compose_sql(sql, params)
        with self.debug_sql(logged, params):
            return CursorWrapper.execute(self, sql, params)


@contextmanager
def cursor() -> Iterator[Any]:
    """A cursor for the statements of this module's callers (see the module's docstring): on
    PostgreSQL with server-side binding, wrapped like Django's own cursors (query logging,
    error translation); elsewhere Django's cursor."""
    conn = _connection()
    if conn.vendor != "postgresql":
        with conn.cursor() as wrapped:
            yield wrapped
        return
    conn.validate_thread_sharing()
    conn.ensure_connection()
    with conn.wrap_database_errors:
        raw = _server_binding_cursor_class()(conn.connection)
    wrapped = _DebugCursor(raw, conn) if conn.queries_logged else conn.make_cursor(raw)
    with wrapped:
        yield wrapped


def now() -> tuple[datetime, Any]:
    """The current time, and the same adapted for the database (a string on SQLite)."""
    moment = timezone.now()
    return moment, _connection().ops.adapt_datetimefield_value(moment)


def columns(model: type[Model], *fields: str) -> tuple[str, ...]:
    """The database columns of ``model``'s ``fields`` (names or attnames), in that order: the
    column lists of plain statements come from the model, so a renamed field or column fails
    here, on first use, and never writes a wrong column."""
    meta = model._meta
    return tuple(meta.get_field(name).column for name in fields)


def insert_rows(
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: str | None = None,
) -> list[Any]:
    """Insert ``rows`` (tuples in ``columns`` order) into ``model``'s table with one statement
    and return the ``returning`` column of each row, in order.

    On PostgreSQL many rows go as one array per column (``INSERT … SELECT * FROM UNNEST(…)``,
    as Django's ``bulk_create`` does): one short statement whatever the number of rows,
    planned in no time and prepared once. Otherwise a multi-row VALUES, split past the
    parameter limit."""
    if not rows:
        return []
    conn = _connection()
    qn = conn.ops.quote_name
    table, names = qn(model._meta.db_table), ", ".join(qn(c) for c in columns)
    head = f"INSERT INTO {table} ({names}) "  # noqa: S608
    tail = f" RETURNING {qn(returning)}" if returning else ""
    if conn.vendor == "postgresql" and len(rows) >= UNNEST_FROM:
        arrays = ", ".join(f"%s::{db_type}[]" for db_type in array_types(model, tuple(columns)))
        sql = f"{head}SELECT * FROM UNNEST({arrays}){tail}"  # noqa: S608
        statements = [(sql, [list(column) for column in zip(*rows, strict=True)])]
    else:
        placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
        per_statement = max(1, MAX_PARAMETERS // len(columns))
        statements = [
            (
                f"{head}VALUES {', '.join([placeholders] * len(chunk))}{tail}",
                [value for row in chunk for value in row],
            )
            for chunk in (
                rows[start : start + per_statement] for start in range(0, len(rows), per_statement)
            )
        ]
    result: list[Any] = []
    with cursor() as db_cursor:
        for sql, params in statements:
            db_cursor.execute(sql, params)
            if returning:
                result += [row[0] for row in db_cursor.fetchall()]
    return result


def update_rows(model: type[Model], fields: Sequence[str], instances: Sequence[Model]) -> None:
    """Write ``fields`` of ``instances`` (saved rows of ``model``) with one plain statement,
    where ``bulk_update`` compiles a CASE per field and row: on PostgreSQL ``UPDATE … FROM
    UNNEST(…)``, one array per column; elsewhere one statement run for each row."""
    if not instances:
        return
    conn = _connection()
    qn = conn.ops.quote_name
    meta = model._meta
    chosen = [meta.get_field(name) for name in fields]
    table, key = qn(meta.db_table), qn(meta.pk.column)
    rows = [
        (obj.pk, *(f.get_db_prep_save(getattr(obj, f.attname), conn) for f in chosen))
        for obj in instances
    ]
    if conn.vendor == "postgresql":
        columns = (meta.pk.column, *(f.column for f in chosen))
        arrays = ", ".join(f"%s::{t}[]" for t in array_types(model, columns))
        names = ", ".join(qn(c) for c in columns)
        sets = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in chosen)
        sql = (
            f"UPDATE {table} SET {sets} FROM UNNEST({arrays}) AS v({names}) "  # noqa: S608
            f"WHERE {table}.{key} = v.{key}"
        )
        with cursor() as db_cursor:
            db_cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])
        return
    sets = ", ".join(f"{qn(f.column)} = %s" for f in chosen)
    with cursor() as db_cursor:
        db_cursor.executemany(
            f"UPDATE {table} SET {sets} WHERE {key} = %s",  # noqa: S608
            [(*row[1:], row[0]) for row in rows],
        )


def insert_instances(instances: Sequence[Model]) -> None:
    """Insert new instances of one model with one plain statement (``insert_rows``) and set
    their primary keys, as ``bulk_create`` does without its insert compiler. For models whose
    fields need nothing beyond ``pre_save`` and ``get_db_prep_save`` (no signals are sent)."""
    if not instances:
        return
    model = type(instances[0])
    conn = _connection()
    fields = _insert_fields(model)
    for obj in instances:
        # As ``save`` and ``bulk_create`` do: a related object saved after its assignment
        # gives its primary key, an unsaved one is refused.
        obj._prepare_related_fields_for_save(operation_name="insert_instances")
    rows = [
        tuple(field.get_db_prep_save(field.pre_save(obj, True), conn) for field in fields)
        for obj in instances
    ]
    pks = insert_rows(
        model, [field.column for field in fields], rows, returning=model._meta.pk.column
    )
    for obj, pk in zip(instances, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = DEFAULT_DB_ALIAS


@cache
def _insert_fields(model: type[Model]) -> list:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


@cache
def array_types(model: type[Model], columns: tuple[str, ...]) -> list[str]:
    """PostgreSQL's array type of each column (``UNNEST`` of one array per column)."""
    # Without the type's parameters (varchar, not varchar(30)), as Django does: nothing is
    # truncated on the way, the column's own type still checks every value.
    by_column = {field.column: field for field in model._meta.concrete_fields}
    conn = _connection()
    return [by_column[column].db_type(conn).split("(")[0] for column in columns]


def ids_reserve(model: type[Model], count: int) -> list[int] | None:
    """``count`` primary keys of ``model`` taken from its sequence ahead of the insert, so that
    rows pointing at them (through foreign keys checked at commit) can be written first.
    ``None`` where the database has no sequences."""
    conn = _connection()
    if conn.vendor != "postgresql":
        return None
    with cursor() as db_cursor:
        db_cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s::int)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in db_cursor.fetchall()]


class Columns:
    """Some or all concrete columns of a model under a table alias, for a plain SELECT, and
    the values read back as Python values (``values``) or as an instance (``instance``)."""

    def __init__(self, model: type[Model], alias: str, fields: Sequence[str] | None = None):
        self.model = model
        self.fields = (
            list(model._meta.concrete_fields)
            if fields is None
            else [model._meta.get_field(name) for name in fields]
        )
        self.whole = fields is None
        self.attnames = [f.attname for f in self.fields]
        self.width = len(self.fields)
        qn = _connection().ops.quote_name
        self.sql = ", ".join(f"{alias}.{qn(f.column)}" for f in self.fields)
        self._converters: dict[str, list] = {}
        self._alias = alias

    def _converters_for(self, conn) -> list:
        if conn.vendor not in self._converters:
            found = []
            for index, field in enumerate(self.fields):
                expression = field.get_col(self._alias)
                funcs = conn.ops.get_db_converters(expression) + expression.get_db_converters(conn)
                if funcs:
                    found.append((index, funcs, expression))
            self._converters[conn.vendor] = found
        return self._converters[conn.vendor]

    def values(self, row: Sequence[Any], start: int = 0) -> list[Any]:
        """This model's values in ``row`` from position ``start``, converted like the ORM does."""
        values = list(row[start : start + self.width])
        conn = _connection()
        for index, funcs, expression in self._converters_for(conn):
            value = values[index]
            for func in funcs:
                value = func(value, expression, conn)
            values[index] = value
        return values

    def instance(self, row: Sequence[Any], start: int = 0) -> Model:
        assert self.whole, "an instance is built from all its concrete columns"
        return self.model.from_db(DEFAULT_DB_ALIAS, self.attnames, self.values(row, start))


def inserted(model: type[Model], **values: Any) -> Model:
    """An instance of a row just written by ``insert_rows`` (its primary key among ``values``),
    for callers that expect what ``create`` returns."""
    instance = model(**values)
    instance._state.adding = False
    instance._state.db = DEFAULT_DB_ALIAS
    return instance
