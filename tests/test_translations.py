"""Translated content through the pure core: target languages with translator links, translations of
every kind of text, refusals with their codes, staleness when an original changes, the screen's
languages, the views, and a replay of the log giving the same state."""

from __future__ import annotations

from typing import Any

import pytest

import server.features  # noqa: F401  (registers every feature, as the server does)
from server.agenda import core as ag
from server.core import event as events
from server.core import meeting as m
from server.core import views
from server.core.errors import Rejection
from server.decisions import core as dc
from server.openspace import core as oc
from server.translations import core as tc
from server.translations import feature as tf
from tests.test_stack import FACILITATOR, Room

KEY = "facilitator-secret"


def translator(lang: str) -> m.Actor:
    return m.Actor(m.Role.TRANSLATOR, channel=lang)


class Meeting(Room):
    """A meeting with every kind of translatable text, and a log kept for the replay."""

    def __init__(self, *names: str) -> None:
        self.log: list[Any] = []
        super().__init__(*names)

    def do(self, command: Any, actor: m.Actor, **inputs: Any) -> list[Any]:
        evs = super().do(command, actor, **inputs)
        self.log.extend(evs)
        return evs

    def add_language(self, lang: str) -> None:
        self.do(tc.AddLanguage(lang), FACILITATOR, key=KEY)

    def translate(self, lang: str, kind: str, item_id: str, text: str) -> list[Any]:
        return self.do(tc.Translate(kind, item_id, text), translator(lang))

    def refused(self, command: Any, actor: m.Actor, code: str) -> Rejection:
        before = self.state
        with pytest.raises(Rejection) as err:
            self.do(command, actor, key=KEY)
        assert err.value.code == code, err.value
        assert self.state is before  # a refusal changes nothing
        return err.value

    def tr(self) -> tc.TranslationsState:
        return tf.of(self.state)


def assembly() -> Meeting:
    """Ana proposes; an agenda item; a pending amendment by Bo; Spanish added."""
    a = Meeting("Ana", "Bo")
    a.facilitate(ag.AddItem("Budget", minutes=10))
    a.by("Ana", dc.Propose("We buy a new oven."))
    a.by("Bo", dc.Amend(1, "We buy a new oven and a fridge."))
    a.add_language("es")
    return a


def test_a_language_records_the_digest_of_its_translator_key_never_the_key() -> None:
    a = Meeting("Ana")
    (ev,) = a.do(tc.AddLanguage("es"), FACILITATOR, key=KEY)
    key = tc.translator_key(KEY, "es")
    assert ev.translator_digest == tc.digest(key)
    assert key not in str(ev.to_dict())
    assert a.tr().languages == {"es": tc.digest(key)}
    assert tc.translator_key(KEY, "es") != tc.translator_key(KEY, "fr")
    assert a.do(tc.AddLanguage("es"), FACILITATOR, key=KEY) == []  # again: nothing new
    a.add_language("pt-BR")
    assert list(a.tr().languages) == ["es", "pt-BR"]
    a.do(tc.RemoveLanguage("pt-BR"), FACILITATOR)
    assert list(a.tr().languages) == ["es"]


