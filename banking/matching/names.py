"""The search of party names for rules 3 and 4: the names that score at least a cutoff (90)
against a line's name by ``fuzz.token_set_ratio``, best first (the lowest index first among
equal scores), at most a limit (10): exactly what rapidfuzz's ``process.extract`` finds
scoring every name, found by scoring only the few names that can reach the cutoff. Names and
queries are processed (``rapidfuzz.utils.default_process``). Pure, no database.

How ``token_set_ratio`` scores a query (token set A) against a name (token set B), with
I = A ∩ B, DA = A − I, DB = B − I, and |X| the length of X's tokens sorted and joined by
spaces: 100 when I is not empty and DA or DB is; otherwise the best of

- r1 = 100 − 100 · d / (|A| + |B|), d the Indel distance (insertions and deletions) between
  DA and DB joined;
- r2 = 100 − 100 · (1 + |DA|) / (2 |I| + 1 + |DA|) and r3 the same with DB, when I is not
  empty.

So a name reaching 90 is one of these, each found without scoring every name:

- A ⊆ B: the names holding every token of A (looked for in the shortest list of the names
  holding one of them; names are listed per token, by length);
- B ⊆ A: for each subset I of A, the names holding I no longer than I;
- r2 ≥ 90, i.e. 9 + 9 |DA| ≤ 2 |I|: depends on I alone; the names holding a subset I of A
  that satisfies it;
- r3 ≥ 90, i.e. 9 + 9 |DB| ≤ 2 |I|, so |B| ≤ |I| + 1 + (2 |I| − 9) // 9: the names that short
  holding I;
- r1 ≥ 90, i.e. 10 d ≤ |A| + |B|: d ≥ | |A| − |B| |, so 9 |A| / 11 ≤ |B| ≤ 11 |A| / 9; and d
  is at least the number of letters that do not pair up between the multisets of A's and B's
  letters (I's letters pair up on both sides), which is the Indel distance between the
  letters of each, sorted: so that distance is at most (|A| + |B|) / 10. One pass of
  rapidfuzz's Indel distance over the sorted letters of the names of those lengths finds them.

(Each condition is the score's comparison with 90 in whole numbers: 100 − 100 · d / n ≥ 90 is
10 d ≤ n.) All the names found are scored by ``token_set_ratio`` itself, those of the letters'
pass closest first: a name k letters away scores at most 100 − 100 · k / (|A| + 11 |A| / 9),
so once the limit's worth of names scored outscore that, the names further away cannot be
among them; and the names further away that are still scored are scored with the least of
those scores as the cutoff (rapidfuzz gives up early on a name below it). The pass keeps the
``CLOSEST`` names only, and is done again keeping all when the search goes further. A query of
many tokens, or one whose tokens are in very many names (the lists would be long), is scored
against every name, as ``process.extract`` does."""

import heapq
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import combinations

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

MAX_QUERY_TOKENS = 8  # more: every name is scored
MAX_LISTED = 2_000  # names to take from one token's list; more: every name is scored
CLOSEST = 1_024  # names the first pass over the letters keeps, the closest
# Below the least of the best scores so far, by less than any two different scores differ (a
# score is 100 times a ratio of lengths under a few hundred): equal scores computed another way
# are not cut off by the rounding of a float.
_SCORE_MARGIN = 1e-6


