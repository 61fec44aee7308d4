"""Every decision rule at its edges: ties, exact fractions, zero ballots, quorum just met or missed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.core.errors import Rejection
from server.decisions import rules as r

YN, CONS, CHOICE = r.BallotKind.YES_NO, r.BallotKind.CONSENSUS, r.BallotKind.CHOICE
P, F, B, Q = r.Outcome.PASSED, r.Outcome.FAILED, r.Outcome.BLOCKED, r.Outcome.NO_QUORUM


def yn(yes: int, no: int, abstain: int = 0) -> tuple[dict[str, int], int]:
    return {"yes": yes, "no": no, "abstain": abstain}, yes + no + abstain


def cons(agree: int, aside: int = 0, block: int = 0) -> tuple[dict[str, int], int]:
    return {"agree": agree, "stand_aside": aside, "block": block}, agree + aside + block


CASES = [
    # rule, ballot, (counts, turnout), present, outcome, why
    ("majority", {}, YN, yn(6, 5), 11, P, "one more yes than no"),
    ("majority", {}, YN, yn(5, 5), 10, F, "a tie fails"),
    ("majority", {}, YN, yn(1, 0, 50), 51, P, "abstentions don't count"),
    ("majority", {}, YN, yn(0, 0, 3), 3, F, "only abstentions: 0 yes is not more than 0 no"),
    ("majority", {}, YN, yn(0, 0), 10, F, "zero ballots fail"),
    ("majority_plus_one", {}, YN, yn(6, 4), 10, P, "6 >= 10/2 + 1"),
    ("majority_plus_one", {}, YN, yn(5, 4, 1), 10, F, "5 < 10/2 + 1: abstentions count in the base"),
    ("majority_plus_one", {}, YN, yn(5, 4), 9, F, "5 < 9/2 + 1 = 5.5"),
    ("majority_plus_one", {}, YN, yn(6, 3), 9, P, "6 >= 5.5"),
    ("majority_plus_one", {}, YN, yn(1, 0), 1, F, "1 < 1/2 + 1 = 1.5"),
    ("fraction", {"fraction": "2/3"}, YN, yn(10, 5), 15, P, "exactly 2/3 passes"),
    ("fraction", {"fraction": "2/3"}, YN, yn(9, 5), 14, F, "9/14 is just under 2/3"),
    ("fraction", {"fraction": "2/3"}, YN, yn(2, 1, 7), 10, P, "2/3 of yes+no; abstentions don't count"),
    ("fraction", {"fraction": "3/4"}, YN, yn(3, 1), 4, P, "exactly 3/4"),
    ("fraction", {"fraction": "3/4"}, YN, yn(74, 26), 100, F, "74% < 75%"),
    ("fraction", {"fraction": "1/2"}, YN, yn(5, 5), 10, F, "a tie fails even at one half"),
    ("fraction", {"fraction": "1/1"}, YN, yn(4, 0, 2), 6, P, "all of yes+no"),
    ("fraction", {"fraction": "2/3"}, YN, yn(0, 0, 4), 4, F, "no yes or no: nothing to take 2/3 of"),
    ("consensus", {}, CONS, cons(9, 3, 0), 12, P, "stand-asides don't stop consensus"),
    ("consensus", {}, CONS, cons(40, 0, 1), 41, B, "one block stops it"),
    ("consensus", {}, CONS, cons(0, 4, 0), 4, F, "nobody agreed"),
    ("consensus", {"stand_aside_limit": 25}, CONS, cons(3, 1, 0), 4, P, "exactly 25% stand aside is allowed"),
    ("consensus", {"stand_aside_limit": 25}, CONS, cons(2, 1, 0), 3, F, "33% stand aside is too many"),
    ("modified_consensus", {}, CONS, cons(9, 5, 1), 15, P, "90% agree over blocks: 9 of 10"),
    ("modified_consensus", {}, CONS, cons(8, 0, 1), 9, B, "8 of 9 is under 90%"),
    ("modified_consensus", {}, CONS, cons(5, 5, 0), 10, P, "no block passes"),
    ("modified_consensus", {"threshold": 75}, CONS, cons(3, 0, 1), 4, P, "exactly 75%"),
    ("modified_consensus", {}, CONS, cons(0, 0, 2), 2, B, "only blocks"),
    ("unanimity", {}, YN, yn(7, 0), 7, P, "all yes"),
    ("unanimity", {}, YN, yn(7, 0, 1), 8, F, "one abstention fails unanimity"),
    ("unanimity", {}, CONS, cons(5, 1), 6, F, "one stand-aside fails unanimity"),
    ("unanimity", {}, CONS, cons(5, 0, 1), 6, B, "a block is a block"),
    ("majority", {"quorum_share": 50}, YN, yn(3, 1), 8, P, "4 of 8 present: 50% just met"),
    ("majority", {"quorum_share": 50}, YN, yn(3, 0), 7, Q, "50% of 7 rounds up to 4: just missed"),
    ("majority", {"quorum_count": 5}, YN, yn(2, 1, 2), 40, P, "abstentions count toward quorum"),
    ("majority", {"quorum_count": 5}, YN, yn(4, 0), 40, Q, "4 ballots, quorum 5"),
    ("majority", {"quorum_count": 1}, YN, yn(0, 0), 3, Q, "zero ballots with a quorum: no quorum"),
    ("consensus", {"quorum_share": 50}, CONS, cons(1, 0, 1), 10, Q, "no quorum before blocked"),
]


@pytest.mark.parametrize(("kind", "options", "ballot", "tally", "present", "outcome", "why"), CASES)
def test_rule_edges(
    kind: str,
    options: dict[str, object],
    ballot: r.BallotKind,
    tally: tuple[dict[str, int], int],
    present: int,
    outcome: r.Outcome,
    why: str,
) -> None:
    rule = r.make_rule(ballot, kind, **options)  # type: ignore[arg-type]
    counts, turnout = tally
    result = r.decide(rule, ballot, counts, turnout, present)
    assert result.outcome is outcome, f"{why}: {result.words}"
    assert result.words  # every outcome says why in words


CHOICE_CASES = [
    ("plurality", {"A": 5, "B": 3, "C": 3}, 11, P, "A"),
    ("plurality", {"A": 4, "B": 4, "C": 1}, 9, F, None),
    ("majority", {"A": 5, "B": 3, "C": 3}, 11, F, None),  # 5 of 11 is not more than half
    ("majority", {"A": 6, "B": 3, "C": 2}, 11, P, "A"),
    ("plurality", {"A": 0, "B": 0}, 0, F, None),
]


@pytest.mark.parametrize(("kind", "counts", "turnout", "outcome", "winner"), CHOICE_CASES)
def test_choice_ballots(
    kind: str, counts: dict[str, int], turnout: int, outcome: r.Outcome, winner: str | None
) -> None:
    result = r.decide(r.make_rule(CHOICE, kind), CHOICE, counts, turnout, turnout)
    assert (result.outcome, result.winner) == (outcome, winner)


@pytest.mark.parametrize(
    ("ballot", "kind", "options", "field"),
    [
        (YN, "consensus", {}, "rule"),  # consensus needs agree/stand aside/block ballots
        (CONS, "majority", {}, "rule"),
        (YN, "two_thirds", {}, "rule"),
        (YN, "fraction", {"fraction": "1/3"}, "fraction"),  # under one half
        (YN, "fraction", {"fraction": "4/3"}, "fraction"),
        (YN, "fraction", {"fraction": "x/y"}, "fraction"),
        (YN, "majority", {"fraction": "2/3"}, "fraction"),
        (CONS, "modified_consensus", {"threshold": 40}, "threshold"),
        (CONS, "consensus", {"threshold": 90}, "threshold"),
        (YN, "majority", {"quorum_share": 0}, "quorum_share"),
        (YN, "majority", {"quorum_share": 50, "quorum_count": 3}, "quorum_count"),
    ],
)
def test_bad_rules_are_refused(ballot: r.BallotKind, kind: str, options: dict[str, object], field: str) -> None:
    with pytest.raises(Rejection) as info:
        r.make_rule(ballot, kind, **options)  # type: ignore[arg-type]
    assert (info.value.code, info.value.field) == ("bad_rule", field)


@given(st.integers(0, 200), st.integers(0, 200), st.integers(0, 200), st.integers(1, 6), st.integers(1, 6))
def test_fraction_is_exact(yes: int, no: int, abstain: int, p: int, q: int) -> None:
    """The fraction rule agrees with exact rational arithmetic, ties always fail."""
    if 2 * p < q or p > q:
        return
    rule = r.make_rule(YN, "fraction", fraction=f"{p}/{q}")
    counts, turnout = yn(yes, no, abstain)
    passed = r.decide(rule, YN, counts, turnout, turnout).outcome is P
    from fractions import Fraction

    expected = yes + no > 0 and yes != no and Fraction(yes, yes + no) >= Fraction(p, q)
    assert passed == expected


def test_rule_round_trips_through_the_log() -> None:
    rule = r.make_rule(CONS, "consensus", stand_aside_limit=20, quorum_count=7)
    assert r.Rule.from_dict(rule.to_dict()) == rule
    assert "Quorum: 7" in rule.describe()
