"""Decision rules: from a tally to an outcome, exactly and in words (pure).

How each rule counts (docs/protocol.md repeats this for people):

- **Ballots cast** are every ballot, including *abstain* and *stand aside*.  The
  quorum is checked against ballots cast: abstaining is taking part.
- **simple majority** (``majority``): more *yes* than *no*; abstentions don't count.
- **majority plus one** (``majority_plus_one``, "absolute"): *yes* ≥ half of the
  ballots cast + 1 (abstentions count in the base, so they work like *no*).
- **supermajority** (``fraction``, with 2/3, 3/4 or any p/q): *yes* ≥ p/q of *yes + no*;
  exactly 2/3 passes; abstentions don't count.
- **modified consensus**: passes if nobody blocks (and someone agrees); with blocks,
  passes only if *agree* ≥ the threshold (90% by default) of *agree + block*.
  Stand-asides are recorded but not in that base.
- **consensus**: any block stops it (**Blocked**); otherwise passes if someone agrees;
  optionally it fails when stand-asides are more than a set share of ballots cast.
- **unanimity**: every ballot cast is *yes*/*agree* (one abstention or stand-aside fails it).
- **plurality** (choice ballots): the option chosen most wins.  **majority** on a
  choice ballot: an option needs more than half of the ballots cast.

Always: **ties fail**, zero ballots fail, and a quorum that isn't met gives
**No quorum** whatever the counts.  Arithmetic is on integers, never floats.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from server.core.errors import Rejection


class BallotKind(StrEnum):
    YES_NO = "yes_no"
    CONSENSUS = "consensus"
    CHOICE = "choice"


CHOICES = {
    BallotKind.YES_NO: ("yes", "no", "abstain"),
    BallotKind.CONSENSUS: ("agree", "stand_aside", "block"),
}
CHOICE_LABELS = {
    "yes": "Yes",
    "no": "No",
    "abstain": "Abstain",
    "agree": "Agree",
    "stand_aside": "Stand aside",
    "block": "Block",
}


class RuleKind(StrEnum):
    MAJORITY = "majority"
    MAJORITY_PLUS_ONE = "majority_plus_one"
    FRACTION = "fraction"
    MODIFIED_CONSENSUS = "modified_consensus"
    CONSENSUS = "consensus"
    UNANIMITY = "unanimity"
    PLURALITY = "plurality"


# Which rules make sense with which ballot.
RULES_FOR = {
    BallotKind.YES_NO: {RuleKind.MAJORITY, RuleKind.MAJORITY_PLUS_ONE, RuleKind.FRACTION, RuleKind.UNANIMITY},
    BallotKind.CONSENSUS: {RuleKind.MODIFIED_CONSENSUS, RuleKind.CONSENSUS, RuleKind.UNANIMITY},
    BallotKind.CHOICE: {RuleKind.PLURALITY, RuleKind.MAJORITY},
}


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    BLOCKED = "blocked"
    NO_QUORUM = "no_quorum"


OUTCOME_WORDS = {
    Outcome.PASSED: "Passed",
    Outcome.FAILED: "Failed",
    Outcome.BLOCKED: "Blocked",
    Outcome.NO_QUORUM: "No quorum",
}


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    numerator: int = 2  # fraction rules: yes >= numerator/denominator of yes+no
    denominator: int = 3
    threshold: int = 90  # modified consensus: agree share (percent) that overrides blocks
    stand_aside_limit: int | None = None  # consensus: fail above this share (percent) of ballots cast
    quorum_share: int | None = None  # percent of those present who must cast a ballot
    quorum_count: int | None = None  # or a number of ballots

    def describe(self) -> str:
        """The rule in words, for the screen and the minutes."""
        match self.kind:
            case RuleKind.MAJORITY:
                words = "Simple majority: more yes than no; abstentions don't count"
            case RuleKind.MAJORITY_PLUS_ONE:
                words = "Majority plus one: yes must reach half the ballots cast plus one"
            case RuleKind.FRACTION:
                words = f"{self.numerator}/{self.denominator} majority of yes and no; abstentions don't count"
            case RuleKind.MODIFIED_CONSENSUS:
                words = f"Modified consensus: passes without blocks, or with {self.threshold}% agree over blocks"
            case RuleKind.CONSENSUS:
                words = "Consensus: any block stops it"
                if self.stand_aside_limit is not None:
                    words += f"; fails if over {self.stand_aside_limit}% stand aside"
            case RuleKind.UNANIMITY:
                words = "Unanimity: every ballot must agree"
            case RuleKind.PLURALITY:
                words = "The option chosen most wins; a tie fails"
        if self.quorum_count is not None:
            words += f". Quorum: {self.quorum_count} ballots"
        elif self.quorum_share is not None:
            words += f". Quorum: {self.quorum_share}% of those present"
        return words

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "threshold": self.threshold,
            "stand_aside_limit": self.stand_aside_limit,
            "quorum_share": self.quorum_share,
            "quorum_count": self.quorum_count,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Rule:
        return cls(
            kind=RuleKind(str(data["kind"])),
            numerator=int(data.get("numerator", 2)),  # type: ignore[call-overload]
            denominator=int(data.get("denominator", 3)),  # type: ignore[call-overload]
            threshold=int(data.get("threshold", 90)),  # type: ignore[call-overload]
            stand_aside_limit=_opt_int(data.get("stand_aside_limit")),
            quorum_share=_opt_int(data.get("quorum_share")),
            quorum_count=_opt_int(data.get("quorum_count")),
        )


def _opt_int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def make_rule(
    ballot: BallotKind,
    kind: str,
    *,
    fraction: str | None = None,
    threshold: int | None = None,
    stand_aside_limit: int | None = None,
    quorum_share: int | None = None,
    quorum_count: int | None = None,
) -> Rule:
    """Check a rule the facilitator chose for a ballot kind; raise ``bad_rule`` if it doesn't fit."""
    try:
        rule_kind = RuleKind(kind)
    except ValueError:
        names = ", ".join(r.value for r in RuleKind)
        raise Rejection("bad_rule", f"The rule must be one of: {names}.", "rule") from None
    if rule_kind not in RULES_FOR[ballot]:
        allowed = ", ".join(sorted(r.value for r in RULES_FOR[ballot]))
        raise Rejection("bad_rule", f"A {ballot.value} ballot is decided by: {allowed}.", "rule")
    numerator, denominator = 2, 3
    if rule_kind is RuleKind.FRACTION:
        numerator, denominator = parse_fraction(fraction or "2/3")
    elif fraction is not None:
        raise Rejection("bad_rule", "Only the fraction rule takes a fraction.", "fraction")
    if threshold is not None and not (rule_kind is RuleKind.MODIFIED_CONSENSUS and 51 <= threshold <= 100):
        raise Rejection("bad_rule", "A threshold is for modified consensus, from 51 to 100 (%).", "threshold")
    if stand_aside_limit is not None and not (rule_kind is RuleKind.CONSENSUS and 0 <= stand_aside_limit <= 100):
        raise Rejection("bad_rule", "A stand-aside limit is for consensus, from 0 to 100 (%).", "stand_aside_limit")
    if quorum_share is not None and quorum_count is not None:
        raise Rejection("bad_rule", "Give the quorum as a share or as a number, not both.", "quorum_count")
    if quorum_share is not None and not 1 <= quorum_share <= 100:
        raise Rejection("bad_rule", "A quorum share is 1 to 100 (%) of those present.", "quorum_share")
    if quorum_count is not None and not 1 <= quorum_count <= 100_000:
        raise Rejection("bad_rule", "A quorum is at least 1 ballot.", "quorum_count")
    return Rule(
        kind=rule_kind,
        numerator=numerator,
        denominator=denominator,
        threshold=90 if threshold is None else threshold,
        stand_aside_limit=stand_aside_limit,
        quorum_share=quorum_share,
        quorum_count=quorum_count,
    )


