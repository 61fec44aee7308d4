"""The catalogues of words (issue #15): every language says everything English says, with the same
parameters, and a plural in every form its language needs.

Pages word themselves from ``clients/i18n/<namespace>/<lang>.json`` (clients/shared/i18n.js): a
language file that misses a key shows English in the middle of another language, and one whose
``{param}`` differs from English shows a raw ``{name}`` or drops a number.  A plural is an object
keyed by CLDR category; the browser picks the category with ``Intl.PluralRules``, so a language
needs exactly the categories the browser's CLDR gives it (Babel's, when installed, must agree).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

CATALOGUES = Path(__file__).resolve().parent.parent / "clients" / "i18n"
CLIENTS = CATALOGUES.parent
LANGUAGES = ("en", "es", "fr", "de", "pt", "ar")
CATEGORIES = ("zero", "one", "two", "few", "many", "other")
# What Chromium's Intl.PluralRules(lang).resolvedOptions().pluralCategories gives (CLDR 42 and later).
INTL_PLURALS = {
    "en": {"one", "other"},
    "es": {"one", "many", "other"},
    "fr": {"one", "many", "other"},
    "de": {"one", "other"},
    "pt": {"one", "many", "other"},
    "ar": {"zero", "one", "two", "few", "many", "other"},
}
PARAM = re.compile(r"\{([A-Za-z0-9_]+)\}")


def plural_categories(lang: str) -> set[str]:
    """The categories a plural in ``lang`` needs: the browser's, checked against Babel's CLDR when installed."""
    try:
        from babel import Locale  # type: ignore[import-not-found]
    except ImportError:
        return INTL_PLURALS[lang]
    babel = set(Locale.parse(lang).plural_form.tags) | {"other"}
    assert babel <= INTL_PLURALS[lang], f"Babel's CLDR gives {lang} {sorted(babel)}: more than the browser's"
    return INTL_PLURALS[lang]


def namespaces() -> list[str]:
    return sorted(p.name for p in CATALOGUES.iterdir() if p.is_dir())


def load(namespace: str, lang: str) -> dict[str, object]:
    data = json.loads((CATALOGUES / namespace / f"{lang}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{namespace}/{lang}.json is not a JSON object"
    return data


def forms(value: object) -> list[str]:
    """The texts of an entry: one for a string, one per category for a plural."""
    if isinstance(value, str):
        return [value]
    assert isinstance(value, dict) and value, f"neither text nor plural: {value!r}"
    assert all(isinstance(v, str) for v in value.values()), f"a plural form that is not text: {value!r}"
    return list(value.values())


def params(value: object) -> set[str]:
    return {p for text in forms(value) for p in PARAM.findall(text)}


def test_there_are_catalogues() -> None:
    assert {"common", "phone", "openspace-phone", "cafe-phone"} <= set(namespaces())


@pytest.mark.parametrize("namespace", namespaces())
def test_every_language_has_the_keys_and_params_of_english(namespace: str) -> None:
    assert (CATALOGUES / namespace / "en.json").exists(), f"{namespace}: no en.json (English is the source)"
    english = load(namespace, "en")
    assert english, f"{namespace}/en.json is empty"
    files = {p.stem for p in (CATALOGUES / namespace).glob("*.json")}
    assert files == set(LANGUAGES), f"{namespace}: languages {sorted(files)}, want {sorted(LANGUAGES)}"
    problems = []
    for lang in LANGUAGES:
        words = load(namespace, lang)
        for key in sorted(set(english) - set(words)):
            problems.append(f"{namespace}/{lang}: missing {key}")
        for key in sorted(set(words) - set(english)):
            problems.append(f"{namespace}/{lang}: {key} is not in English")
        for key in sorted(set(english) & set(words)):
            if isinstance(english[key], dict) != isinstance(words[key], dict):
                problems.append(f"{namespace}/{lang}: {key} is a plural in one language and not the other")
            elif params(english[key]) != params(words[key]):
                theirs, ours = sorted(params(words[key])), sorted(params(english[key]))
                problems.append(f"{namespace}/{lang}: {key} has {theirs}, English {ours}")
            for text in forms(words[key]):
                if not text.strip() and text != forms(english[key])[0]:
                    problems.append(f"{namespace}/{lang}: {key} is empty")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("namespace", namespaces())
def test_plurals_have_the_categories_their_language_needs(namespace: str) -> None:
    problems = []
    for lang in LANGUAGES:
        path = CATALOGUES / namespace / f"{lang}.json"
        if not path.exists():
            continue  # (said by the test above)
        need = plural_categories(lang)
        for key, value in load(namespace, lang).items():
            if not isinstance(value, dict):
                continue
            have = set(value)
            if "other" not in have:
                problems.append(f"{namespace}/{lang}: {key} has no 'other'")
            if have - set(CATEGORIES):
                problems.append(f"{namespace}/{lang}: {key} has unknown categories {sorted(have - set(CATEGORIES))}")
            elif have != need:
                problems.append(f"{namespace}/{lang}: {key} has {sorted(have)}, {lang} needs {sorted(need)}")
    assert not problems, "\n".join(problems)


def test_no_key_is_in_two_namespaces() -> None:
    """A page merges the namespaces it loads into one table: a key in two of them would hide one."""
    seen: dict[str, str] = {}
    clashes = []
    for namespace in namespaces():
        path = CATALOGUES / namespace / "en.json"
        if not path.exists():
            continue
        for key in load(namespace, "en"):
            if key in seen:
                clashes.append(f"{key}: in {seen[key]} and {namespace}")
            seen[key] = namespace
    assert not clashes, "\n".join(clashes)


# The phone's files, and how their code names keys: t("phone.x"), and in the Open Space and café
# modules w("x") for openspace.phone.x / cafe.phone.x.
PHONE_FILES = {
    "phone/index.html": "",
    "phone/phone.js": "",
    "phone/openspace.js": "openspace.phone.",
    "phone/cafe.js": "cafe.phone.",
}


def used_keys(text: str, prefix: str) -> set[str]:
    keys = set(re.findall(r'data-i18n="([^"]+)"', text))
    for attrs in re.findall(r'data-i18n-attr="([^"]+)"', text):
        keys |= {pair.split(":", 1)[1].strip() for pair in attrs.split(";") if ":" in pair}
    keys |= set(re.findall(r'\btn?\(\s*"([a-z][\w.-]*)"', text))
    keys |= set(re.findall(r'"data-i18n":\s*"([^"]+)"', text))
    if prefix:
        keys |= {prefix + k for k in re.findall(r'\bwn?\(\s*"([a-z][\w.]*)"', text)}
        keys |= {prefix + k for k in re.findall(r'\bi18n\(\s*"([a-z][\w.]*)"', text)}
    return keys


def test_every_key_the_phone_names_is_in_english() -> None:
    english: dict[str, object] = {}
    for namespace in ("common", "phone", "openspace-phone", "cafe-phone"):
        english.update(load(namespace, "en"))
    missing = []
    for name, prefix in PHONE_FILES.items():
        text = (CLIENTS / name).read_text(encoding="utf-8")
        keys = used_keys(text, prefix)
        assert keys, f"{name} names no keys"
        missing += [f"{name}: {key}" for key in sorted(keys) if key not in english]
    assert not missing, "\n".join(missing)


def test_english_stays_as_the_page_says_it() -> None:
    """The phone's markup is English as it was: each data-i18n element's text is its English entry."""
    english: dict[str, object] = {}
    for namespace in ("common", "phone", "openspace-phone", "cafe-phone"):
        english.update(load(namespace, "en"))
    differ = []
    for name in ("phone/index.html", "phone/cafe.js"):
        text = (CLIENTS / name).read_text(encoding="utf-8")
        for key, words in re.findall(r'data-i18n="([^"]+)"[^>]*>([^<]*)<', text):
            words = " ".join(words.split())
            if english.get(key) != words:
                differ.append(f"{name}: {key}: markup {words!r}, catalogue {english.get(key)!r}")
    assert not differ, "\n".join(differ)
