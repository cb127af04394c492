"""OpenAPI schema additions: every operation documents the error body it may answer with."""

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: a code, a message, and the messages per field.",
    "properties": {
        "code": {"type": "string", "example": "invalid"},
        "message": {"type": "string", "example": "legal_entity: Unknown legal entity."},
        "fields": {
            "type": "object",
            "additionalProperties": True,
            "example": {"legal_entity": ["Unknown legal entity."]},
        },
        "details": {"type": "object", "additionalProperties": True},
    },
    "required": ["code", "message", "fields"],
}

ERRORS = {
    "400": "Bad input: the fields and their problems",
    "401": "Not authenticated",
    "403": "Not allowed (e.g. a legal entity not granted to the user)",
    "404": "Not found",
    "405": "Method not allowed",
    "406": "Not acceptable: the API answers in JSON",
    "409": "Conflict with data changed meanwhile, or an operation already done",
    "415": "Unsupported media type: send JSON (or a form)",
    "429": "Too many requests: wait the seconds the Retry-After header gives",
}


def add_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, description in ERRORS.items():
                if method == "get" and status in ("409", "415"):
                    continue
                operation["responses"].setdefault(
                    status,
                    {"description": description, "content": {"application/json": {"schema": ref}}},
                )
    return result
