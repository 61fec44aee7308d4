"""Translated content as a feature: messages, who may send them, decide, apply, views.

Registered by one line in ``server/features.py``.  State lives in ``state.parts["translations"]``.
A language's translators see the view ``translate:<lang>`` (every translatable text with its
original, its translation and whether that is stale); the phones and the big screen get a
``translations`` section, ``{lang: {"kind:id": {"text", "stale"}}}`` (the screen's also says which
languages it shows, under ``screen``: never a language code); the console gets the languages and
how far each has got.  The translator's language rides in ``Actor.channel`` (set by the socket from
the hello's ``lang``, as a booth's channel is).
"""

from __future__ import annotations

from typing import Any

from server.agenda import core as ag
from server.core import meeting as m
from server.core import registry
from server.core.errors import Rejection
from server.core.event import Event
from server.core.inputs import Inputs
from server.core.registry import Field, Message
from server.decisions import core as dc
from server.openspace import core as oc
from server.openspace.views import openspace_of
from server.translations import core as tc

NAME = "translations"
F, T = m.Role.FACILITATOR, m.Role.TRANSLATOR
# An agenda approval's question is made from the accepted items' titles: as long as the agenda.
AGENDA_QUESTION_MAX = 40 + ag.ITEMS_MAX * (ag.TITLE_MAX + 16)
VOTE_LIMITS = {"question": dc.QUESTION_MAX, "proposal": dc.PROPOSAL_MAX, "amendment": dc.PROPOSAL_MAX}


def of(state: m.MeetingState) -> tc.TranslationsState:
    return m.part(state, NAME, tc.EMPTY)  # type: ignore[no-any-return]


def originals(state: m.MeetingState) -> dict[str, tc.Original]:
    """Every text a translator may translate now, keyed ``kind:id``, in the order the translator's page lists them.

    What the room sees: the meeting's title and the Open Space theme, the agenda's items (not the declined),
    the open proposals each followed by its pending amendments, the vote on show, the active Open Space topics.
    """
    out: list[tc.Original] = []
    if state.title:
        out.append(tc.Original("theme", "title", state.title, m.TITLE_MAX))
    os_ = openspace_of(state)
    if os_.theme:
        out.append(tc.Original("theme", "openspace", os_.theme, oc.THEME_MAX))
    vote = state.decisions.latest_vote
    if vote is not None:
        limit = VOTE_LIMITS.get(vote.subject.value, AGENDA_QUESTION_MAX)
        out.append(tc.Original("vote", str(vote.id), vote.question, limit))
    for item in state.agenda.items:
        if item.status != "declined":
            out.append(tc.Original("agenda", item.id, item.title, ag.TITLE_MAX))
    decisions = state.decisions
    for p in decisions.proposals.values():
        if p.status != "open":
            continue
        out.append(tc.Original("proposal", str(p.id), p.text, dc.PROPOSAL_MAX))
        for a in decisions.amendments.values():
            if a.proposal_id == p.id and a.status == "pending":
                out.append(tc.Original("amendment", str(a.id), a.text, dc.PROPOSAL_MAX))
    for topic in os_.topics.values():
        if topic.active:
            out.append(tc.Original("topic", topic.id, topic.title, oc.TITLE_MAX))
    return {tc.key_of(o.kind, o.id): o for o in out}


def decide(state: m.MeetingState, command: Any, actor: m.Actor, inputs: Inputs) -> list[Event]:
    tr = of(state)
    now = inputs.now
    match command:
        case tc.Translate():
            m.require(actor, T)
            return tc.translate(tr, originals(state), actor.channel, command, now)
        case tc.AddLanguage(language=language):
            m.require(actor, F)
            return tc.add_language(tr, language, inputs.key, now)
        case tc.RemoveLanguage(language=language):
            m.require(actor, F)
            return tc.remove_language(tr, language, now)
        case tc.SetScreenLanguages():
            m.require(actor, F)
            return tc.screen_languages(tr, command, now)
    raise Rejection("unknown_type", "Not a translations command.")


def apply(state: m.MeetingState, ev: Event) -> m.MeetingState:
    return m.with_part(state, NAME, tc.apply(of(state), ev))


def touched(before: Any, after: Any) -> frozenset[str]:
    """No participant's own view (``me``, their room's) shows translations: the shared views do."""
    return frozenset()


# --- views -----------------------------------------------------------------------------


def translated(state: m.MeetingState) -> dict[str, dict[str, dict[str, Any]]]:
    """``{lang: {"kind:id": {"text", "stale"}}}`` for the texts the room sees now (phones and the screen)."""
    tr = of(state)
    if not tr.texts:
        return {}
    now = originals(state)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for language in tr.languages:
        texts = tr.texts.get(language, {})
        shown = {key: {"text": t.text, "stale": tc.stale(t, now[key])} for key, t in texts.items() if key in now}
        if shown:
            out[language] = shown
    return out


