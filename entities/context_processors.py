"""Template context shared by every page: the legal entities the user may act in and the one
currently chosen in the entity switcher."""

from .selectors import legal_entities_for_user

SESSION_KEY = "current_legal_entity"


def current_legal_entity(request):
    """The entity chosen in the switcher, if the user may still act in it, else the first one."""
    if not request.user.is_authenticated:
        return None
    cached = getattr(request, "_current_legal_entity", False)
    if cached is not False:
        return cached
    entities = list(legal_entities_for_user(request.user))
    code = request.session.get(SESSION_KEY)
    chosen = next((e for e in entities if e.code == code), entities[0] if entities else None)
    request._current_legal_entity = chosen
    request._granted_legal_entities = entities
    return chosen


def legal_entities(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    current = current_legal_entity(request)
    return {
        "current_legal_entity": current,
        "granted_legal_entities": request._granted_legal_entities,
    }
