"""What the server words reaches pages as message keys with params (issue #15).

A place on the stack, a rule and an outcome carry a key of ``clients/i18n/server/`` beside their
English words; the English catalogue must word each key exactly as the server does, or a page would
say something else than the minutes.  Refusals carry ``error.<code>`` in every language.  The
minutes come in any language of the catalogues (``minutes.md?lang=es``), with CLDR plurals from
Babel, and an unknown language is English.
"""

from __future__ import annotations

import dataclasses
import json
import re
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from server import i18n, minutes
from server.agenda import core as ag
from server.core import meeting as m
from server.core import views
from server.core.errors import Rejection
from server.decisions import core as dc
from server.decisions import rules
from server.stack import core as sk
from tests.conftest import ServerProcess
from tests.test_assembly import Assembly, approved
from tests.test_docs import error_codes_in_source

ROOT = Path(__file__).resolve().parent.parent
EN = i18n.words("en", "server")
PARAM = re.compile(r"\{([A-Za-z0-9_]+)\}")


def catalogue(namespace: str, lang: str) -> dict[str, Any]:
    return json.loads((ROOT / "clients" / "i18n" / namespace / f"{lang}.json").read_text(encoding="utf-8"))


# --- the stack --------------------------------------------------------------------------------


def test_every_reason_for_a_place_is_worded_by_its_key() -> None:
    room = Assembly("ana", "ben", "cy", "dee", "eve", "fay")
    room.speak("ana")  # ana has spoken in the meeting
    room.facilitate(sk.EndTurn())
    room.raise_hand("ben", "process")
    room.raise_hand("cy", "information")
    room.raise_hand("dee", "clarifying")
    room.raise_hand("ana", "new")
    room.raise_hand("eve", "new")
    room.by("fay", sk.OptPriority(True))
    room.facilitate(sk.SetStackSettings(priority_counts=True))
    room.raise_hand("fay", "new")
    room.facilitate(sk.NextSpeaker())  # ben, the point of process, speaks
    room.facilitate(sk.MoveEntry(entry_id=room.state.stack.entry_of("eve").id, position=0))  # type: ignore[union-attr]
    places = room.state.stack.order
    keys = {p.reason_key for p in places}
    assert {"server.reason.moved", "server.reason.information", "server.reason.clarifying"} <= keys
    assert {"server.reason.spoken", "server.reason.not_spoken.priority"} <= keys
    for place in places:
        assert EN(place.reason_key, place.reason_params) == place.reason
    # the views pass the key on beside the words
    entries = views.stack_entries(room.state, room.state.stack)
    assert all(EN(e["reason_key"], e["reason_params"]) == e["reason"] for e in entries)
    hand = views.me_view(room.state, "fay")["hand"]
    assert hand["reason_key"] == "server.reason.not_spoken.priority" and hand["reason_params"] == {}
    assert EN(hand["reason_key"], hand["reason_params"]) == hand["reason"] == "you haven't spoken yet (and priority)"


@pytest.mark.parametrize("key", sorted(sk.REASONS))
def test_the_english_catalogue_words_every_reason_as_the_server_does(key: str) -> None:
    assert EN(key) == sk.REASONS[key]


def test_direct_response_and_progressive_stack_off() -> None:
    room = Assembly("ana", "ben", "cy")
    room.speak("ana")
    room.raise_hand("ben", "direct")
    room.raise_hand("cy", "new")
    assert [p.reason_key for p in room.state.stack.order] == ["server.reason.direct", "server.reason.not_spoken"]
    room.facilitate(sk.SetStackSettings(progressive=False))
    assert room.state.stack.order[1].reason_key == "server.reason.in_order"
    assert room.state.stack.order[1].reason == "in the order hands went up"


# --- rules and outcomes -------------------------------------------------------------------------

RULES = [
    (rules.BallotKind.YES_NO, "majority", {}),
    (rules.BallotKind.YES_NO, "majority_plus_one", {"quorum_count": 1}),
    (rules.BallotKind.YES_NO, "majority_plus_one", {"quorum_count": 12}),
    (rules.BallotKind.YES_NO, "fraction", {"fraction": "3/4", "quorum_share": 50}),
    (rules.BallotKind.YES_NO, "unanimity", {}),
    (rules.BallotKind.CONSENSUS, "modified_consensus", {"threshold": 80}),
    (rules.BallotKind.CONSENSUS, "consensus", {}),
    (rules.BallotKind.CONSENSUS, "consensus", {"stand_aside_limit": 25, "quorum_count": 3}),
    (rules.BallotKind.CHOICE, "plurality", {"quorum_share": 10}),
]