def parse_fraction(text: str) -> tuple[int, int]:
    """``"2/3"`` → (2, 3).  A fraction must be over one half (or one half) and at most one."""
    parts = text.split("/")
    try:
        numerator, denominator = (int(p) for p in parts)
    except ValueError:
        raise Rejection("bad_rule", "Write the fraction as p/q, like 2/3.", "fraction") from None
    if not (1 <= numerator <= denominator <= 1000) or 2 * numerator < denominator:
        raise Rejection("bad_rule", "The fraction must be from 1/2 to 1, like 2/3 or 3/4.", "fraction")
    return numerator, denominator


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    words: str  # why, in words ("2/3 needed: 10 of 15 yes and no is exactly 2/3")
    winner: str | None = None  # choice ballots: the winning option
    turnout: int = 0
    present: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "outcome": self.outcome.value,
            "label": OUTCOME_WORDS[self.outcome],
            "words": self.words,
            "winner": self.winner,
            "turnout": self.turnout,
            "present": self.present,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Result:
        winner = data.get("winner")
        return cls(
            outcome=Outcome(str(data["outcome"])),
            words=str(data["words"]),
            winner=None if winner is None else str(winner),
            turnout=int(data.get("turnout", 0)),  # type: ignore[call-overload]
            present=int(data.get("present", 0)),  # type: ignore[call-overload]
        )


