"""Translated content (pure; no I/O, no clock, no randomness): target languages, translations, the screen's languages.

The facilitator adds **target languages** (``es``, ``ar``).  Each has a **translator** capability
link whose key derives from the facilitator's secret (HMAC of ``"plaza translator key <lang>"``);
only its digest is recorded.  A translator opening the link sees every translatable text of the
meeting with its original and types a translation: agenda items' titles, open proposals and their
pending amendments, the question of the vote on show, Open Space topics, and the meeting's title
and theme.  Participants' own texts (names, points, notes) are never translated.

A translation records a **hash of the original** it translated.  When the original changes after
(an amendment accepted into a proposal, an agenda item edited), the hashes differ and the
translation is **stale**: phones show it marked "out of date" until the translator updates it.
A translation is at most as long as the original's kind allows (``too_long``), so a translation
fits wherever the original does.

The big screen's **languages** (one, or two shown side by side or alternating) are an event of
this feature too (``screen_languages``).

The translatable texts are read from the other features' states (:func:`originals`); nothing here
changes them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from server import i18n
from server.core.errors import Rejection
from server.core.event import Event, event
from server.core.keys import derived_key, digest
from server.core.text import clean_text

LANGUAGE_MAX = 12
LANGUAGES_MAX = 20
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")  # a BCP 47 tag, loosely: es, pt-BR, zh-Hant
KINDS = ("agenda", "proposal", "amendment", "vote", "topic", "theme")
TEXT_MAX = 6000  # the protocol's bound; each kind's own limit is checked in the core (too_long)
MODES = ("side", "alternate")
HASH_LENGTH = 16  # hex characters of SHA-256 kept: enough to tell two wordings apart


def translator_key(facilitator_secret: str, language: str) -> str:
    """A language's translator key, derived from the facilitator's secret (never stored)."""
    return derived_key(facilitator_secret, "translator", language)


def text_hash(text: str) -> str:
    """What a translation keeps of the original it translated."""
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_LENGTH]


# --- events ----------------------------------------------------------------------------


@event("translations.language_added")
@dataclass(frozen=True)
class LanguageAdded(Event):
    language: str
    translator_digest: str


@event("translations.language_removed")
@dataclass(frozen=True)
class LanguageRemoved(Event):
    language: str


@event("translations.translated")
@dataclass(frozen=True)
class Translated(Event):
    """A translation of ``kind:id`` into ``language`` ("" text: the translation taken back)."""

    language: str
    kind: str
    id: str
    text: str
    original_hash: str


@event("translations.screen_languages")
@dataclass(frozen=True)
class ScreenLanguages(Event):
    languages: list[str]
    mode: str


EVENTS: tuple[type[Event], ...] = (LanguageAdded, LanguageRemoved, Translated, ScreenLanguages)


# --- commands --------------------------------------------------------------------------


@dataclass(frozen=True)
class AddLanguage:
    language: str


@dataclass(frozen=True)
class RemoveLanguage:
    language: str


@dataclass(frozen=True)
class Translate:
    kind: str
    id: str
    text: str


@dataclass(frozen=True)
class SetScreenLanguages:
    languages: tuple[str, ...]
    mode: str = "side"


COMMANDS: tuple[type, ...] = (AddLanguage, RemoveLanguage, Translate, SetScreenLanguages)


# --- state -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Translation:
    text: str
    original_hash: str
    at: float


@dataclass(frozen=True)
class Original:
    """A translatable text as it is now, with the most a translation of it may hold."""

    kind: str
    id: str
    text: str
    limit: int


@dataclass(frozen=True)
class TranslationsState:
    languages: Mapping[str, str] = field(default_factory=dict)  # language -> translator key digest, in order added
    # language -> "kind:id" -> its translation (kept when a language is removed: adding it back restores them)
    texts: Mapping[str, Mapping[str, Translation]] = field(default_factory=dict)
    screen: tuple[str, ...] = ()  # the big screen's languages (): the screen's own default
    screen_mode: str = "side"


EMPTY = TranslationsState()


def key_of(kind: str, item_id: str) -> str:
    return f"{kind}:{item_id}"


def language_code(value: str) -> str:
    text = value.strip()
    if len(text) > LANGUAGE_MAX or not LANGUAGE.match(text):
        raise Rejection("bad_field", "The language is a code like es, fr or pt-BR.", "language")
    return text


# --- decide ----------------------------------------------------------------------------


def add_language(state: TranslationsState, language: str, key: str, now: float) -> list[Event]:
    code = language_code(language)
    if code in state.languages:
        return []
    if len(state.languages) >= LANGUAGES_MAX:
        raise Rejection(
            "too_many",
            f"A meeting has at most {LANGUAGES_MAX} translation languages.",
            "language",
            params={"max": LANGUAGES_MAX},
        )
    if not key:
        raise Rejection("bad_key", "Translator links derive from the facilitator's key.", "key")
    return [LanguageAdded(at=now, language=code, translator_digest=digest(translator_key(key, code)))]


def remove_language(state: TranslationsState, language: str, now: float) -> list[Event]:
    language = language_code(language)  # read as add_translation_language reads it (" es " is es)
    if language not in state.languages:
        raise Rejection("unknown_language", "This meeting is not translated into that language.", "language")
    return [LanguageRemoved(at=now, language=language)]


def translate(
    state: TranslationsState, originals: Mapping[str, Original], language: str, cmd: Translate, now: float
) -> list[Event]:
    """``cmd`` from the translator of ``language``: checked against the original as it is now."""
    if language not in state.languages:
        raise Rejection("unknown_language", "This meeting is no longer translated into that language.", "language")
    if cmd.kind not in KINDS:
        raise Rejection("bad_field", f"kind must be one of {', '.join(KINDS)}.", "kind")
    key = key_of(cmd.kind, cmd.id)
    original = originals.get(key)
    if original is None:
        raise Rejection("unknown_item", "There is no such text to translate (it may have been withdrawn).", "item")
    before = state.texts.get(language, {}).get(key)
    if not cmd.text.strip():  # blank: take the translation back
        if before is None or not before.text:
            return []
        return [Translated(at=now, language=language, kind=cmd.kind, id=cmd.id, text="", original_hash="")]
    text = clean_text(cmd.text, TEXT_MAX, "translation", "text")
    if len(text) > original.limit:
        raise Rejection(
            "too_long",
            f"A translation of this text can be at most {original.limit} characters.",
            "text",
            params={"limit": original.limit},
        )
    wanted = text_hash(original.text)
    if before is not None and before.text == text and before.original_hash == wanted:
        return []
    return [Translated(at=now, language=language, kind=cmd.kind, id=cmd.id, text=text, original_hash=wanted)]


def screen_languages(state: TranslationsState, cmd: SetScreenLanguages, now: float) -> list[Event]:
    codes = tuple(language_code(code) for code in cmd.languages)
    if not 1 <= len(codes) <= 2 or len(set(codes)) != len(codes):
        raise Rejection("bad_field", "Give the screen one language, or two different ones.", "languages")
    for code in codes:  # one the pages speak, or one the meeting is translated into
        if i18n.primary_subtag(code) not in i18n.LANGUAGES and code not in state.languages:
            raise Rejection(
                "unknown_language",
                f"The big screen can't speak {code}: pick one of its languages or a translation language.",
                "languages",
                params={"language": code},
            )
    if cmd.mode not in MODES:
        raise Rejection("bad_field", "mode is side or alternate.", "mode")
    if (codes, cmd.mode) == (state.screen, state.screen_mode):
        return []
    return [ScreenLanguages(at=now, languages=list(codes), mode=cmd.mode)]


# --- apply -----------------------------------------------------------------------------


def apply(state: TranslationsState, ev: Event) -> TranslationsState:
    match ev:
        case LanguageAdded():
            return replace(state, languages={**state.languages, ev.language: ev.translator_digest})
        case LanguageRemoved():
            return replace(state, languages={k: v for k, v in state.languages.items() if k != ev.language})
        case Translated():
            texts = dict(state.texts.get(ev.language, {}))
            key = key_of(ev.kind, ev.id)
            if ev.text:
                texts[key] = Translation(text=ev.text, original_hash=ev.original_hash, at=ev.at)
            else:
                texts.pop(key, None)
            return replace(state, texts={**state.texts, ev.language: texts})
        case ScreenLanguages():
            return replace(state, screen=tuple(ev.languages), screen_mode=ev.mode)
    return state


def stale(translation: Translation, original: Original) -> bool:
    """Whether the original changed since it was translated."""
    return translation.original_hash != text_hash(original.text)