@pytest.mark.parametrize(("ballot", "kind", "options"), RULES)
def test_a_rule_in_words_is_its_key_worded(ballot: rules.BallotKind, kind: str, options: dict[str, Any]) -> None:
    rule = rules.make_rule(ballot, kind, **options)
    key, params = rule.words_key()
    assert EN(key, params) == rule.describe()
    assert key.startswith(f"server.rule.{kind}")


def test_the_rule_words_as_they_were() -> None:
    """The English did not move (the screen and the minutes have shown these for long)."""
    yes_no = rules.BallotKind.YES_NO
    assert rules.make_rule(yes_no, "fraction").describe() == "2/3 majority of yes and no; abstentions don't count"
    assert (
        rules.make_rule(yes_no, "majority", quorum_share=50).describe()
        == "Simple majority: more yes than no; abstentions don't count. Quorum: 50% of those present"
    )
    consensus = rules.make_rule(rules.BallotKind.CONSENSUS, "consensus", stand_aside_limit=20)
    assert consensus.describe() == "Consensus: any block stops it; fails if over 20% stand aside"


YN, CO, CH = rules.BallotKind.YES_NO, rules.BallotKind.CONSENSUS, rules.BallotKind.CHOICE
OUTCOMES = [
    # ballot, rule, counts, turnout, present, the words
    (YN, ("majority", {}), {"yes": 3, "no": 1, "abstain": 1}, 5, 5, "3 yes to 1 no; 1 abstained."),
    (YN, ("majority", {}), {"yes": 2, "no": 2, "abstain": 0}, 4, 5, "2 yes to 2 no; 0 abstained. A tie fails."),
    (YN, ("majority", {"quorum_count": 4}), {"yes": 1, "no": 0}, 1, 5, "1 ballot; the quorum is 4."),
    (YN, ("majority", {"quorum_share": 50}), {"yes": 2, "no": 0}, 2, 9, "2 ballots; the quorum is 5."),
    (YN, ("majority", {}), {}, 0, 3, "No ballots were cast."),
    (YN, ("majority_plus_one", {}), {"yes": 3, "no": 1, "abstain": 0}, 4, 4, "3 yes of 4 ballots; 3 needed."),
    (YN, ("majority_plus_one", {}), {"yes": 1, "no": 0, "abstain": 0}, 1, 4, "1 yes of 1 ballot; 1 needed."),
    (YN, ("fraction", {}), {"yes": 2, "no": 1, "abstain": 0}, 3, 4, "2 yes of 3 yes and no; 2/3 needed; 0 abstained."),
    (
        YN,
        ("fraction", {"fraction": "3/4"}),
        {"yes": 2, "no": 2, "abstain": 1},
        5,
        5,
        "2 yes of 4 yes and no; 3/4 needed; 1 abstained. A tie fails.",
    ),
    (YN, ("unanimity", {}), {"yes": 4}, 4, 4, "All 4 ballots agree."),
    (YN, ("unanimity", {}), {"yes": 1}, 1, 4, "1 ballot, and it agrees."),
    (YN, ("unanimity", {}), {"yes": 3, "abstain": 1}, 4, 4, "1 of 4 ballots did not agree."),
    (CO, ("unanimity", {}), {"agree": 2, "block": 1}, 3, 3, "1 blocked; unanimity needs every ballot to agree."),
    (CO, ("consensus", {}), {"agree": 4, "block": 1}, 5, 5, "1 block: consensus stops at any block."),
    (CO, ("consensus", {}), {"agree": 4, "block": 2}, 6, 6, "2 blocks: consensus stops at any block."),
    (CO, ("consensus", {}), {"stand_aside": 2}, 2, 2, "Nobody agreed."),
    (
        CO,
        ("consensus", {"stand_aside_limit": 20}),
        {"agree": 3, "stand_aside": 2},
        5,
        5,
        "2 of 5 stood aside: more than 20%.",
    ),
    (CO, ("consensus", {}), {"agree": 3, "stand_aside": 1}, 4, 4, "No blocks; 3 agree, 1 stand aside."),
    (
        CO,
        ("modified_consensus", {}),
        {"agree": 9, "block": 1},
        10,
        10,
        "1 block overridden: 9 of 10 agree and block, 90% needed.",
    ),
    (
        CO,
        ("modified_consensus", {}),
        {"agree": 8, "block": 2},
        10,
        10,
        "2 blocks stand: 8 of 10 agree and block, 90% needed.",
    ),
    (CH, ("plurality", {}), {"Tea": 3, "Coffee": 1}, 4, 4, "Tea: 3 of 4 ballots."),
    (CH, ("plurality", {}), {"Tea": 2, "Coffee": 2}, 4, 4, "A tie between Tea, Coffee (2 each) fails."),
    (CH, ("majority", {}), {"Tea": 2, "Coffee": 1, "Juice": 1}, 4, 4, "Tea has 2 of 4 ballots: not more than half."),
    (CH, ("plurality", {}), {"Tea": 0}, 1, 4, "No option was chosen."),
]