def quorum_needed(rule: Rule, present: int) -> int:
    """Ballots needed for the quorum (0: none).  A share is rounded up: 50% of 7 is 4."""
    if rule.quorum_count is not None:
        return rule.quorum_count
    if rule.quorum_share is not None:
        return -(-rule.quorum_share * present // 100)
    return 0


def decide(rule: Rule, ballot: BallotKind, counts: Mapping[str, int], turnout: int, present: int) -> Result:
    """The outcome of a closed vote.

    ``counts``: ballots per choice (for multi-choice ballots a ballot counts once per option
    chosen); ``turnout``: ballots cast; ``present``: participants present at the close.
    """
    needed = quorum_needed(rule, present)
    if turnout < needed:
        return Result(Outcome.NO_QUORUM, f"{turnout} ballots; the quorum is {needed}.", None, turnout, present)

    def result(outcome: Outcome, words: str, winner: str | None = None) -> Result:
        return Result(outcome, words, winner, turnout, present)

    if turnout == 0:
        return result(Outcome.FAILED, "No ballots were cast.")
    if ballot is BallotKind.CHOICE:
        return _choice(rule, counts, turnout, present)
    yes, no, abstain = counts.get("yes", 0), counts.get("no", 0), counts.get("abstain", 0)
    agree, aside, block = counts.get("agree", 0), counts.get("stand_aside", 0), counts.get("block", 0)
    match rule.kind:
        case RuleKind.UNANIMITY:
            if (yes or agree) == turnout:
                return result(Outcome.PASSED, f"All {turnout} ballots agree.")
            if block:
                return result(Outcome.BLOCKED, f"{block} blocked; unanimity needs every ballot to agree.")
            return result(Outcome.FAILED, f"{turnout - (yes or agree)} of {turnout} ballots did not agree.")
        case RuleKind.CONSENSUS:
            if block:
                return result(Outcome.BLOCKED, f"{_n(block, 'block')}: consensus stops at any block.")
            if not agree:
                return result(Outcome.FAILED, "Nobody agreed.")
            if rule.stand_aside_limit is not None and aside * 100 > rule.stand_aside_limit * turnout:
                return result(Outcome.FAILED, f"{aside} of {turnout} stood aside: more than {rule.stand_aside_limit}%.")
            return result(Outcome.PASSED, f"No blocks; {agree} agree, {aside} stand aside.")
        case RuleKind.MODIFIED_CONSENSUS:
            if not agree:
                return result(Outcome.BLOCKED if block else Outcome.FAILED, "Nobody agreed.")
            if not block:
                return result(Outcome.PASSED, f"No blocks; {agree} agree, {aside} stand aside.")
            share = f"{agree} of {agree + block} agree and block"
            if agree * 100 >= rule.threshold * (agree + block):
                return result(Outcome.PASSED, f"{_n(block, 'block')} overridden: {share}, {rule.threshold}% needed.")
            return result(Outcome.BLOCKED, f"{_n(block, 'block')} stand: {share}, {rule.threshold}% needed.")
        case RuleKind.MAJORITY:
            if yes > no:
                return result(Outcome.PASSED, f"{yes} yes to {no} no; {abstain} abstained.")
            tie = " A tie fails." if yes == no else ""
            return result(Outcome.FAILED, f"{yes} yes to {no} no; {abstain} abstained.{tie}")
        case RuleKind.MAJORITY_PLUS_ONE:
            # yes >= turnout/2 + 1, in integers: 2*yes >= turnout + 2
            need = turnout // 2 + 1
            if 2 * yes >= turnout + 2:
                return result(Outcome.PASSED, f"{yes} yes of {turnout} ballots; {need} needed.")
            return result(Outcome.FAILED, f"{yes} yes of {turnout} ballots; {need} needed.")
        case RuleKind.FRACTION:
            p, q = rule.numerator, rule.denominator
            base = yes + no
            words = f"{yes} yes of {base} yes and no; {p}/{q} needed; {abstain} abstained."
            if base and yes != no and yes * q >= p * base:
                return result(Outcome.PASSED, words)
            return result(Outcome.FAILED, words + (" A tie fails." if base and yes == no else ""))
    raise ValueError(f"rule {rule.kind} does not decide a {ballot} ballot")


def _choice(rule: Rule, counts: Mapping[str, int], turnout: int, present: int) -> Result:
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] == 0:
        return Result(Outcome.FAILED, "No option was chosen.", None, turnout, present)
    top, votes = ranked[0]
    if len(ranked) > 1 and ranked[1][1] == votes:
        tied = [name for name, n in ranked if n == votes]
        return Result(Outcome.FAILED, f"A tie between {', '.join(tied)} ({votes} each) fails.", None, turnout, present)
    if rule.kind is RuleKind.MAJORITY and not 2 * votes > turnout:
        return Result(
            Outcome.FAILED, f"{top} has {votes} of {turnout} ballots: not more than half.", None, turnout, present
        )
    return Result(Outcome.PASSED, f"{top}: {votes} of {turnout} ballots.", top, turnout, present)


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")
