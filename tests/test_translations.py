"""The French and Norwegian translations: every catalogue compiles, the committed .mo files are
the compilation of the .po files beside them (so running the app needs no gettext tools), every
text is translated, and a translation keeps the placeholders of its text."""

import gettext
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings

from tests.conftest import IN_CI

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def _po(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def _messages(mo: bytes) -> dict:
    """The translations of a .mo file, without its header (the compilers write it apart)."""
    catalog = gettext.GNUTranslations(io.BytesIO(mo))._catalog
    return {key: value for key, value in catalog.items() if key != ""}


def test_every_language_but_english_has_a_catalogue():
    assert LANGUAGES == ["fr", "nb"]
    assert settings.LOCALE_PATHS == [LOCALE]
    for language in LANGUAGES:
        assert _po(language).is_file()
        assert _po(language).with_suffix(".mo").is_file()


@pytest.mark.parametrize("language", LANGUAGES)
def test_po_compiles_with_msgfmt(language, tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        if IN_CI:
            pytest.fail("msgfmt is not installed (apt-get install -y gettext)")
        pytest.skip("msgfmt is not installed")
    result = subprocess.run(  # noqa: S603
        [msgfmt, "--check", "--statistics", "-o", str(tmp_path / "django.mo"), str(_po(language))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_mo_is_the_compiled_po(language):
    """Compiled again here (with babel, which the app already needs), the .po gives exactly the
    messages of the committed .mo: a .po edited without `make messages` fails."""
    with _po(language).open("rb") as f:
        catalog = read_po(f, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    committed = _po(language).with_suffix(".mo").read_bytes()
    assert _messages(committed) == _messages(compiled.getvalue())


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_translated_with_its_placeholders(language):
    with _po(language).open("rb") as f:
        catalog = read_po(f, locale=language)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"not translated: {ids[0]!r}")
            continue
        wanted = sorted(set(PLACEHOLDER.findall(ids[-1])))
        for string in strings:
            if sorted(set(PLACEHOLDER.findall(string))) != wanted:
                problems.append(f"placeholders differ: {ids[0]!r} → {string!r}")
    assert problems == []
