"""The registry of voucher sources: a source key is resolved by the resolver registered for the
part before its first colon, and a key no app registered resolves to nothing."""

from types import SimpleNamespace

import pytest

from core.links import Link, related_links, related_links_register
from ledger import sources
from ledger.sources import voucher_source, voucher_source_register


@pytest.fixture
def empty_registry(monkeypatch):
    monkeypatch.setattr(sources, "_RESOLVERS", {})


def test_voucher_source_passes_the_rest_of_the_key_to_the_resolver(empty_registry):
    seen = []

    def resolve(rest, voucher, user):
        seen.append((rest, voucher, user))
        return Link(kind="Thing", label=rest, url=f"/things/{rest}/")

    voucher_source_register(prefix="thing", resolve=resolve)
    voucher = SimpleNamespace(source_key="thing:7:FAB")
    assert voucher_source(voucher, user="u") == Link(
        kind="Thing", label="7:FAB", url="/things/7:FAB/"
    )
    assert seen == [("7:FAB", voucher, "u")]


def test_voucher_source_of_an_unknown_or_missing_key_is_none(empty_registry):
    voucher_source_register(prefix="thing", resolve=lambda rest, voucher, user: None)
    assert voucher_source(SimpleNamespace(source_key="other:1"), user=None) is None
    assert voucher_source(SimpleNamespace(source_key=None), user=None) is None
    assert voucher_source(SimpleNamespace(source_key="thing:1"), user=None) is None


def test_the_posting_apps_register_their_source_keys():
    assert set(sources._RESOLVERS) >= {
        "invoice",
        "credit_note",
        "interest_note",
        "interest-note-reversal",
        "payment",
        "payment-reversal",
        "refund",
        "settlement",
        "settlement-reversal",
        "bank-line",
        "bank-line-fee",
        "bill",
        "bill-reversal",
    }


def test_related_links_asks_the_providers_of_the_objects_model(monkeypatch):
    from core import links

    monkeypatch.setattr(links, "_PROVIDERS", {})
    link = Link(kind="Settlement", label="3", url="/settlements/3/")
    related_links_register(model="ledger.Voucher", provider=lambda obj, user: [link])
    related_links_register(model="ledger.MainAccount", provider=lambda obj, user: [None])
    from ledger.models import Voucher

    assert related_links(Voucher(), user=None) == [link]
