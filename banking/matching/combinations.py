"""Which few open amounts add up to a payment: a bounded subset sum over whole units (amounts
scaled to integers), by meet in the middle so that forty debits and five items stay cheap.
Pure functions, no database."""

from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations

Combination = tuple[int, ...]  # indexes into the values, ascending


def _pairs(values: Sequence[int], target: int) -> dict[int, list[tuple[int, int]]]:
    sums: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i, j in combinations(range(len(values)), 2):
        total = values[i] + values[j]
        if total < target:
            sums[total].append((i, j))
    return sums


def combinations_summing(
    values: Sequence[int], target: int, *, min_items: int = 2, max_items: int = 5, limit: int = 2
) -> list[Combination]:
    """Up to ``limit`` distinct sets of ``min_items`` to ``max_items`` (at most 5) of the
    ``values`` (positive integers) that add up to ``target``, smallest sets first. Two found
    means the amount is ambiguous; the caller asks for two to tell a tie."""
    assert 1 <= min_items <= max_items <= 5
    usable = [i for i, v in enumerate(values) if 0 < v <= target]
    vals = [values[i] for i in usable]
    if not vals or sum(sorted(vals)[-max_items:]) < target:
        return []
    singles: dict[int, list[int]] = defaultdict(list)
    for i, v in enumerate(vals):
        singles[v].append(i)
    pairs = _pairs(vals, target) if max_items >= 3 else {}
    found: list[Combination] = []

    def add(indexes: Combination) -> bool:
        found.append(tuple(usable[i] for i in indexes))
        return len(found) >= limit

    for size in range(min_items, max_items + 1):
        for combo in _of_size(size, vals, target, singles, pairs):
            if add(combo):
                return found
    return found


def _of_size(size, vals, target, singles, pairs):
    """Every ascending index tuple of ``size`` values adding up to ``target``, each once."""
    n = len(vals)
    if size == 1:
        yield from ((i,) for i in singles.get(target, ()))
    elif size == 2:
        for i in range(n):
            yield from ((i, k) for k in singles.get(target - vals[i], ()) if k > i)
    elif size == 3:
        for i, j in (p for ps in pairs.values() for p in ps):
            yield from ((i, j, k) for k in singles.get(target - vals[i] - vals[j], ()) if k > j)
    elif size == 4:
        for i, j in (p for ps in pairs.values() for p in ps):
            rest = pairs.get(target - vals[i] - vals[j], ())
            yield from ((i, j, k, m) for k, m in rest if k > j)
    else:
        for i, j, k in combinations(range(n), 3):
            first = vals[i] + vals[j] + vals[k]
            if first >= target:
                continue
            yield from ((i, j, k, m, o) for m, o in pairs.get(target - first, ()) if m > k)