class NameIndex:
    """Names (processed) indexed for ``search``; ``search`` gives (index, score) pairs."""

    def __init__(self, names: Sequence[str]) -> None:
        self._names = list(names)
        lengths: list[int] = []
        token_sets: list[frozenset[str]] = []
        listed: dict[str, list[int]] = {}
        alike: dict[tuple[int, str], list[int]] = {}
        for index, name in enumerate(self._names):
            tokens = frozenset(name.split())
            token_sets.append(tokens)
            length = _joined_length(tokens)
            lengths.append(length)
            alike.setdefault((length, "".join(sorted("".join(tokens)))), []).append(index)
            for token in tokens:
                listed.setdefault(token, []).append(index)
        self._lengths = lengths
        self._token_sets = token_sets
        # Per token, its names (by index; by length, then index, once a search asks for the
        # token: ``_listed_by_length``).
        self._listed = listed
        self._listed_lengths: dict[str, list[int]] = {}
        # The names by length and sorted letters (names alike in both are one entry), for the
        # pass over the letters.
        keys = sorted(alike)
        self._alike = [alike[key] for key in keys]
        self._sorted_lengths = [length for length, _ in keys]
        self._sorted_letters = [letters for _, letters in keys]

    def __len__(self) -> int:
        return len(self._names)

    def search(self, query: str, *, cutoff: float, limit: int) -> list[tuple[int, float]]:
        """(index, score) of the names scoring at least ``cutoff`` (≥ 90: the bounds of the
        module's docstring hold from 90) against ``query``, best first, then by index; at most
        ``limit``."""
        assert cutoff >= 90
        tokens = frozenset(query.split())
        if not tokens:
            return []  # token_set_ratio gives 0
        found = self._found_by_tokens(tokens) if len(tokens) <= MAX_QUERY_TOKENS else None
        if found is None:
            return self._scored_all(query, cutoff, limit)
        length = _joined_length(tokens)
        longest = 11 * length // 9  # the longest name that may reach 90 by r1
        widest = (length + longest) // 10  # the most letters it may differ by
        letters = "".join(sorted("".join(tokens)))
        close, complete = self._close_letters(letters, length, widest, CLOSEST)
        # Names found and not scored yet: scored together, when the bound below may need their
        # scores, or at the end (one call to rapidfuzz rather than one per distance).
        pending, scored = list(found), []
        floor = cutoff  # the least score that may still be among the best ``limit``
        distance = 0
        while distance <= widest:
            if distance > complete:
                close, complete = self._close_letters(letters, length, widest, None)
            names = [i for i in close[distance] if i not in found]
            found.update(names)
            pending += names
            if distance < widest and len(scored) + len(pending) >= limit:
                scored += self._scored(query, pending, floor, limit)
                pending = []
                if len(scored) >= limit:
                    last = -heapq.nsmallest(limit, scored)[-1][0]
                    # The names left out differ by more letters: none scores above this.
                    bound = 100 - 100 * (distance + 1) / (length + longest)
                    if last > bound + 1e-9:
                        break
                    # A name scoring below the last of the best so far never gets in (one
                    # scoring as much may, by its index): rapidfuzz stops early below a cutoff.
                    floor = max(floor, last - _SCORE_MARGIN)
            distance += 1
        scored += self._scored(query, pending, floor, limit)
        return [(index, -score) for score, index in heapq.nsmallest(limit, scored)]

    def _found_by_tokens(self, tokens: frozenset[str]) -> set[int] | None:
        """The names that may reach 90 by sharing tokens with the query (every route of the
        module's docstring but r1); None when a list would be too long."""
        found: set[int] = set()
        sizes = {token: len(token) for token in tokens}
        whole = _joined_length(tokens)
        for count in range(1, len(tokens) + 1):
            for subset in combinations(sorted(tokens), count):
                shared = frozenset(subset)
                common = sum(sizes[t] for t in shared) + len(shared) - 1  # |I|
                if count == len(tokens) or 9 + 9 * (whole - common - 1) <= 2 * common:
                    longest = None  # A ⊆ B, or r2
                elif common >= 9:
                    longest = common + 1 + (2 * common - 9) // 9  # r3 (B = I among them)
                else:
                    longest = common  # B ⊆ A: B is I
                holding = self._holding(shared, longest)
                if holding is None:
                    return None
                found.update(holding)
        return found

    def _holding(self, shared: frozenset[str], longest: int | None) -> list[int] | None:
        """The names holding every token of ``shared`` (no longer than ``longest``); None
        when the shortest list to look through is too long."""
        shortest: list[int] | None = None
        for token in shared:
            names = self._listed_by_length(token)
            if names is None:
                return []
            if longest is not None:
                names = names[: bisect_right(self._listed_lengths[token], longest)]
            if shortest is None or len(names) < len(shortest):
                shortest = names
        assert shortest is not None
        if len(shortest) > MAX_LISTED:
            return None
        token_sets = self._token_sets
        return [i for i in shortest if shared <= token_sets[i]]

    def _listed_by_length(self, token: str) -> list[int] | None:
        """The names holding ``token``, by length (then index), their lengths kept for
        bisecting; sorted the first time a search asks (most tokens are asked for never)."""
        names = self._listed.get(token)
        if names is None or token in self._listed_lengths:
            return names
        lengths = self._lengths
        names.sort(key=lengths.__getitem__)
        self._listed_lengths[token] = [lengths[i] for i in names]
        return names

    def _close_letters(
        self, letters: str, length: int, widest: int, closest: int | None
    ) -> tuple[list[list[int]], int]:
        """The names of a length that may reach 90 by r1 whose sorted letters are within
        ``widest`` insertions and deletions of ``letters``, by that distance (0 to
        ``widest``), in one pass; only the ``closest`` entries (all for None). And the distance
        up to which they are all there."""
        lo = bisect_right(self._sorted_lengths, (9 * length - 1) // 11)  # 11 |B| < 9 |A|
        hi = bisect_right(self._sorted_lengths, 11 * length // 9)
        close = process.extract(
            letters,
            self._sorted_letters[lo:hi],
            scorer=Indel.distance,
            processor=None,
            score_cutoff=widest,
            limit=closest,
        )
        by_distance: list[list[int]] = [[] for _ in range(widest + 1)]
        alike = self._alike
        for _, distance, position in close:
            by_distance[distance] += alike[lo + position]
        if closest is None or len(close) < closest:
            return by_distance, widest
        return by_distance, close[-1][1] - 1  # others as far as the last may be left out

    def _scored(
        self, query: str, indexes: Iterable[int], cutoff: float, limit: int
    ) -> list[tuple[float, int]]:
        """(−score, index) of the best ``limit`` names of ``indexes`` scoring at least
        ``cutoff``, best first, then by index (``process.extract`` orders equal scores by
        position: the names go in by index)."""
        indexes = sorted(indexes)
        if not indexes:
            return []
        names = self._names
        scored = process.extract(
            query,
            [names[index] for index in indexes],
            scorer=fuzz.token_set_ratio,
            processor=None,
            score_cutoff=cutoff,
            limit=limit,
        )
        return [(-score, indexes[position]) for _, score, position in scored]

    def _scored_all(self, query: str, cutoff: float, limit: int) -> list[tuple[int, float]]:
        scored = process.extract(
            query,
            self._names,
            scorer=fuzz.token_set_ratio,
            processor=None,
            score_cutoff=cutoff,
            limit=limit,
        )
        return [(index, -score) for score, index in sorted((-s, i) for _, s, i in scored)]


def _joined_length(tokens) -> int:
    """The length of the tokens joined by spaces."""
    return len(" ".join(tokens))
