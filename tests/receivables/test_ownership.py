"""Receivables owns open transactions: no module outside its services (and its ``sql.py``)
writes them, and none outside its locking reads locks them. The source is read with ``ast``;
the scanner itself is checked on snippets of every form it must catch (and some it must not)."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps

from receivables.models import OpenTransaction

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", "tests", "bench", "migrations", "node_modules", "static", "var"}
MAY_WRITE = ("receivables/services/", "receivables/sql.py")
MAY_LOCK = ("receivables/locks.py", "receivables/selectors.py", "receivables/sql.py")
# Inserts a synthetic book of open transactions for the benches, as ``bench/`` does.
MAY_INSERT = ("collections_app/management/commands/generate_book.py",)

TABLE = OpenTransaction._meta.db_table
MODEL = OpenTransaction.__name__
ORM_WRITES = {"update", "bulk_update", "delete", "save", "create", "bulk_create", "get_or_create"}
INSTANCE_NAMES = {"ot", "open_transaction"}


def _own_fields() -> set[str]:
    """Value fields only open transactions have: an assignment to one is a write to one."""
    others = {
        f.name
        for model in apps.get_models()
        if model is not OpenTransaction
        for f in model._meta.get_fields()
    }
    return {
        f.name
        for f in OpenTransaction._meta.concrete_fields
        if not f.is_relation and f.name not in others
    }


def _chain(node: ast.AST) -> list[ast.AST]:
    """The receiver chain of a call, outermost first (``A.objects.filter(…).update``)."""
    chain = []
    while True:
        chain.append(node)
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return chain


def _names_model(chain: list[ast.AST]) -> bool:
    return isinstance(chain[-1], ast.Name) and chain[-1].id == MODEL


def _has_manager(chain: list[ast.AST]) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "objects" for n in chain)


def _strings(node: ast.AST) -> list[str]:
    """The constant strings of a call's arguments (``update_fields=[…]``, a field list)."""
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def _sql_texts(tree: ast.AST) -> list[str]:
    """Every string of the module, f-strings with their expressions kept (``{table}``)."""
    texts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            texts.append(
                "".join(
                    part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part) + "}"
                    for part in node.values
                )
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            texts.append(node.value)
    return texts


def _table_pattern(verbs: str) -> re.Pattern:
    # The table by name, or by an expression that names the model (``{qn(OpenTransaction…)}``).
    target = rf'(?:"?{TABLE}"?\b|\{{[^}}]*\b{MODEL}\b[^}}]*\}})'
    return re.compile(rf"\b(?:{verbs})\s+{target}", re.IGNORECASE)


UPDATE_OR_DELETE = _table_pattern(r"UPDATE|DELETE\s+FROM")
INSERT = _table_pattern(r"INSERT\s+INTO")
FOR_UPDATE = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+)?UPDATE\b", re.IGNORECASE)
# A write to a table named by an expression (``UPDATE {table} …``).
WRITE_TO_EXPRESSION = re.compile(r"\b(?:UPDATE|DELETE\s+FROM)\s+\{", re.IGNORECASE)


