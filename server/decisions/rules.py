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

from collections.abc import Callable, Mapping
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

# Words as message keys: the English here is the source of ``clients/i18n/server/en.json`` (a test checks
# that the catalogue words every key as below), so a page words a rule or an outcome in its reader's
# language from the key and its params.  A plural is {"one": ..., "other": ...}, chosen by ``count``.
Words = str | dict[str, str]

RULE_WORDS: dict[str, Words] = {
    "server.rule.majority": "Simple majority: more yes than no; abstentions don't count",
    "server.rule.majority_plus_one": "Majority plus one: yes must reach half the ballots cast plus one",
    "server.rule.fraction": "{numerator}/{denominator} majority of yes and no; abstentions don't count",
    "server.rule.modified_consensus": (
        "Modified consensus: passes without blocks, or with {threshold}% agree over blocks"
    ),
    "server.rule.consensus": "Consensus: any block stops it",
    "server.rule.consensus.stand_aside": "Consensus: any block stops it; fails if over {limit}% stand aside",
    "server.rule.unanimity": "Unanimity: every ballot must agree",
    "server.rule.plurality": "The option chosen most wins; a tie fails",
}
QUORUM_COUNT = {"one": ". Quorum: {count} ballot", "other": ". Quorum: {count} ballots"}
QUORUM_SHARE = ". Quorum: {quorum}% of those present"
for _key, _words in list(RULE_WORDS.items()):  # each rule, with a quorum of either kind
    assert isinstance(_words, str)
    RULE_WORDS[f"{_key}.quorum_count"] = {form: _words + tail for form, tail in QUORUM_COUNT.items()}
    RULE_WORDS[f"{_key}.quorum_share"] = _words + QUORUM_SHARE

RESULT_WORDS: dict[str, Words] = {
    "server.words.no_quorum": {
        "one": "{count} ballot; the quorum is {quorum}.",
        "other": "{count} ballots; the quorum is {quorum}.",
    },
    "server.words.no_ballots": "No ballots were cast.",
    "server.words.nobody_agreed": "Nobody agreed.",
    "server.words.unanimity.passed": {"one": "{count} ballot, and it agrees.", "other": "All {count} ballots agree."},
    "server.words.unanimity.blocked": {
        "one": "{count} blocked; unanimity needs every ballot to agree.",
        "other": "{count} blocked; unanimity needs every ballot to agree.",
    },
    "server.words.unanimity.failed": {
        "one": "{count} of {total} ballots did not agree.",
        "other": "{count} of {total} ballots did not agree.",
    },
    "server.words.consensus.blocked": {
        "one": "{count} block: consensus stops at any block.",
        "other": "{count} blocks: consensus stops at any block.",
    },
    "server.words.consensus.stood_aside": {
        "one": "{count} of {total} stood aside: more than {limit}%.",
        "other": "{count} of {total} stood aside: more than {limit}%.",
    },
    "server.words.no_blocks": "No blocks; {agree} agree, {aside} stand aside.",
    "server.words.blocks_overridden": {
        "one": "{count} block overridden: {agree} of {base} agree and block, {threshold}% needed.",
        "other": "{count} blocks overridden: {agree} of {base} agree and block, {threshold}% needed.",
    },
    "server.words.blocks_stand": {
        "one": "{count} block stands: {agree} of {base} agree and block, {threshold}% needed.",
        "other": "{count} blocks stand: {agree} of {base} agree and block, {threshold}% needed.",
    },
    "server.words.majority": "{yes} yes to {no} no; {abstain} abstained.",
    "server.words.majority.tie": "{yes} yes to {no} no; {abstain} abstained. A tie fails.",
    "server.words.majority_plus_one": {
        "one": "{yes} yes of {count} ballot; {need} needed.",
        "other": "{yes} yes of {count} ballots; {need} needed.",
    },
    "server.words.fraction": "{yes} yes of {base} yes and no; {numerator}/{denominator} needed; {abstain} abstained.",
    "server.words.fraction.tie": (
        "{yes} yes of {base} yes and no; {numerator}/{denominator} needed; {abstain} abstained. A tie fails."
    ),
    "server.words.choice.none": "No option was chosen.",
    "server.words.choice.tie": "A tie between {options} ({count} each) fails.",
    "server.words.choice.not_half": {
        "one": "{option} has {count} of {turnout} ballots: not more than half.",
        "other": "{option} has {count} of {turnout} ballots: not more than half.",
    },
    "server.words.choice.passed": {
        "one": "{option}: {count} of {turnout} ballots.",
        "other": "{option}: {count} of {turnout} ballots.",
    },
}


