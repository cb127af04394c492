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
10 d ≤ n.) All the names found are scored by ``token_set_ratio`` itself: first those the
tokens found, then those of the letters' pass by their bound, best first, then by index. A name
k letters away, of length |B|, scores at most 100 − 100 · d / (|A| + |B|) when it reaches 90 (by
r1), d being k, at least 1 and of the parity of |A| + |B| (see ``_scored_by_bound``), so once
the limit's worth of names scored outscore the bound of the next, or score as much and come
before it by index (equal scores are ordered by index), no name left can be among them. Names
are scored a few at a time, with the least of the best scores so far as the cutoff (rapidfuzz
gives up early on a name below it). The pass keeps the ``CLOSEST`` entries only, and is done
again keeping all when the search reaches a bound the names it left out may have. A query of
many tokens, or one whose tokens are in very many names (the lists would be long), is scored
against every name, as ``process.extract`` does."""

import heapq
import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import chain, combinations

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

MAX_QUERY_TOKENS = 8  # more: every name is scored
MAX_LISTED = 2_000  # names to take from one token's list; more: every name is scored
CLOSEST = 128  # entries the first pass over the letters keeps, the closest
SCORED_TOGETHER = 64  # names of one bound scored in one call, between looks at the best
# Below the least of the best scores so far, by less than any two different scores differ (a
# score is 100 times a ratio of lengths under a few hundred): equal scores computed another way
# are not cut off by the rounding of a float.
_SCORE_MARGIN = 1e-6


class NameIndex:
    """Names (processed) indexed for ``search``; ``search`` gives (index, score) pairs."""

    def __init__(self, names: Sequence[str]) -> None:
        self._names = list(names)
        lengths: list[int] = []
        token_sets = [frozenset(name.split()) for name in self._names]
        listed: defaultdict[str, list[int]] = defaultdict(list)
        alike: defaultdict[tuple[int, str], list[int]] = defaultdict(list)
        for index, tokens in enumerate(token_sets):
            letters = "".join(tokens)
            length = len(letters) + len(tokens) - 1 if tokens else 0  # ``_joined_length``
            lengths.append(length)
            alike[length, "".join(sorted(letters))].append(index)
            for token in tokens:
                listed[token].append(index)
        self._lengths = lengths
        self._token_sets = token_sets
        # Per token, its names (by index; by length, then index, once a search asks for the
        # token: ``_listed_by_length``).
        self._listed = dict(listed)
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
        best = _Best(limit, cutoff)
        best.add(self._scored(query, sorted(found), cutoff, limit))
        length = _joined_length(tokens)
        longest = 11 * length // 9  # the longest name that may reach 90 by r1
        widest = (length + longest) // 10  # the most letters it may differ by
        letters = "".join(sorted("".join(tokens)))
        closest: int | None = CLOSEST
        while True:
            close, complete = self._close_letters(letters, length, widest, closest)
            # The names the pass left out differ by more letters than ``complete``: none of them
            # comes before this (see ``_scored_by_bound``).
            reach = (complete + 1) / (length + longest) if complete < widest else math.inf
            if self._scored_by_bound(query, close, length, found, best, reach):
                break
            closest = None  # all the names of the letters' pass, the scored ones left out
        return [(index, -score) for score, index in best.ranked()]

    def _scored_by_bound(
        self,
        query: str,
        close: list[tuple[int, int]],
        length: int,
        scored: set[int],
        best: "_Best",
        reach: float,
    ) -> bool:
        """Score the names of ``close`` ((entry, letters apart), see ``_close_letters``) not
        in ``scored`` into ``best``, most promising first, until none of the others can be
        among the best: True then, or when all are scored; False when the next would be one
        whose bound is ``reach`` or beyond (the pass left out others as promising).

        A name k letters away from the query's (its length n) scores at most
        100 − 100 · d / (|A| + n) when it reaches 90 (by r1: it is not among the names the
        tokens found), d being k, or 1 when k is 0, or one more when that has not the parity
        of |A| + n. The names are scored by that bound, best first, then by index, a few at a
        time: once the best ``limit`` so far outscore the bound of the next name, or score as
        much and come before it by index, no name left can be among them."""
        alike, lengths = self._alike, self._sorted_lengths
        by_bound: dict[float, list[int]] = defaultdict(list)
        for entry, apart in close:
            both = length + lengths[entry]
            # r1's distance d is at least the letters apart; at least 1, as DA and DB differ (a
            # name the tokens did not find holds a token the query lacks, and lacks one of the
            # query's); and d = |DA| + |DB| − 2 LCS has the parity of |A| + |B|.
            least = max(apart, 1)
            least += (both - least) % 2
            # Equal ratios divide to the same float: the entries of one bound are one group.
            by_bound[least / both].append(entry)
        for key in sorted(by_bound):
            if key >= reach:
                return False
            bound = 100 - 100 * key
            names = sorted(chain.from_iterable(alike[entry] for entry in by_bound[key]))
            for start in range(0, len(names), SCORED_TOGETHER):
                if not best.may_take(bound, names[start]):
                    return True  # nor any name of a lower bound
                part = [i for i in names[start : start + SCORED_TOGETHER] if i not in scored]
                scored.update(part)
                best.add(self._scored(query, part, best.floor(), best.limit))
        return True

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
    ) -> tuple[list[tuple[int, int]], int]:
        """(entry, letters apart) of the entries (names alike in length and sorted letters) of
        a length that may reach 90 by r1 whose sorted letters are within ``widest`` insertions
        and deletions of ``letters``, in one pass; only the ``closest`` entries (all for
        ``None``). And the distance up to which they are all there."""
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
        entries = [(lo + position, distance) for _, distance, position in close]
        if closest is None or len(close) < closest:
            return entries, widest
        return entries, close[-1][1] - 1  # others as far as the last may be left out

    def _scored(
        self, query: str, indexes: Sequence[int], cutoff: float, limit: int
    ) -> list[tuple[float, int]]:
        """(−score, index) of the best ``limit`` names of ``indexes`` (ascending) scoring at
        least ``cutoff``, best first, then by index (``process.extract`` orders equal scores by
        position: the names go in by index)."""
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


class _Best:
    """The best ``limit`` (−score, index) pairs so far, at least ``cutoff``: the least score
    first by ``heapq``'s order (best first, then by index)."""

    def __init__(self, limit: int, cutoff: float) -> None:
        self.limit = limit
        self._cutoff = cutoff
        self._kept: list[tuple[float, int]] = []

    def add(self, scored: Iterable[tuple[float, int]]) -> None:
        self._kept = heapq.nsmallest(self.limit, [*self._kept, *scored])

    def ranked(self) -> list[tuple[float, int]]:
        return self._kept

    def floor(self) -> float:
        """rapidfuzz's cutoff for the names still to score: below the last of the best, once
        there are ``limit`` of them (one scoring as much may still come in by its index)."""
        if len(self._kept) < self.limit:
            return self._cutoff
        return max(self._cutoff, -self._kept[-1][0] - _SCORE_MARGIN)

    def may_take(self, bound: float, index: int) -> bool:
        """Whether a name scoring at most ``bound``, of ``index``, may be among the best."""
        if bound < self._cutoff - _SCORE_MARGIN:
            return False
        if len(self._kept) < self.limit:
            return True
        last, last_index = -self._kept[-1][0], self._kept[-1][1]
        if bound < last - _SCORE_MARGIN:
            return False
        if bound <= last + _SCORE_MARGIN:
            return index < last_index  # at most as much: only an earlier name comes in
        return True


def _joined_length(tokens) -> int:
    """The length of the tokens joined by spaces."""
    return len(" ".join(tokens))