@pytest.mark.parametrize(("ballot", "rule", "counts", "turnout", "present", "words"), OUTCOMES)
def test_an_outcome_in_words_is_its_key_worded(
    ballot: rules.BallotKind,
    rule: tuple[str, dict[str, Any]],
    counts: dict[str, int],
    turnout: int,
    present: int,
    words: str,
) -> None:
    result = rules.decide(rules.make_rule(ballot, rule[0], **rule[1]), ballot, counts, turnout, present)
    assert result.words == words
    assert result.words_key is not None and result.words_key in rules.RESULT_WORDS
    assert EN(result.words_key, result.words_params) == words
    data = result.to_dict()
    assert data["words_key"] == result.words_key and data["words_params"] == dict(result.words_params or {})
    assert rules.Result.from_dict(data) == result


def test_the_english_catalogue_is_the_servers_english() -> None:
    english = catalogue("server", "en")
    for table in (sk.REASONS, rules.RULE_WORDS, rules.RESULT_WORDS):
        for key, words in table.items():
            assert english[key] == words, key
    for outcome, label in rules.OUTCOME_WORDS.items():
        assert english[f"server.outcome.{outcome.value}"] == label
    for kind, label in sk.LABELS.items():
        assert english[f"server.kind.{kind.value}"] == label
    for choice, label in rules.CHOICE_LABELS.items():
        assert english[f"server.choice.{choice}"] == label


def _a_closed_vote() -> tuple[Assembly, int]:
    room = Assembly("ana", "ben", "cy", "dee")
    vote = room.open_vote(subject="question", question="Paint it green?", ballot="yes_no", rule="fraction")
    room.vote("ana", vote, "yes")
    room.vote("ben", vote, "yes")
    room.vote("cy", vote, "no")
    return room, vote


def test_vote_closed_records_the_words_key_and_views_pass_it_on() -> None:
    room, vote = _a_closed_vote()
    (closed,) = room.do(dc.CloseVote(vote), m.Actor(m.Role.FACILITATOR), present=room.present(4))
    assert isinstance(closed, dc.VoteClosed)
    assert closed.result["words_key"] == "server.words.fraction"
    assert closed.result["words_params"] == {"yes": 2, "base": 3, "numerator": 2, "denominator": 3, "abstain": 0}
    view = views.vote_view(room.state, room.state.decisions.votes[vote], 60)
    assert view is not None
    assert view["result"]["words_key"] == "server.words.fraction"
    assert (view["rule_key"], view["rule_params"]) == ("server.rule.fraction", {"numerator": 2, "denominator": 3})
    assert EN(view["rule_key"], view["rule_params"]) == view["rule_words"]
    assert EN(view["result"]["words_key"], view["result"]["words_params"]) == view["result"]["words"]


def test_a_log_from_before_keys_replays_and_gets_its_key_back() -> None:
    room, vote = _a_closed_vote()
    before = room.state
    (closed,) = room.do(dc.CloseVote(vote), m.Actor(m.Role.FACILITATOR), present=room.present(4))
    old = {k: v for k, v in closed.result.items() if k not in ("words_key", "words_params")}
    replayed = m.apply(before, dataclasses.replace(closed, result=old))
    result = replayed.decisions.votes[vote].result
    assert result is not None and result.words == "2 yes of 3 yes and no; 2/3 needed; 0 abstained."
    assert result.words_key == "server.words.fraction" and result.words_params == closed.result["words_params"]
    assert replayed.decisions.votes[vote] == room.state.decisions.votes[vote]
    # Words older code put differently stay as recorded, with no key (pages show them in English).
    odd = {**old, "words": "2 yes out of 3; 2/3 needed."}
    kept = m.apply(before, dataclasses.replace(closed, result=odd)).decisions.votes[vote].result
    assert kept is not None and kept.words == "2 yes out of 3; 2/3 needed." and kept.words_key is None
    assert "words_key" not in kept.to_dict()


# --- refusals -----------------------------------------------------------------------------------