def test_every_kind_of_text_can_be_translated() -> None:
    a = assembly()
    a.facilitate(oc.SetPart("openspace"))
    a.facilitate(oc.SetTheme("How do we run the kitchen?"))
    a.by("Ana", oc.PostTopic("Rota"))
    a.facilitate(dc.OpenVote(subject="question", ballot="yes_no", rule="majority", question="Do we meet weekly?"))
    originals = tf.originals(a.state)
    assert list(originals) == [
        "theme:title",
        "theme:openspace",
        "vote:3",
        "agenda:a1",
        "proposal:1",
        "amendment:2",
        "topic:o1",
    ]
    words = {
        "theme:title": "AG",
        "theme:openspace": "¿Cómo llevamos la cocina?",
        "vote:3": "¿Nos reunimos cada semana?",
        "agenda:a1": "Presupuesto",
        "proposal:1": "Compramos un horno nuevo.",
        "amendment:2": "Compramos un horno nuevo y una nevera.",
        "topic:o1": "Turnos",
    }
    for key, text in words.items():
        kind, _, item_id = key.partition(":")
        (ev,) = a.translate("es", kind, item_id, text)
        assert ev.original_hash == tc.text_hash(originals[key].text)
    phone = views.phone_view(a.state, frozenset())
    assert phone["translations"] == {"es": {key: {"text": text, "stale": False} for key, text in words.items()}}
    assert views.screen_view(a.state, frozenset(), "")["translations"]["es"] == phone["translations"]["es"]
    console = views.facilitator_view(a.state, frozenset(), "")["translations"]
    assert console["languages"] == ["es"]
    assert console["counts"] == {"es": {"total": 7, "translated": 7, "stale": 0}}
    mine = tf.translator_view(a.state, "es")
    assert [i["key"] for i in mine["items"]] == list(words)
    assert mine["translated"] == 7 and mine["stale"] == 0
    proposal = next(i for i in mine["items"] if i["key"] == "proposal:1")
    assert proposal["original"] == "We buy a new oven." and proposal["limit"] == dc.PROPOSAL_MAX
    assert proposal["number"] == 1
    amendment = next(i for i in mine["items"] if i["key"] == "amendment:2")
    assert amendment["number"] == 1  # the proposal it amends


def test_an_accepted_amendment_makes_the_proposals_translation_stale_until_it_is_updated() -> None:
    a = assembly()
    a.translate("es", "proposal", "1", "Compramos un horno nuevo.")
    a.by("Ana", dc.AcceptAmendment(2))  # the proposer accepts Bo's amendment: the proposal's text changes
    shown = views.phone_view(a.state, frozenset())["translations"]["es"]
    assert shown["proposal:1"] == {"text": "Compramos un horno nuevo.", "stale": True}
    assert "amendment:2" not in tf.originals(a.state)  # settled: no longer on the table
    console = views.facilitator_view(a.state, frozenset(), "")["translations"]
    assert console["counts"]["es"]["stale"] == 1
    item = next(i for i in tf.translator_view(a.state, "es")["items"] if i["key"] == "proposal:1")
    assert item["stale"] and item["original"] == "We buy a new oven and a fridge."
    a.translate("es", "proposal", "1", "Compramos un horno nuevo y una nevera.")
    shown = views.phone_view(a.state, frozenset())["translations"]["es"]
    assert shown["proposal:1"] == {"text": "Compramos un horno nuevo y una nevera.", "stale": False}


def test_an_edited_agenda_item_makes_its_translation_stale_and_editing_it_back_makes_it_current() -> None:
    a = assembly()
    a.translate("es", "agenda", "a1", "Presupuesto")
    a.facilitate(ag.EditItem("a1", title="Budget 2027"))
    assert views.phone_view(a.state, frozenset())["translations"]["es"]["agenda:a1"]["stale"] is True
    a.facilitate(ag.EditItem("a1", title="Budget"))
    assert views.phone_view(a.state, frozenset())["translations"]["es"]["agenda:a1"]["stale"] is False


def test_the_same_translation_again_is_nothing_new_and_a_blank_one_takes_it_back() -> None:
    a = assembly()
    a.translate("es", "agenda", "a1", "Presupuesto")
    assert a.translate("es", "agenda", "a1", "  Presupuesto ") == []
    (ev,) = a.translate("es", "agenda", "a1", "   ")
    assert ev.text == ""
    assert "es" not in views.phone_view(a.state, frozenset())["translations"]
    assert a.translate("es", "agenda", "a1", "") == []


