"""``Idempotency-Key`` for API operations that post: the key is stored with a hash of the request
and the response in the operation's own transaction.

Two requests with the same key at once: the second one's INSERT waits on the first one's unique
key until it commits, then replays its response (or is a conflict if the body differs).
"""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from core.errors import Conflict, InvalidInput
from core.models import IdempotencyKey

HEADER = "Idempotency-Key"


def _request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyKey, digest: str) -> Response:
    if record.request_hash != digest:
        raise Conflict(
            f"{HEADER} {record.key!r} was already used with another request.",
            code="idempotency_key_reused",
            field=HEADER,
        )
    return Response(
        record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"}
    )


def idempotent(request, handler: Callable[[], Response]) -> Response:
    """Run ``handler`` once per (user, Idempotency-Key); without the header, just run it."""
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    key = key.strip()
    if not key or len(key) > 200 or "\x00" in key:
        raise InvalidInput(f"{HEADER} must be 1 to 200 characters.", field=HEADER)
    digest = _request_hash(request)
    existing = IdempotencyKey.objects.filter(user=request.user, key=key).first()
    if existing is not None:
        return _replay(existing, digest)
    try:
        with transaction.atomic():
            response = handler()
            IdempotencyKey.objects.create(
                user=request.user,
                key=key,
                method=request.method,
                path=request.path[:300],
                request_hash=digest,
                response_status=response.status_code,
                response_body=json.loads(JSONRenderer().render(response.data)),
            )
            return response
    except IntegrityError:
        existing = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if existing is None:
            raise
        return _replay(existing, digest)