def every_error_code() -> set[str]:
    """The docs' scan, and the API's codes and ranges' own codes it does not see."""
    codes = error_codes_in_source()
    for path in (ROOT / "server").rglob("*.py"):
        text = path.read_text()
        codes.update(re.findall(r'api_error\(\s*\d+,\s*"([a-z_]+)"', text))
        codes.update(re.findall(r'_in_range\([^)]*,\s*"[a-z_]+",\s*"([a-z_]+)"\)', text))
    return codes


def test_a_refusal_carries_its_params() -> None:
    rejection = Rejection("round_running", "Round 2 is running; end it first.", None, {"number": 2})
    assert rejection.as_message() == {
        "type": "error",
        "code": "round_running",
        "message": "Round 2 is running; end it first.",
        "params": {"number": 2},
    }
    assert "params" not in Rejection("no_speaker", "Nobody has the floor.").as_message()
    room = Assembly("ana")
    refusal = room.refused("bad_field", sk.SetStackSettings(time_limit=5), m.Actor(m.Role.FACILITATOR))
    assert refusal.reason == "The speaking time is 15 to 1800 seconds." and refusal.params == {"low": 15, "high": 1800}


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_error_code_has_words_in_every_language(lang: str) -> None:
    codes = every_error_code()
    assert {"bad_frame", "not_allowed", "unknown_format", "bad_table_size"} <= codes
    english, words = catalogue("server", "en"), catalogue("server", lang)
    missing = sorted(code for code in codes if f"error.{code}" not in words)
    assert not missing, missing

    def params(value: Any) -> set[str]:
        texts = value.values() if isinstance(value, dict) else [value]
        return {p for text in texts for p in PARAM.findall(text)}

    differ = [code for code in codes if params(words[f"error.{code}"]) != params(english[f"error.{code}"])]
    assert not differ, differ


def test_a_refusals_params_word_its_english_catalogue_entry() -> None:
    """Where the catalogue words a code with params, the server sends those params."""
    room = Assembly("ana")
    refusal = room.refused_by("not_on_stack", "ana", sk.LowerHand())
    assert EN(f"error.{refusal.code}", refusal.params or {}) == "Your hand isn't up."
    words = i18n.words("es", "server")
    assert words("error.round_running", {"number": 2}) == "La ronda 2 está en curso; termínala primero."


# --- plurals and the minutes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "counts"),
    [
        ("en", {1: "1 turn", 2: "2 turns", 0: "0 turns"}),
        ("es", {1: "1 turno", 2: "2 turnos", 1_000_000: "1000000 turnos"}),
        ("fr", {0: "0 tour de parole", 1: "1 tour de parole", 2: "2 tours de parole"}),
        ("de", {1: "1 Redebeitrag", 5: "5 Redebeiträge"}),
        ("pt", {1: "1 fala", 2: "2 falas"}),
        (
            "ar",
            {0: "0 مداخلة", 1: "مداخلة واحدة", 2: "مداخلتان", 3: "3 مداخلات", 11: "11 مداخلة", 100: "100 مداخلة"},
        ),
    ],
)
def test_plurals_follow_each_languages_rules(lang: str, counts: dict[int, str]) -> None:
    words = i18n.words(lang, "minutes")
    for count, expected in counts.items():
        assert words("minutes.turns", count=count) == expected, (lang, count)


def test_plural_categories_come_from_cldr() -> None:
    assert [i18n.plural_category("ar", n) for n in (0, 1, 2, 3, 11, 100)] == [
        "zero",
        "one",
        "two",
        "few",
        "many",
        "other",
    ]
    assert i18n.plural_category("fr", 0) == "one" and i18n.plural_category("en", 0) == "other"
    assert i18n.plural_category("es", 1_000_000) == "many"


def test_languages_we_do_not_have_are_english() -> None:
    assert [i18n.language(c) for c in ("es-MX", "AR", "pt_BR", "xx", "", None, "../en")] == [
        "es",
        "ar",
        "pt",
        "en",
        "en",
        "en",
        "en",
    ]
    assert i18n.words("xx", "server")("server.outcome.passed") == "Passed"
    assert i18n.words("es", "server")("no.such.key") == "no.such.key"


def _a_whole_meeting() -> dict[str, Any]:
    room = Assembly("ana", "ben", "cy")
    approved(room)
    room.facilitate(ag.StartItem("a1"))
    room.speak("ana")
    room.facilitate(sk.EndTurn())
    room.facilitate(dc.AddProposal("A weekly rota on the fridge.", proposer="Cy"))
    proposal = max(room.state.decisions.proposals)
    vote = room.open_vote(subject="proposal", target=proposal, ballot="consensus", rule="consensus")
    room.vote("ana", vote, "agree")
    room.vote("ben", vote, "block", reason="Not before May.")
    room.close(vote, present=3)
    room.facilitate(m.EndMeeting())
    return minutes.minutes(room.state)