@pytest.mark.parametrize(
    ("command", "actor", "code"),
    [
        (tc.Translate("proposal", "1", "Hola"), m.Actor(m.Role.PHONE, participant_id="Ana"), "not_allowed"),
        (tc.Translate("proposal", "1", "Hola"), FACILITATOR, "not_allowed"),
        (tc.Translate("proposal", "1", "Hola"), m.Actor(m.Role.INTERPRETER, channel="es"), "not_allowed"),
        (tc.Translate("proposal", "1", "Bonjour"), translator("fr"), "unknown_language"),
        (tc.Translate("proposal", "9", "Hola"), translator("es"), "unknown_item"),
        (tc.Translate("agenda", "a9", "Hola"), translator("es"), "unknown_item"),
        (tc.Translate("topic", "o1", "Hola"), translator("es"), "unknown_item"),
        (tc.Translate("theme", "openspace", "Hola"), translator("es"), "unknown_item"),
        (tc.Translate("speech", "1", "Hola"), translator("es"), "bad_field"),
        (tc.Translate("agenda", "a1", "x" * (ag.TITLE_MAX + 1)), translator("es"), "too_long"),
        (tc.Translate("proposal", "1", "x" * (dc.PROPOSAL_MAX + 1)), translator("es"), "too_long"),
        (tc.Translate("theme", "title", "x" * (m.TITLE_MAX + 1)), translator("es"), "too_long"),
        (tc.AddLanguage("fr"), m.Actor(m.Role.PHONE, participant_id="Ana"), "not_allowed"),
        (tc.AddLanguage("fr"), translator("es"), "not_allowed"),
        (tc.AddLanguage("not a language"), FACILITATOR, "bad_field"),
        (tc.AddLanguage("français"), FACILITATOR, "bad_field"),
        (tc.RemoveLanguage("fr"), FACILITATOR, "unknown_language"),
        (tc.RemoveLanguage("es"), translator("es"), "not_allowed"),
        (tc.SetScreenLanguages(("es",)), m.Actor(m.Role.PHONE, participant_id="Ana"), "not_allowed"),
        (tc.SetScreenLanguages(()), FACILITATOR, "bad_field"),
        (tc.SetScreenLanguages(("es", "es")), FACILITATOR, "bad_field"),
        (tc.SetScreenLanguages(("es", "en", "fr")), FACILITATOR, "bad_field"),
        (tc.SetScreenLanguages(("es", "en"), "scroll"), FACILITATOR, "bad_field"),
        (tc.SetScreenLanguages(("?",)), FACILITATOR, "bad_field"),
        (tc.SetScreenLanguages(("zz",)), FACILITATOR, "unknown_language"),  # neither the pages' nor translated
        (tc.SetScreenLanguages(("es", "sw")), FACILITATOR, "unknown_language"),
    ],
)
def test_refusals_have_codes_and_change_nothing(command: Any, actor: m.Actor, code: str) -> None:
    assembly().refused(command, actor, code)


def test_a_translation_as_long_as_the_kinds_limit_is_accepted_even_when_longer_than_the_original() -> None:
    a = assembly()
    (ev,) = a.translate("es", "agenda", "a1", "x" * ag.TITLE_MAX)
    assert len(ev.text) == ag.TITLE_MAX
    a.facilitate(dc.OpenVote(subject="question", ballot="yes_no", rule="majority", question="Weekly?"))
    assert a.translate("es", "vote", "3", "y" * dc.QUESTION_MAX)
    err = a.refused(tc.Translate("vote", "3", "y" * (dc.QUESTION_MAX + 1)), translator("es"), "too_long")
    assert err.field == "text" and str(dc.QUESTION_MAX) in err.reason
    assert err.params == {"limit": dc.QUESTION_MAX}  # a page words error.too_long with it


