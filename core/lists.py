"""The registry of list pages whose filters a user may save: each app registers its lists (a
key, a label and the query parameters that filter it) when it is ready, as apps register job
kinds; core names none of them. Saved filters (``entities``) store only these parameters."""

from dataclasses import dataclass


@dataclass(frozen=True)
class FilteredList:
    key: str
    label: str
    parameters: tuple[str, ...]  # the query parameters that filter the list, in form order


_LISTS: dict[str, FilteredList] = {}


def filtered_list_register(*, key: str, label: str, parameters: tuple[str, ...]) -> None:
    _LISTS[key] = FilteredList(key=key, label=label, parameters=tuple(parameters))


def filtered_lists() -> dict[str, FilteredList]:
    return dict(_LISTS)


def filtered_list_get(key: str) -> FilteredList | None:
    return _LISTS.get(key)