def test_minutes_in_spanish_and_arabic() -> None:
    data = _a_whole_meeting()
    english = minutes.markdown(data)
    assert "## Agenda" in english and "**Blocked** (1 block: consensus stops at any block.)" in english
    spanish = minutes.markdown(data, "es")
    for expected in [
        "# Acta: GA",
        "## Orden del día",
        "1. Kitchen rota (15 min)",  # titles as written
        "Intervenciones:",
        "ana (punto nuevo, ",
        "### Propuesta 1 de Cy (bloqueada)",
        "A weekly rota on the fridge.",  # never translated
        "Regla: Consenso: cualquier bloqueo lo detiene.",
        "**Bloqueada** (1 bloqueo: el consenso se detiene ante cualquier bloqueo.) "
        "De acuerdo 1, Me hago a un lado 0, Bloqueo 1.",
        "- Bloqueo: Not before May. (ben)",
        "## Decisiones",
        "## Quién habló",
        "- ana: 1 turno, ",
    ]:
        assert expected in spanish, expected
    arabic = minutes.markdown(data, "ar")
    for expected in [
        "# المحضر: GA",
        "## جدول الأعمال",
        "## القرارات",
        "## من تحدّث",
        "مداخلة واحدة",
        "**أُوقف باعتراض**",
    ]:
        assert expected in arabic, expected
    assert minutes.markdown(data, "xx") == english == minutes.markdown(data, "en")


def test_minutes_md_takes_a_language(server: ServerProcess, meeting: dict[str, Any]) -> None:
    def get(query: str) -> str:
        url = f"{server.http}/api/meetings/{meeting['id']}/minutes.md{query}"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.headers["Content-Type"].startswith("text/markdown")
            return str(response.read().decode())

    english = get("")
    assert "## Agenda" in english and "## Who spoke" in english
    spanish = get("?lang=es")
    assert "## Orden del día" in spanish and "## Quién habló" in spanish and "# Acta: " in spanish
    arabic = get("?lang=ar")
    assert "## جدول الأعمال" in arabic and "## من تحدّث" in arabic
    assert get("?lang=klingon") == english == get("?lang=")
    with urllib.request.urlopen(f"{server.http}/api/meetings/{meeting['id']}/minutes.json?lang=es", timeout=10) as r:
        assert json.loads(r.read())["meeting"]["id"] == meeting["id"]  # the JSON stays language-free


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("ar-EG,ar;q=0.9,en;q=0.5", "ar"),
        ("es-MX", "es"),
        ("sw, fr;q=0.4, de;q=0.8", "de"),  # by quality, not by order
        ("de;q=0.5, pt;q=0.5", "de"),  # equal quality: the first
        ("pt_BR", "pt"),
        ("en-US,en;q=0.9", "en"),
        ("fr;q=0, sw", None),  # q=0 is "not this"
        ("sw, xx-YY, *", None),
        ("es;q=abc", None),
        ("es;q=1e309, ar", "ar"),  # not a q-value: not this one
        ("es;q=1_0, ar;q=0.5", "ar"),
        ("es;q=1.5, ar;q=0.5", "ar"),
        ("es;q=0.25, ar;q=0.5", "ar"),
        ("", None),
        (None, None),
        ("," * 5000 + "es", None),  # a prankster's header is read so far and no further
    ],
)
def test_the_first_language_of_accept_language_we_have(header: str | None, lang: str | None) -> None:
    assert i18n.from_accept_language(header) == lang


def test_a_page_marks_the_language_its_request_accepts(server: ServerProcess, meeting: dict[str, Any]) -> None:
    def html(path: str, accept: str | None) -> tuple[str, str]:
        request = urllib.request.Request(f"{server.http}{path}", headers={"Accept-Language": accept} if accept else {})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode(), response.headers.get("Vary", "")

    phone = urllib.parse.urlsplit(meeting["join_url"]).path
    page, vary = html(phone, "ar-EG,ar;q=0.9,en;q=0.5")
    assert '<html lang="ar" dir="rtl" data-accept-language="ar">' in page and "Accept-Language" in vary
    page, _ = html(phone, "es")
    assert '<html lang="es" dir="ltr" data-accept-language="es">' in page
    for accept in ("sw", None):
        page, _ = html(phone, accept)
        assert '<html lang="en">' in page and "data-accept-language" not in page
    page, _ = html("/", "fr-CA")  # every page, the landing page too
    assert 'data-accept-language="fr"' in page