def violations(source: str, path: str) -> list[str]:
    """What ``source`` (the module at ``path``, relative to the project) does to open
    transactions that only receivables may do: one line per finding."""
    tree = ast.parse(source)
    may_write = path.startswith(MAY_WRITE)
    may_lock = path.startswith(MAY_LOCK)
    own_fields = _own_fields()
    found = []

    def report(node: ast.AST, what: str) -> None:
        found.append(f"{path}:{getattr(node, 'lineno', 0)}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and not may_write:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Attribute) and leaf.attr in own_fields:
                        report(node, f"assigns .{leaf.attr}")
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, chain = node.func.attr, _chain(node.func.value)
        if method == "select_for_update" and not may_lock:
            if _names_model(chain):
                report(node, f"locks {MODEL} rows")
            elif not _has_manager(chain):
                report(node, "locks a queryset of unknown model")
        if method not in ORM_WRITES or may_write:
            continue
        receiver = chain[0]
        if _names_model(chain):
            report(node, f"{MODEL}.…{method}()")
        elif own_fields & (set(_strings(node)) | {k.arg for k in node.keywords if k.arg}):
            report(node, f"{method}() of open-transaction fields")
        elif method == "save" and (
            (isinstance(receiver, ast.Name) and receiver.id in INSTANCE_NAMES)
            or (isinstance(receiver, ast.Attribute) and receiver.attr == "open_transaction")
        ):
            report(node, "saves an open transaction")
    texts = _sql_texts(tree)
    for text in texts:
        if not may_write and UPDATE_OR_DELETE.search(text):
            report(tree, f"SQL writes {TABLE}: {text[:60]!r}")
        if not may_write and path not in MAY_INSERT and INSERT.search(text):
            report(tree, f"SQL inserts into {TABLE}: {text[:60]!r}")
    names_table = re.search(rf"\b(?:{MODEL}|{TABLE})\b", source)
    if not may_lock and names_table and any(FOR_UPDATE.search(t) for t in texts):
        report(tree, f"SQL locks rows in a module that reads {MODEL}")
    if not may_write and names_table and any(WRITE_TO_EXPRESSION.search(t) for t in texts):
        report(tree, f"SQL writes a table in a module that reads {MODEL}")
    return found


def _modules() -> list[Path]:
    return sorted(
        p
        for p in ROOT.rglob("*.py")
        if not SKIPPED_DIRS.intersection(p.relative_to(ROOT).parts[:-1])
    )


def test_only_receivables_writes_or_locks_open_transactions():
    modules = _modules()
    # The scan reaches every room (a wrong root would pass on nothing).
    rooms = {p.relative_to(ROOT).parts[0] for p in modules}
    assert {"receivables", "settlement", "collections_app", "ledger", "core"} <= rooms
    found = [
        finding
        for p in modules
        for finding in violations(p.read_text(), p.relative_to(ROOT).as_posix())
    ]
    assert found == []


def test_own_fields_are_the_open_amounts_and_flags():
    assert {"open_amount", "open_accounting_amount", "closed_on", "disputed"} <= _own_fields()


CAUGHT = [
    "ot.open_amount = 0",
    "ot.open_accounting_amount -= x",
    "open_transaction.closed_on = on",
    "t.disputed: bool = True",
    "OpenTransaction.objects.filter(pk=1).update(open_amount=0)",
    "OpenTransaction.objects.bulk_update(rows, ['open_amount'])",
    "rows.update(closed_on=None)",
    "Model.objects.bulk_update(rows, ['open_accounting_amount'])",
    "ot.save(update_fields=['disputed'])",
    "ot.save()",
    "line.open_transaction.save()",
    "OpenTransaction.objects.select_for_update().get(pk=1)",
    "list(OpenTransaction.objects.filter(pk__in=ids).select_for_update(of=('self',)))",
    "overdue(entities).filter(customer=c).select_for_update()",
    f"cursor.execute('UPDATE {TABLE} SET open_amount = 0 WHERE id = %s', [1])",
    f"cursor.execute('update \"{TABLE}\" set closed_on = null')",
    "sql = f'UPDATE {qn(OpenTransaction._meta.db_table)} AS t SET open_amount = v.a'",
    f"cursor.execute('DELETE FROM {TABLE}')",
    f"cursor.execute('INSERT INTO {TABLE} (id) VALUES (1)')",
    "from receivables.models import OpenTransaction\nsql = 'SELECT 1 FROM ot FOR UPDATE OF ot'",
    "t = OpenTransaction._meta.db_table\nsql = f'SELECT id FROM {t} FOR UPDATE NOWAIT'",
    "table = OpenTransaction._meta.db_table\nsql = f'UPDATE {table} AS t SET open_amount = 1'",
]

NOT_CAUGHT = [
    "if ot.open_amount == 0: pass",
    "x = ot.open_amount",
    "OpenTransaction.objects.filter(open_amount=0).count()",
    "Payment.objects.select_for_update(of=('self',)).get(pk=1)",
    "type(document).objects.select_for_update().get(pk=1)",
    "payment.save(update_fields=['status'])",
    "settlement.status = 'reversed'",
    "sql = 'UPDATE ledger_voucher SET number = 1 FOR UPDATE'",
    "open_transaction_reduce(changes=changes, on=on)",
    "open_transactions_for_update(ids, nowait=True)",
]


@pytest.mark.parametrize("source", CAUGHT)
def test_violations_catches(source):
    assert violations(source, "settlement/services/__init__.py")


@pytest.mark.parametrize("source", NOT_CAUGHT)
def test_violations_lets_pass(source):
    assert violations(source, "settlement/services/__init__.py") == []


@pytest.mark.parametrize(
    ("source", "path", "expected"),
    [
        ("ot.open_amount = 0", "receivables/services/common.py", False),
        ("ot.open_amount = 0", "receivables/selectors.py", True),
        ("ot.open_amount = 0", "receivables/api.py", True),
        ("OpenTransaction.objects.select_for_update()", "receivables/locks.py", False),
        ("OpenTransaction.objects.select_for_update()", "receivables/services/x.py", True),
        (f"s = 'INSERT INTO {TABLE} (id) VALUES (1)'", MAY_INSERT[0], False),
        (f"s = 'UPDATE {TABLE} SET open_amount = 0'", MAY_INSERT[0], True),
    ],
)
def test_violations_by_room(source, path, expected):
    assert bool(violations(source, path)) is expected
