"""Which few open amounts add up to a payment: a bounded subset sum over whole units (amounts
scaled to integers), by meet in the middle so that forty debits and five items stay cheap.
Pure functions, no database."""

from bisect import bisect_left
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
    # Ascending values let the deepest loop stop early (see ``_of_size``).
    usable = sorted((i for i, v in enumerate(values) if 0 < v <= target), key=lambda i: values[i])
    vals = [values[i] for i in usable]
    if not vals or sum(vals[-max_items:]) < target:
        return []
    singles: dict[int, list[int]] = defaultdict(list)
    for i, v in enumerate(vals):
        singles[v].append(i)
    pairs = _pairs(vals, target) if max_items >= 3 else {}
    found: list[Combination] = []
    for size in range(min_items, max_items + 1):
        for combo in _of_size(size, vals, target, singles, pairs):
            found.append(tuple(sorted(usable[i] for i in combo)))
            if len(found) >= limit:
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
        yield from _of_five(vals, target, pairs)


def _of_five(vals, target, pairs):
    """Three ascending values and a pair after them; the values ascend, so each loop stops as
    soon as the smallest sum it could still make passes the target, and the third value starts
    where the largest sum it could make reaches it."""
    n = len(vals)
    if n < 5:
        return
    top = vals[-1] + vals[-2]
    for i in range(n - 4):
        if sum(vals[i : i + 5]) > target:
            break
        for j in range(i + 1, n - 3):
            two = vals[i] + vals[j]
            if two + sum(vals[j + 1 : j + 4]) > target:
                break
            start = max(j + 1, bisect_left(vals, target - two - top, lo=j + 1, hi=n - 2))
            for k in range(start, n - 2):
                first = two + vals[k]
                if first + vals[k + 1] + vals[k + 2] > target:
                    break
                yield from ((i, j, k, m, o) for m, o in pairs.get(target - first, ()) if m > k)