def english(table: Mapping[str, Words], key: str, params: Mapping[str, object]) -> str:
    """A key's English words with its params (a plural by ``count``: English has one and other)."""
    words = table[key]
    if isinstance(words, dict):
        words = words["one" if params.get("count") == 1 else "other"]
    return words.format(**params)


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
        return english(RULE_WORDS, *self.words_key())

    def words_key(self) -> tuple[str, dict[str, object]]:
        """The rule as a message key and its params (``RULE_WORDS``), for pages in any language."""
        key = f"server.rule.{self.kind.value}"
        params: dict[str, object] = {}
        match self.kind:
            case RuleKind.FRACTION:
                params = {"numerator": self.numerator, "denominator": self.denominator}
            case RuleKind.MODIFIED_CONSENSUS:
                params = {"threshold": self.threshold}
            case RuleKind.CONSENSUS if self.stand_aside_limit is not None:
                key += ".stand_aside"
                params = {"limit": self.stand_aside_limit}
        if self.quorum_count is not None:
            key += ".quorum_count"
            params["count"] = self.quorum_count
        elif self.quorum_share is not None:
            key += ".quorum_share"
            params["quorum"] = self.quorum_share
        return key, params

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
        raise Rejection("bad_rule", f"The rule must be one of: {names}.", "rule", {"allowed": names}) from None
    if rule_kind not in RULES_FOR[ballot]:
        allowed = ", ".join(sorted(r.value for r in RULES_FOR[ballot]))
        raise Rejection(
            "bad_rule",
            f"A {ballot.value} ballot is decided by: {allowed}.",
            "rule",
            {"ballot": ballot.value, "allowed": allowed},
        )
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
    words_key: str | None = None  # the words as a key of RESULT_WORDS (None: recorded before keys)
    words_params: Mapping[str, object] | None = None

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "outcome": self.outcome.value,
            "label": OUTCOME_WORDS[self.outcome],
            "words": self.words,
            "winner": self.winner,
            "turnout": self.turnout,
            "present": self.present,
        }
        if self.words_key is not None:
            data["words_key"] = self.words_key
            data["words_params"] = dict(self.words_params or {})
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Result:
        winner = data.get("winner")
        key = data.get("words_key")
        params = data.get("words_params")
        return cls(
            outcome=Outcome(str(data["outcome"])),
            words=str(data["words"]),
            winner=None if winner is None else str(winner),
            turnout=int(data.get("turnout", 0)),  # type: ignore[call-overload]
            present=int(data.get("present", 0)),  # type: ignore[call-overload]
            words_key=None if key is None else str(key),
            words_params=dict(params) if isinstance(params, Mapping) else None,
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

    def result(outcome: Outcome, key: str, winner: str | None = None, **params: object) -> Result:
        return Result(outcome, english(RESULT_WORDS, key, params), winner, turnout, present, key, params)

    needed = quorum_needed(rule, present)
    if turnout < needed:
        return result(Outcome.NO_QUORUM, "server.words.no_quorum", count=turnout, quorum=needed)
    if turnout == 0:
        return result(Outcome.FAILED, "server.words.no_ballots")
    if ballot is BallotKind.CHOICE:
        return _choice(rule, counts, turnout, result)
    yes, no, abstain = counts.get("yes", 0), counts.get("no", 0), counts.get("abstain", 0)
    agree, aside, block = counts.get("agree", 0), counts.get("stand_aside", 0), counts.get("block", 0)
    match rule.kind:
        case RuleKind.UNANIMITY:
            if (yes or agree) == turnout:
                return result(Outcome.PASSED, "server.words.unanimity.passed", count=turnout)
            if block:
                return result(Outcome.BLOCKED, "server.words.unanimity.blocked", count=block)
            return result(
                Outcome.FAILED, "server.words.unanimity.failed", count=turnout - (yes or agree), total=turnout
            )
        case RuleKind.CONSENSUS:
            if block:
                return result(Outcome.BLOCKED, "server.words.consensus.blocked", count=block)
            if not agree:
                return result(Outcome.FAILED, "server.words.nobody_agreed")
            if rule.stand_aside_limit is not None and aside * 100 > rule.stand_aside_limit * turnout:
                limit = rule.stand_aside_limit
                return result(
                    Outcome.FAILED, "server.words.consensus.stood_aside", count=aside, total=turnout, limit=limit
                )
            return result(Outcome.PASSED, "server.words.no_blocks", agree=agree, aside=aside)
        case RuleKind.MODIFIED_CONSENSUS:
            if not agree:
                return result(Outcome.BLOCKED if block else Outcome.FAILED, "server.words.nobody_agreed")
            if not block:
                return result(Outcome.PASSED, "server.words.no_blocks", agree=agree, aside=aside)
            share = {"count": block, "agree": agree, "base": agree + block, "threshold": rule.threshold}
            if agree * 100 >= rule.threshold * (agree + block):
                return result(Outcome.PASSED, "server.words.blocks_overridden", **share)
            return result(Outcome.BLOCKED, "server.words.blocks_stand", **share)
        case RuleKind.MAJORITY:
            figures = {"yes": yes, "no": no, "abstain": abstain}
            if yes > no:
                return result(Outcome.PASSED, "server.words.majority", **figures)
            return result(Outcome.FAILED, "server.words.majority" + (".tie" if yes == no else ""), **figures)
        case RuleKind.MAJORITY_PLUS_ONE:
            # yes >= turnout/2 + 1, in integers: 2*yes >= turnout + 2
            outcome = Outcome.PASSED if 2 * yes >= turnout + 2 else Outcome.FAILED
            return result(outcome, "server.words.majority_plus_one", yes=yes, count=turnout, need=turnout // 2 + 1)
        case RuleKind.FRACTION:
            p, q = rule.numerator, rule.denominator
            base = yes + no
            figures = {"yes": yes, "base": base, "numerator": p, "denominator": q, "abstain": abstain}
            if base and yes != no and yes * q >= p * base:
                return result(Outcome.PASSED, "server.words.fraction", **figures)
            return result(Outcome.FAILED, "server.words.fraction" + (".tie" if base and yes == no else ""), **figures)
    raise ValueError(f"rule {rule.kind} does not decide a {ballot} ballot")


def _choice(rule: Rule, counts: Mapping[str, int], turnout: int, result: Callable[..., Result]) -> Result:
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] == 0:
        return result(Outcome.FAILED, "server.words.choice.none")  # type: ignore[no-any-return]
    top, votes = ranked[0]
    if len(ranked) > 1 and ranked[1][1] == votes:
        tied = ", ".join(name for name, n in ranked if n == votes)
        return result(Outcome.FAILED, "server.words.choice.tie", options=tied, count=votes)  # type: ignore[no-any-return]
    if rule.kind is RuleKind.MAJORITY and not 2 * votes > turnout:
        key = "server.words.choice.not_half"
        return result(Outcome.FAILED, key, option=top, count=votes, turnout=turnout)  # type: ignore[no-any-return]
    return result(  # type: ignore[no-any-return]
        Outcome.PASSED, "server.words.choice.passed", top, option=top, count=votes, turnout=turnout
    )
