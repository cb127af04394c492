"""Card payment gateways: the interface the card services talk to, and the built-in test gateway.

The gateway is chosen by the ``CARD_GATEWAY`` setting (a dotted path, read from the environment;
default ``banking.cards.gateways.TestGateway``). A gateway keeps the card: it answers an
authorization with a token, the brand, the last four digits and the expiry, and that is all the
application ever stores. Every call carries our ``reference``, which a gateway uses as its
idempotency key: the same call with the same reference answers the same result and moves money
once.

Test cards of ``TestGateway`` (any future expiry, any 3-digit CVC, 4 digits for American Express):

====================  ==========  ==========================================================
number                brand       answer
====================  ==========  ==========================================================
4242424242424242      visa        approved at every step
5555555555554444      mastercard  approved at every step
378282246310005       amex        approved at every step
4000000000000002      visa        authorization declined (``card_declined``)
4000000000009995      visa        authorization declined (``insufficient_funds``)
4000000000000119      visa        authorization fails (``processing_error``)
4000000000000341      visa        authorized; the capture is declined (``capture_declined``)
4000000000000259      visa        authorized; the capture fails (``processing_error``)
====================  ==========  ==========================================================

Any other number that passes the Luhn check is declined (``test_card_unknown``): the test
gateway never handles a real card. Tokens it issued (``tok_test_…``) can be used again for a
later authorization, with the same answers as their card.
"""

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class CardData:
    """A card as typed by the payer: passed to the gateway, never stored, never logged."""

    number: str = field(repr=False)
    expiry_month: int
    expiry_year: int
    cvc: str = field(repr=False)

    def __repr__(self) -> str:
        return (
            f"CardData(last4={self.number[-4:]!r}, expiry={self.expiry_month}/{self.expiry_year})"
        )


@dataclass(frozen=True)
class GatewayResult:
    """A gateway's answer. ``approved`` False with a code: declined (the card's bank said no)
    or failed (``processing_error``, ``gateway_error``: the gateway could not answer)."""

    approved: bool
    code: str
    message: str
    gateway_reference: str = ""
    token: str = ""
    brand: str = ""
    last4: str = ""
    expiry_month: int | None = None
    expiry_year: int | None = None

    @property
    def failed(self) -> bool:
        return not self.approved and self.code in FAILURE_CODES


# Codes that mean the gateway could not process the call (as opposed to a refusal).
FAILURE_CODES = frozenset({"processing_error", "gateway_error"})


class CardGateway(ABC):
    """What a payment gateway does for the card services. Implementations answer with a
    ``GatewayResult`` and raise only for a programming error: a network failure or a timeout is
    a result with code ``gateway_error``."""

    name: str = ""

    @abstractmethod
    def authorize(
        self,
        *,
        amount: Decimal,
        currency: str,
        card: CardData | None,
        token: str | None,
        reference: str,
    ) -> GatewayResult:
        """Hold ``amount`` on the card (or on the card behind ``token``); an approved answer
        carries the authorization's reference and the card's token, brand, last4 and expiry."""

    @abstractmethod
    def capture(
        self, *, authorization: str, amount: Decimal, currency: str, reference: str
    ) -> GatewayResult:
        """Take ``amount`` (at most what was authorized) of an authorization; the rest of the
        hold is released."""

    @abstractmethod
    def void(self, *, authorization: str, reference: str) -> GatewayResult:
        """Release an authorization that was not captured."""

    @abstractmethod
    def refund(
        self, *, capture: str, amount: Decimal, currency: str, reference: str
    ) -> GatewayResult:
        """Give back ``amount`` of a capture."""


@dataclass(frozen=True)
class TestCard:
    __test__ = False  # not a test class for pytest

    number: str
    brand: str
    authorize: str = "approved"  # the code answered at each step; "approved" approves
    capture: str = "approved"


