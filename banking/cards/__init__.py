"""Card payments' gateway room: the interface (``CardGateway``, ``GatewayResult``), the built-in
``TestGateway`` and ``gateway_get``, which gives the gateway the ``CARD_GATEWAY`` setting names."""

from django.conf import settings
from django.utils.module_loading import import_string

from .gateways import CardData, CardGateway, GatewayResult, TestGateway


def gateway_get(path: str | None = None) -> CardGateway:
    """The gateway of ``path`` (a card payment's own), else the configured one (the setting is
    read at each call, so tests and deployments may change it)."""
    gateway_class = import_string(path or settings.CARD_GATEWAY)
    return gateway_class()


__all__ = ["CardData", "CardGateway", "GatewayResult", "TestGateway", "gateway_get"]
