"""The search of party names finds exactly what scoring every name finds (rapidfuzz's
``process.extract`` with ``token_set_ratio``, cutoff 90, ten kept), whatever the names."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process, utils

from banking.matching import names as names_module
from banking.matching.names import NameIndex

# Few, short, overlapping tokens: names share tokens, hold each other's tokens, and differ by
# a letter or two, as the routes to a score of 90 need.
TOKENS = ["ab", "abc", "abd", "b", "ba", "bca", "c", "ca", "abcd", "dcba", "x", "1", "12", "123"]
TOKENS += ["1234", "21", "north", "northwind", "nortwind", "traders", "trader", "gmbh", "é"]


def every_name_scored(query, names, limit=10):
    found = process.extract(
        query, names, scorer=fuzz.token_set_ratio, processor=None, score_cutoff=90, limit=limit
    )
    return [(index, score) for _, score, index in found]


name = st.lists(st.sampled_from(TOKENS), max_size=6).map(
    lambda t: utils.default_process(" ".join(t))
)


@st.composite
def names_and_query(draw):
    names = draw(st.lists(name, max_size=40))
    if names and draw(st.booleans()):
        tokens = draw(st.sampled_from(names)).split()
        if tokens and draw(st.booleans()):
            tokens[draw(st.integers(0, len(tokens) - 1))] = draw(st.sampled_from(TOKENS))
        tokens += draw(st.lists(st.sampled_from(TOKENS), max_size=2))
        query = utils.default_process(" ".join(tokens))
    else:
        query = draw(name)
    return names, query


@pytest.mark.parametrize("listed, closest", [(2_000, 1_024), (3, 2)])
@settings(max_examples=400, deadline=None)
@given(case=names_and_query())
def test_name_index_search_finds_what_scoring_every_name_finds(listed, closest, case):
    """Also with short limits on the lists and on the first pass over the letters, which
    send long queries to every name and ask for the second pass."""
    names, query = case
    index = NameIndex(names)
    original = names_module.MAX_LISTED, names_module.CLOSEST
    names_module.MAX_LISTED, names_module.CLOSEST = listed, closest
    try:
        assert index.search(query, cutoff=90, limit=10) == every_name_scored(query, names)
    finally:
        names_module.MAX_LISTED, names_module.CLOSEST = original


NUMBERED = [utils.default_process(f"Generated party {n}") for n in range(1, 3001)]


@pytest.mark.parametrize(
    "query",
    [
        "GENERATED PARTY 1234",  # its own name, then names a digit or two away
        "generated party 7",  # r2: every name holding "generated party" reaches 93.75
        "generated party 45",
        "generated party",  # held by every name: every name is scored
        "party 2999",
        "generated partys 1234",
        "Unknown payer 7-123",
        "2 1",
    ],
)
def test_name_index_search_among_names_alike(query):
    """Thousands of names scoring 90 or more against one another: the ten best and their
    order (ties by position) as scoring every name gives them."""
    processed = utils.default_process(query)
    found = NameIndex(NUMBERED).search(processed, cutoff=90, limit=10)
    assert found == every_name_scored(processed, NUMBERED)


def test_name_index_search_of_an_empty_name_finds_none():
    assert NameIndex(["", "a"]).search("", cutoff=90, limit=10) == []


@pytest.mark.parametrize(
    "query, name",
    [
        ("dancecebe nencbcabo", "dbanceceobe nencobccabo"),  # 90.48, four letters apart
        ("eeeccadde", "eeeeccaddne"),  # 90.0, two letters apart
    ],
)
def test_name_index_search_finds_a_name_as_many_letters_apart_as_90_allows(query, name):
    """No token shared, the letters as far apart as a score of 90 allows."""
    names = ["abc", name, "eeeccadd", "x y"]
    assert fuzz.token_set_ratio(query, name) >= 90
    assert NameIndex(names).search(query, cutoff=90, limit=10) == every_name_scored(query, names)


SHUFFLED = NUMBERED[1500:] + NUMBERED[:1500][::-1]  # equal scores come in another order


@pytest.mark.parametrize("together", [1, 3, 64])
@settings(max_examples=60, deadline=None)
@given(number=st.integers(1, 3200), shuffled=st.booleans())
def test_name_index_search_stops_at_the_bound_of_the_next_name(together, number, shuffled):
    """Names alike scored a few at a time, the search stopping once the next name's bound
    (its letters apart, its length) cannot beat the tenth best, or only ties it and comes
    after it: what scoring every name finds, whatever the order of the names."""
    names = SHUFFLED if shuffled else NUMBERED
    query = utils.default_process(f"Generated party {number}")
    original = names_module.SCORED_TOGETHER
    names_module.SCORED_TOGETHER = together
    try:
        assert NameIndex(names).search(query, cutoff=90, limit=10) == every_name_scored(
            query, names
        )
    finally:
        names_module.SCORED_TOGETHER = original


def test_name_index_search_scores_few_of_the_names_alike(monkeypatch):
    """Of the 3,000 names alike, the hundreds within two letters of "generated party 1234"
    could all reach 90: the names are scored by their bound and the search stops once the ten
    best are sure, scoring a fraction of them."""
    index = NameIndex(NUMBERED)
    scored = []
    score = NameIndex._scored

    def counted(self, query, indexes, cutoff, limit):
        indexes = list(indexes)
        scored.extend(indexes)
        return score(self, query, indexes, cutoff, limit)

    monkeypatch.setattr(NameIndex, "_scored", counted)
    query = utils.default_process("Generated party 1234")
    assert index.search(query, cutoff=90, limit=10) == every_name_scored(query, NUMBERED)
    close = sum(1 for name in NUMBERED if fuzz.token_set_ratio(query, name, processor=None) >= 90)
    assert close > 1_000
    assert len(scored) == len(set(scored)), "no name scored twice"
    # 199 here; 423 when the names were scored a whole distance in letters at a time.
    assert len(scored) < 250