TEST_CARDS = {
    card.number: card
    for card in (
        TestCard("4242424242424242", "visa"),
        TestCard("5555555555554444", "mastercard"),
        TestCard("378282246310005", "amex"),
        TestCard("4000000000000002", "visa", authorize="card_declined"),
        TestCard("4000000000009995", "visa", authorize="insufficient_funds"),
        TestCard("4000000000000119", "visa", authorize="processing_error"),
        TestCard("4000000000000341", "visa", capture="capture_declined"),
        TestCard("4000000000000259", "visa", capture="processing_error"),
    )
}
# The last four digits name the test card behind a token (they differ between test cards).
_BY_LAST4 = {number[-4:]: card for number, card in TEST_CARDS.items()}

MESSAGES = {
    "approved": "Approved.",
    "card_declined": "The card was declined.",
    "insufficient_funds": "The card was declined: insufficient funds.",
    "processing_error": "The card could not be processed; try again later.",
    "capture_declined": "The capture was declined by the card's bank.",
    "test_card_unknown": "The test gateway accepts only its documented test cards.",
    "token_unknown": "The token is unknown to the gateway.",
}


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


class TestGateway(CardGateway):
    """The built-in gateway for trying the product and for tests: no network, no state; its
    answers depend on the test card (see the module's table) and its references on our
    reference, so a repeated call answers the same."""

    __test__ = False  # not a test class for pytest
    name = "test"

    def authorize(self, *, amount, currency, card, token, reference) -> GatewayResult:
        if card is not None:
            test_card = TEST_CARDS.get(card.number)
            expiry = (card.expiry_month, card.expiry_year)
        else:
            test_card = self._card_of_token(token or "")
            expiry = self._expiry_of_token(token or "")
            if test_card is None:
                return self._answer("token_unknown")
        if test_card is None:
            return self._answer("test_card_unknown")
        if test_card.authorize != "approved":
            return self._answer(test_card.authorize)
        last4 = test_card.number[-4:]
        return self._answer(
            "approved",
            gateway_reference=f"auth_test_{last4}_{_digest('authorize', reference)}",
            token=token or f"tok_test_{last4}_{expiry[0]:02d}{expiry[1]}_{_digest(reference)}",
            brand=test_card.brand,
            last4=last4,
            expiry_month=expiry[0],
            expiry_year=expiry[1],
        )

    def capture(self, *, authorization, amount, currency, reference) -> GatewayResult:
        test_card = self._card_of_reference(authorization, "auth_test_")
        if test_card is None:
            return self._answer("processing_error")
        if test_card.capture != "approved":
            return self._answer(test_card.capture)
        return self._answer(
            "approved", gateway_reference=f"ch_test_{_digest('capture', reference)}"
        )

    def void(self, *, authorization, reference) -> GatewayResult:
        if self._card_of_reference(authorization, "auth_test_") is None:
            return self._answer("processing_error")
        return self._answer("approved", gateway_reference=f"void_test_{_digest('void', reference)}")

    def refund(self, *, capture, amount, currency, reference) -> GatewayResult:
        if not capture.startswith("ch_test_"):
            return self._answer("processing_error")
        return self._answer("approved", gateway_reference=f"re_test_{_digest('refund', reference)}")

    @staticmethod
    def _answer(code: str, **found) -> GatewayResult:
        return GatewayResult(
            approved=code == "approved", code=code, message=MESSAGES[code], **found
        )

    @staticmethod
    def _card_of_token(token: str) -> TestCard | None:
        parts = token.split("_")
        if len(parts) != 5 or parts[:2] != ["tok", "test"]:
            return None
        if not (parts[3].isdigit() and len(parts[3]) == 6):
            return None
        return _BY_LAST4.get(parts[2])

    @staticmethod
    def _expiry_of_token(token: str) -> tuple[int, int]:
        expiry = token.split("_")[3]
        return int(expiry[:2]), int(expiry[2:])

    @staticmethod
    def _card_of_reference(reference: str, prefix: str) -> TestCard | None:
        if not reference.startswith(prefix):
            return None
        return _BY_LAST4.get(reference[len(prefix) :].split("_")[0])
