"""A legal entity's page shows what its documents' letterhead prints: address and VAT number."""

import pytest

from entities.services import legal_entity_update
from tests.conftest import make_clerk

pytestmark = pytest.mark.django_db


def test_legal_entity_detail_shows_the_address_and_vat_number(client, fabrikam):
    client.force_login(make_clerk("clerk", fabrikam["FABE"]))
    page = client.get("/entities/FABE/").content.decode()
    assert '<dd id="entity-address">—</dd>' in page
    assert '<dd id="entity-vat-number">—</dd>' in page
    legal_entity_update(
        legal_entity=fabrikam["FABE"],
        data={
            "address_lines": "Karl Johans gate 1\nPostboks 12",
            "postal_code": "0154",
            "city": "Oslo",
            "country": "NO",
            "vat_number": "NO923609016MVA",
        },
        actor=None,
    )
    page = client.get("/entities/FABE/").content.decode()
    assert (
        '<dd id="entity-address">Karl Johans gate 1<br>Postboks 12<br>0154 Oslo<br>Norway</dd>'
        in page
    )
    assert '<dd id="entity-vat-number">NO923609016MVA</dd>' in page
