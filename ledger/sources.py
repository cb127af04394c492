"""What posted a voucher, as a link. A voucher records its source as a key, "invoice:12" or
"settlement:7:FAB"; the ledger knows nothing of invoices, so each app that posts vouchers
registers, when it is ready, how to resolve the keys it writes (by the part before the first
colon), as apps register job kinds with core."""

from collections.abc import Callable

from core.links import Link

from .models import Voucher

# resolve(rest_of_the_key, voucher, user) -> the link, or None when the source is gone or the user
# may not see it.
Resolver = Callable[[str, Voucher, object], Link | None]

_RESOLVERS: dict[str, Resolver] = {}


def voucher_source_register(*, prefix: str, resolve: Resolver) -> None:
    _RESOLVERS[prefix] = resolve


def voucher_source(voucher: Voucher, *, user: object) -> Link | None:
    """The link to what posted ``voucher``, when its source key names a registered source."""
    if not voucher.source_key:
        return None
    prefix, _, rest = voucher.source_key.partition(":")
    resolve = _RESOLVERS.get(prefix)
    return resolve(rest, voucher, user) if resolve is not None else None