def test_a_removed_language_refuses_its_translator_and_adding_it_back_restores_its_translations() -> None:
    a = assembly()
    a.translate("es", "agenda", "a1", "Presupuesto")
    a.do(tc.RemoveLanguage("es"), FACILITATOR)
    a.refused(tc.Translate("agenda", "a1", "Presupuesto 2"), translator("es"), "unknown_language")
    assert views.phone_view(a.state, frozenset())["translations"] == {}
    assert tf.translator_view(a.state, "es")["removed"] is True
    a.add_language("es")
    assert views.phone_view(a.state, frozenset())["translations"]["es"]["agenda:a1"]["text"] == "Presupuesto"


def test_withdrawn_texts_leave_the_views_and_the_translators_list() -> None:
    a = assembly()
    a.translate("es", "proposal", "1", "Compramos un horno nuevo.")
    a.by("Ana", dc.WithdrawProposal(1))
    assert "proposal:1" not in tf.originals(a.state)
    assert views.phone_view(a.state, frozenset())["translations"] == {}
    a.refused(tc.Translate("proposal", "1", "Hola"), translator("es"), "unknown_item")


def test_the_screens_languages_are_an_event_shown_to_the_screen_and_console() -> None:
    a = assembly()
    assert views.screen_view(a.state, frozenset(), "")["translations"]["screen"] == {"languages": [], "mode": "side"}
    (ev,) = a.facilitate(tc.SetScreenLanguages(("es", "en"), "alternate"))
    assert (ev.languages, ev.mode) == (["es", "en"], "alternate")
    screen = views.screen_view(a.state, frozenset(), "")["translations"]["screen"]
    assert screen == {"languages": ["es", "en"], "mode": "alternate"}
    assert views.facilitator_view(a.state, frozenset(), "")["translations"]["screen"] == screen
    assert a.facilitate(tc.SetScreenLanguages(("es", "en"), "alternate")) == []
    a.facilitate(tc.SetScreenLanguages(("ar",)))
    assert tf.of(a.state).screen == ("ar",)
    a.add_language("sw")  # a translation language the pages don't speak: its translations, English words
    a.facilitate(tc.SetScreenLanguages(("sw", "pt-BR")))
    assert tf.of(a.state).screen == ("sw", "pt-BR")
    (gone,) = a.facilitate(tc.RemoveLanguage(" sw "))  # read as it was added
    assert gone.language == "sw"


def test_an_agenda_approval_votes_question_can_be_translated_at_the_agenda_s_length() -> None:
    a = assembly()
    a.facilitate(ag.AcceptItem("a1"))
    a.facilitate(dc.OpenVote(subject="agenda", ballot="yes_no", rule="majority"))
    vote = a.state.decisions.latest_vote
    assert vote is not None
    original = tf.originals(a.state)[f"vote:{vote.id}"]
    assert original.limit == tf.AGENDA_QUESTION_MAX >= len(original.text)
    a.translate("es", "vote", str(vote.id), "Aprobar el orden del día: 1. Presupuesto (10 min)")


def test_a_replay_of_the_log_gives_the_same_state_and_views() -> None:
    a = assembly()
    a.add_language("ar")
    a.translate("es", "proposal", "1", "Compramos un horno nuevo.")
    a.translate("ar", "agenda", "a1", "الميزانية")
    a.by("Ana", dc.AcceptAmendment(2))
    a.facilitate(tc.SetScreenLanguages(("es", "ar"), "side"))
    a.do(tc.RemoveLanguage("ar"), FACILITATOR)
    created = m.create(meeting_id="m", title="GA", code="AAAAAA", facilitator_secret="f", screen_key="s", now=1000.0)
    stored = [events.from_dict(ev.to_dict()) for ev in [*created, *a.log]]  # through the log's dicts
    replayed = m.fold(enumerate(stored, start=1))
    assert tf.of(replayed) == tf.of(a.state)
    assert (
        views.phone_view(replayed, frozenset())["translations"]
        == views.phone_view(a.state, frozenset())["translations"]
    )
    assert tf.translator_view(replayed, "es") == tf.translator_view(a.state, "es")