def screen_section(state: m.MeetingState) -> dict[str, Any]:
    tr = of(state)
    return {**translated(state), "screen": {"languages": list(tr.screen), "mode": tr.screen_mode}}


def facilitator_section(state: m.MeetingState) -> dict[str, Any]:
    tr = of(state)
    now = originals(state)
    counts = {}
    for language in tr.languages:
        texts = tr.texts.get(language, {})
        done = [key for key in texts if key in now]
        counts[language] = {
            "total": len(now),
            "translated": len(done),
            "stale": sum(1 for key in done if tc.stale(texts[key], now[key])),
        }
    return {
        "languages": list(tr.languages),
        "counts": counts,
        "screen": {"languages": list(tr.screen), "mode": tr.screen_mode},
    }


def _numbers(state: m.MeetingState) -> dict[str, int]:
    """What the translator's page numbers each text by: an agenda item's place, a proposal's number."""
    numbers = {tc.key_of("agenda", i.id): n for n, i in enumerate(state.agenda.items, 1)}
    proposals = state.decisions.proposals
    for p in proposals.values():
        numbers[tc.key_of("proposal", str(p.id))] = p.number
    for a in state.decisions.amendments.values():
        p = proposals.get(a.proposal_id)
        if p is not None:
            numbers[tc.key_of("amendment", str(a.id))] = p.number
    return numbers


def translator_view(state: m.MeetingState, language: str) -> dict[str, Any]:
    tr = of(state)
    texts = tr.texts.get(language, {})
    numbers = _numbers(state)
    vote = state.decisions.latest_vote
    items = []
    for key, o in originals(state).items():
        t = texts.get(key)
        items.append(
            {
                "key": key,
                "kind": o.kind,
                "id": o.id,
                "number": numbers.get(key),
                "subject": vote.subject.value if o.kind == "vote" and vote is not None else None,
                "open": vote.open if o.kind == "vote" and vote is not None else None,
                "original": o.text,
                "limit": o.limit,
                "translation": t.text if t is not None else None,
                "stale": t is not None and tc.stale(t, o),
            }
        )
    return {
        "language": language,
        "removed": language not in tr.languages,
        "title": state.title,
        "ended": state.ended,
        "items": items,
        "translated": sum(1 for i in items if i["translation"] is not None),
        "stale": sum(1 for i in items if i["stale"]),
    }


def translator_deps(state: m.MeetingState, language: str) -> tuple[Any, ...]:
    return (
        state.title,
        state.ended_at,
        state.agenda.items,
        state.decisions.proposals,
        state.decisions.amendments,
        state.decisions.latest_vote,
        state.parts.get("openspace"),
        of(state),
    )


# --- messages --------------------------------------------------------------------------

_LANG = Field(str, max_length=tc.LANGUAGE_MAX)

MESSAGES: dict[str, Message] = {
    "add_translation_language": Message(
        {"language": _LANG},
        lambda f: tc.AddLanguage(f["language"]),
        roles=("facilitator",),
        needs=frozenset({"key"}),
    ),
    "remove_translation_language": Message(
        {"language": _LANG}, lambda f: tc.RemoveLanguage(f["language"]), roles=("facilitator",)
    ),
    "translate": Message(
        {
            "kind": Field(str, max_length=16),
            "item": Field(str, max_length=32),  # the text's id ("id" is every message's own: echoed in the answer)
            "text": Field(str, max_length=tc.TEXT_MAX),
        },
        lambda f: tc.Translate(f["kind"], f["item"], f["text"]),
        roles=("translator",),
    ),
    "screen_languages": Message(
        {
            "languages": Field(list, max_length=2, item_length=tc.LANGUAGE_MAX),
            "mode": Field(str, required=False, max_length=16),
        },
        lambda f: tc.SetScreenLanguages(tuple(f["languages"]), f.get("mode", "side")),
        roles=("facilitator",),
    ),
}


FEATURE = registry.Feature(
    name=NAME,
    messages=MESSAGES,
    commands=tc.COMMANDS,
    decide=decide,
    events=tc.EVENTS,
    apply=apply,
    sections={
        "phone": lambda state, ctx: translated(state),
        "screen": lambda state, ctx: screen_section(state),
        "facilitator": lambda state, ctx: facilitator_section(state),
    },
    touched=touched,
    audience="translate",
    views=lambda state, key, ctx: translator_view(state, key),
    view_deps=translator_deps,
)
