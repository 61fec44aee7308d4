"""Words in the reader's language, on the server: the minutes (and anything else worded here).

Pages word themselves in the browser from the catalogues (``clients/shared/i18n.js``); the server
words only what it renders itself, like ``minutes.md?lang=es``, from the same files:
``clients/i18n/<namespace>/<lang>.json``, flat objects of ``"key": "text with {param}"``, where a
plural is an object keyed by CLDR category (``{"one": "{count} turn", "other": "{count} turns"}``).
The category of a count comes from Babel's CLDR data, as the browser's ``Intl.PluralRules`` does.

A missing key falls back to English, then to the key itself; an unknown language is English (no error).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from babel import Locale

CATALOGUES = Path(__file__).resolve().parent.parent / "clients" / "i18n"
LANGUAGES = ("en", "es", "fr", "de", "pt", "ar")
SOURCE = "en"
_PARAM = re.compile(r"\{([A-Za-z0-9_]+)\}")
_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")


def language(code: str | None) -> str:
    """The language we have for ``code`` (``es-MX`` and ``ES`` are ``es``); English for anything else."""
    base = primary_subtag(code or "")
    return base if base in LANGUAGES else SOURCE


def primary_subtag(tag: str) -> str:
    """A language tag's primary subtag, lower case: ``es-MX``, ``ES`` and ``es_MX`` are ``es``."""
    return tag.strip().replace("_", "-").split("-")[0].lower()


RTL = frozenset({"ar"})


def from_accept_language(header: str | None) -> str | None:
    """The first language of an ``Accept-Language`` header we have (by q-value, then order); None if none.

    ``"ar-EG,ar;q=0.9,en;q=0.5"`` is ``ar``; ``"sw,xx"`` is None (the page decides: English).
    """
    choices: list[tuple[float, int, str]] = []
    for order, part in enumerate((header or "")[:1000].split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":  # RFC 9110: 0 to 1, three decimals at most; else not this one
                quality = float(value) if _QVALUE.fullmatch(value.strip()) else 0.0
        base = primary_subtag(tag)
        if base in LANGUAGES and quality > 0:
            choices.append((-quality, order, base))
    return min(choices)[2] if choices else None


@functools.cache
def catalogue(namespace: str, lang: str) -> Mapping[str, object]:
    """One catalogue file (read once); empty if there is none."""
    if lang not in LANGUAGES or not re.fullmatch(r"[a-z][a-z0-9-]*", namespace):
        return {}
    path = CATALOGUES / namespace / f"{lang}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return data if isinstance(data, dict) else {}


@functools.cache
def _plural(lang: str) -> Locale:
    return Locale.parse(lang)


def plural_category(lang: str, count: object) -> str:
    """The CLDR plural category of ``count`` in ``lang`` (one, few, many, other…)."""
    try:
        number = float(count)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "other"
    if number.is_integer():
        number = int(number)
    return str(_plural(lang).plural_form(abs(number)))


class Words:
    """The words of some namespaces in one language, English behind them."""

    def __init__(self, lang: str | None, namespaces: Iterable[str]) -> None:
        self.lang = language(lang)
        self.namespaces = tuple(namespaces)

    def _entry(self, key: str) -> tuple[object, str] | None:
        for lang in dict.fromkeys((self.lang, SOURCE)):
            for namespace in self.namespaces:
                words = catalogue(namespace, lang)
                if key in words:
                    return words[key], lang
        return None

    def has(self, key: str) -> bool:
        return self._entry(key) is not None

    def __call__(self, key: str, params: Mapping[str, object] | None = None, /, **more: object) -> str:
        """``key`` worded with its params (a plural by ``count``), else English, else the key itself."""
        values = {**(params or {}), **more}
        found = self._entry(key)
        if found is None:
            return key
        entry, lang = found
        if isinstance(entry, dict):
            category = plural_category(lang, values.get("count", 0))
            entry = entry.get(category, entry.get("other", next(iter(entry.values()), "")))
        if not isinstance(entry, str):
            return key
        return _PARAM.sub(lambda m: str(values[m[1]]) if m[1] in values else m[0], entry)


def words(lang: str | None, *namespaces: str) -> Words:
    return Words(lang, namespaces)
