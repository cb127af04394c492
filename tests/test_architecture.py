"""Rules of the layout that a reader should not have to re-check by hand: views and API modules
parse input, call one service and render, so the database transaction of a use case is opened by
the service, never around it."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["core", "entities", "ledger", "receivables", "settlement", "banking", "collections_app"]


def _view_and_api_modules() -> list[Path]:
    modules = []
    for app in APPS:
        for pattern in ("views*.py", "api*.py"):
            modules.extend(sorted((ROOT / app).rglob(pattern)))
    return modules


def _atomic_uses(source: str) -> list[int]:
    """Lines that name ``atomic`` (``transaction.atomic``, ``from django.db.transaction import
    atomic``, ``@atomic``), whether called, used as a decorator or imported."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            names.append((node.attr, node.lineno))
        elif isinstance(node, ast.Name):
            names.append((node.id, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            names.extend((alias.name, node.lineno) for alias in node.names)
    lines = [lineno for name, lineno in names if name == "atomic"]
    return sorted(set(lines))


def test_view_and_api_modules_are_found():
    names = {p.relative_to(ROOT).as_posix() for p in _view_and_api_modules()}
    expected = {"receivables/views.py", "receivables/api.py", "settlement/api.py", "core/api.py"}
    assert expected <= names


@pytest.mark.parametrize(
    "path", _view_and_api_modules(), ids=lambda p: p.relative_to(ROOT).as_posix()
)
def test_views_and_api_open_no_transaction(path: Path):
    uses = _atomic_uses(path.read_text(encoding="utf-8"))
    assert not uses, f"{path.relative_to(ROOT)} uses transaction.atomic on lines {uses}"


@pytest.mark.parametrize(
    "source",
    [
        "from django.db import transaction\nwith transaction.atomic():\n    pass\n",
        "from django.db.transaction import atomic\n",
        "from django.db import transaction\n@transaction.atomic\ndef f():\n    pass\n",
    ],
)
def test_atomic_uses_finds_every_spelling(source: str):
    assert _atomic_uses(source)


# The apps depend one way: a module may import its own app and those before it, never one after.
LAYERS = {
    "core": 0,
    "entities": 1,
    "ledger": 2,
    "receivables": 3,
    "settlement": 4,
    # Siblings above settlement: neither imports the other.
    "banking": 5,
    "collections_app": 5,
}


def _imported_apps(source: str) -> list[tuple[str, int]]:
    """The project apps a module imports (at the top or inside functions), with the line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], node.lineno))
    return [(app, line) for app, line in found if app in LAYERS]


def _app_modules() -> list[Path]:
    return [
        path
        for app in LAYERS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    ]


@pytest.mark.parametrize("path", _app_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_apps_import_only_the_apps_before_them(path: Path):
    app = path.relative_to(ROOT).parts[0]
    upward = [
        f"{other} (line {line})"
        for other, line in _imported_apps(path.read_text(encoding="utf-8"))
        if LAYERS[other] > LAYERS[app] or (LAYERS[other] == LAYERS[app] and other != app)
    ]
    assert not upward, f"{path.relative_to(ROOT)} imports {', '.join(upward)}"


def test_imported_apps_sees_imports_inside_functions():
    source = "def f():\n    from settlement.services import settlement_create\n    import ledger\n"
    assert _imported_apps(source) == [("settlement", 2), ("ledger", 3)]
