"""The records served as Markdown in the reader's language, like the minutes (issue #15).

``proceedings.md?lang=es`` (an Open Space's) is worded from the printable page's catalogue
(``clients/i18n/proceedings/``, its ``proceedings.md.*`` keys being the Markdown's own) and
``harvest.md?lang=es`` (a World Café's) like the minutes' café section (``clients/i18n/minutes-cafe/``),
with CLDR plurals for counts ("1 punto", "2 puntos"; Arabic's dual).  The theme, titles, spaces, names,
reports and ideas stay exactly as written; without ``lang``, or with one we don't have, English reads
byte for byte as it did before.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from typing import Any

import pytest

import server.features  # noqa: F401  (registers every feature, as the server does)
from server import i18n
from server.cafe.minutes import harvest_markdown
from server.openspace import proceedings
from tests.conftest import ServerProcess
from tests.test_cafe_socket import T, seated
from tests.test_i18n_minutes_features import whole_meeting
from tests.test_openspace_socket import paced
from tests.test_rooms_socket import close_all, phone_for
from tests.test_stack_socket import console_for

THEME = "How do we run the kitchen?"
IDEAS = ("Benches on every corner", "Street parties {name}")  # the second looks like a parameter: kept as written


def markdown_before(data: dict[str, Any]) -> str:
    """``proceedings.markdown`` as it was before it took a language (English only), kept verbatim so the
    English served without ``lang`` can be checked byte for byte."""
    meeting = data["meeting"]
    out = [f"# Proceedings: {meeting['title']}", ""]
    out.append(f"As of {meeting['as_of']}" + (f" (ended {meeting['ended_at']})" if meeting["ended_at"] else ""))
    out.append("")
    if not data["open_space"]:
        return "\n".join([*out, "This meeting has no Open Space.", ""])
    if data["theme"]:
        out += [f"**Theme:** {data['theme']}", ""]
    out += ["## The wall", ""]
    placed = False
    for slot in data["wall"]:
        if not slot["topics"]:
            continue
        placed = True
        ran = " (ran)" if slot["started_at"] else ""
        out += [f"### {slot['start']} – {slot['end']}{ran}", ""]
        for t in slot["topics"]:
            co = f" with {', '.join(t['coconveners'])}" if t["coconveners"] else ""
            out.append(
                f"- **{t['title']}** — {t['space']}; convened by {t['convener']}{co}; "
                f"{t['interest']} interested, {t['came']} came"
            )
        out.append("")
    if not placed:
        out += ["No topic was placed on the wall.", ""]
    out += ["## Reports", ""]
    if not data["reports"]:
        out += ["No reports were written.", ""]
    for r in data["reports"]:
        out += [f"### {r['title']}", "", f"Reporter: {r['reporter']}"]
        out += [f"Took part: {', '.join(r['participants']) or 'nobody recorded'}", ""]
        for key, label in (("key_points", "Key points"), ("proposals", "Proposals"), ("next_steps", "Next steps")):
            if r[key]:
                out += [f"{label}:", "", *(f"> {line}" if line else ">" for line in r[key].split("\n")), ""]
    out += ["## Dot-vote ranking", ""]
    if not data["ranking"]:
        out += ["Dot-voting has not closed." if data["dots"] else "There was no dot-voting.", ""]
    for p in data["ranking"]:
        out.append(f"{p['rank']}. {p['title']} ({p['dots']} {'dot' if p['dots'] == 1 else 'dots'})")
    if data["ranking"]:
        out.append("")
    out += ["## Adopted priorities", ""]
    if not data["adopted"]:
        out += ["No priority has been adopted.", ""]
    for p in data["adopted"]:
        out.append(f"- {p['title']}: adopted by {', '.join(p['adopted_by'])}")
    if data["adopted"]:
        out.append("")
    return "\n".join(out)


def headings(text: str) -> set[str]:
    return {line for line in text.split("\n") if line.startswith("#")}


def fetch(server: ServerProcess, meeting: dict[str, Any], record: str, lang: str | None = None) -> str:
    query = "" if lang is None else "?" + urllib.parse.urlencode({"lang": lang})
    status, body, kind = server.get(f"/api/meetings/{meeting['id']}/{record}{query}")
    assert status == 200 and kind.startswith("text/markdown"), (record, lang, status, kind)
    return str(body.decode("utf-8"))


def record_json(server: ServerProcess, meeting: dict[str, Any], record: str) -> dict[str, Any]:
    status, body, _ = server.get(f"/api/meetings/{meeting['id']}/{record}.json")
    assert status == 200
    data = json.loads(body)
    assert isinstance(data, dict)
    return data


# --- an Open Space's proceedings -----------------------------------------------------------------------


async def an_open_space(server: ServerProcess, meeting: dict[str, Any]) -> None:
    """Counts of 0, 1 and 2 everywhere: Rota (Ana's; 2 interested, 2 came, 2 dots, adopted by Ana and
    Cy <b>), Compost (Bo's; 1 interested, 1 came, 1 dot) in the first slot, which runs; Budget (Cy <b>'s
    with Bo; nobody) in the second, which doesn't."""
    console = await console_for(server, meeting, "json")
    ana, bo, cy = [await phone_for(server, meeting, "json", n) for n in ("Ana", "Bo", "Cy <b>")]
    paced(console, ana, bo, cy)
    start = int(time.time()) + 3600
    try:
        await console.request("set_part", part="openspace")
        await console.request("set_theme", theme=THEME)
        await console.request("add_space", name="Big tree", capacity=30)
        await console.request("add_space", name="Kitchen", capacity=8)
        await console.request("add_slot", start=start, end=start + 3000)
        await console.request("add_slot", start=start + 3600, end=start + 6600)
        await ana.request("post_topic", title="Rota", description="Who cooks when")
        await bo.request("post_topic", title="Compost")
        await cy.request("post_topic", title="Budget")
        await bo.request("co_convene", topic="o3")
        for phone, topic in ((bo, "o1"), (cy, "o1"), (ana, "o2")):
            await phone.request("mark_interest", topic=topic)
        await console.request("make_schedule")
        for t in ("o1", "o2", "o3"):  # then laid out by hand, so the test knows where each is
            await console.request("move_topic", topic=t, slot="")
        await console.request("move_topic", topic="o1", slot="t1", space="s1")
        await console.request("move_topic", topic="o2", slot="t1", space="s2")
        await console.request("move_topic", topic="o3", slot="t2", space="s1")
        await console.request("start_slot", slot="t1")
        await bo.request("check_in", topic="o1")
        await cy.request("check_in", topic="o1")
        await cy.request("check_in", topic="o2")  # the Law of Two Feet
        await ana.request("write_harvest", topic="o1", key_points="Cook in pairs\nA rota on the door", next_steps="Ask")
        await bo.request("write_harvest", topic="o2", proposals="A second bin")
        await console.request("end_slot", slot="t1")
        await console.request("open_dots", dots=3)
        await ana.request("place_dots", topic="o2", dots=1)
        await bo.request("place_dots", topic="o1", dots=2)
        await console.request("close_dots")
        await ana.request("adopt_priority", topic="o1")
        await cy.request("adopt_priority", topic="o1")
    finally:
        await close_all(console, ana, bo, cy)


PROCEEDINGS = {
    "es": [
        "# Actas: Test assembly\n\nA fecha de ",
        f"**Tema:** {THEME}\n\n## El muro\n\n",
        " (se celebró)\n\n- **Rota** — Big tree; convoca Ana; 2 personas interesadas, 2 asistieron\n"
        "- **Compost** — Kitchen; convoca Bo; 1 persona interesada, 1 asistió\n",
        "- **Budget** — Big tree; convoca Cy <b> con Bo; 0 personas interesadas, 0 asistieron\n",
        "## Informes\n\n### Rota\n\nInforma: Ana\nParticiparon: Bo, Cy <b>\n\n"
        "Puntos clave:\n\n> Cook in pairs\n> A rota on the door\n\nPróximos pasos:\n\n> Ask\n",
        "### Compost\n\nInforma: Bo\nParticiparon: Cy <b>\n\nPropuestas:\n\n> A second bin\n",
        "## Clasificación por puntos\n\n1. Rota (2 puntos)\n2. Compost (1 punto)\n",
        "## Prioridades adoptadas\n\n- Rota: adoptada por Ana, Cy <b>\n",
    ],
    "fr": [
        "# Actes : Test assembly\n\nÉtat au ",
        f"**Thème :** {THEME}\n\n## Le mur\n\n",
        " (tenu)\n\n- **Rota** — Big tree ; porté par Ana ; 2 personnes intéressées, 2 présent·es\n"
        "- **Compost** — Kitchen ; porté par Bo ; 1 personne intéressée, 1 présent·e\n",
        "- **Budget** — Big tree ; porté par Cy <b> avec Bo ; 0 personne intéressée, 0 présent·e\n",
        "## Comptes rendus\n\n### Rota\n\nRapporteur·e : Ana\nOnt participé : Bo, Cy <b>\n\n"
        "Points clés :\n\n> Cook in pairs\n> A rota on the door\n\nProchaines étapes :\n\n> Ask\n",
        "Propositions :\n\n> A second bin\n",
        "## Classement par gommettes\n\n1. Rota (2 gommettes)\n2. Compost (1 gommette)\n",
        "## Priorités adoptées\n\n- Rota : adoptée par Ana, Cy <b>\n",
    ],
    "ar": [
        "# الوقائع: Test assembly\n\nحتى ",
        f"**الموضوع العام:** {THEME}\n\n## الجدار\n\n",
        " (عُقدت)\n\n- **Rota** — Big tree؛ الداعي Ana؛ مهتمان (2)، حاضران (2)\n"
        "- **Compost** — Kitchen؛ الداعي Bo؛ مهتم واحد (1)، حاضر واحد (1)\n",
        "- **Budget** — Big tree؛ الداعي Cy <b> مع Bo؛ لم يهتم أحد (0)، لم يحضر أحد (0)\n",
        "## التقارير\n\n### Rota\n\nالمقرِّر: Ana\nشارك: Bo, Cy <b>\n\n"
        "النقاط الرئيسية:\n\n> Cook in pairs\n> A rota on the door\n\nالخطوات التالية:\n\n> Ask\n",
        "المقترحات:\n\n> A second bin\n",
        "## ترتيب التصويت بالنقاط\n\n1. Rota: نقطتان (2)\n2. Compost: نقطة واحدة (1)\n",
        "## الأولويات المعتمدة\n\n- Rota: اعتمدها Ana, Cy <b>\n",
    ],
}
# What the proceedings word themselves in English: none of it may be left in another language.
ENGLISH_PROCEEDINGS = [
    "Proceedings:",
    "As of",
    "Theme:",
    "The wall",
    "(ran)",
    "convened by",
    " with ",
    "interested",
    " came",
    "Reports",
    "Reporter:",
    "Took part:",
    "Key points:",
    "Proposals:",
    "Next steps:",
    "Dot-vote",
    " dots)",
    " dot)",
    "Adopted priorities",
    "adopted by",
]


async def test_proceedings_md_comes_in_the_language_asked(server: ServerProcess, meeting: dict[str, Any]) -> None:
    # Before any Open Space: the one line it has, worded too.
    assert "\nEsta reunión no tiene Open Space.\n" in fetch(server, meeting, "proceedings.md", "es")
    assert "\nThis meeting has no Open Space.\n" in fetch(server, meeting, "proceedings.md")

    await an_open_space(server, meeting)
    data = record_json(server, meeting, "proceedings")
    t1, t2 = data["wall"]
    assert [(t["title"], t["interest"], t["came"]) for t in t1["topics"]] == [("Rota", 2, 2), ("Compost", 1, 1)]
    assert [(p["title"], p["dots"]) for p in data["ranking"]] == [("Rota", 2), ("Compost", 1)]

    # English: without lang, with lang=en and with a language we don't have, as it was, byte for byte.
    english = fetch(server, meeting, "proceedings.md")
    assert english == markdown_before(data)
    assert fetch(server, meeting, "proceedings.md", "en") == english
    assert fetch(server, meeting, "proceedings.md", "xx") == english
    assert fetch(server, meeting, "proceedings.md", "") == english
    assert "- **Rota** — Big tree; convened by Ana; 2 interested, 2 came\n" in english
    assert "1. Rota (2 dots)\n" in english

    # The slot that never ran reads the same in every language: its heading is only its times.
    unrun = f"### {t2['start']} – {t2['end']}"
    for lang, expected in PROCEEDINGS.items():
        text = fetch(server, meeting, "proceedings.md", lang)
        for words in expected:
            assert words in text, (lang, words)
        assert f"### {t1['start']} – {t1['end']} (" in text, lang
        left = headings(english) & headings(text)
        assert left == {"### Rota", "### Compost", unrun}, (lang, sorted(left))
        leftover = [w for w in ENGLISH_PROCEEDINGS if w in text]
        assert not leftover, (lang, leftover)
    # A regional tag is its language.
    assert fetch(server, meeting, "proceedings.md", "es-MX") == fetch(server, meeting, "proceedings.md", "es")


@pytest.mark.parametrize("lang", ["de", "pt"])
def test_german_and_portuguese_proceedings_are_worded_too(lang: str) -> None:
    data = proceedings.proceedings(whole_meeting().state)
    text = proceedings.markdown(data, lang)
    w = i18n.words(lang, "proceedings")
    for key in ("proceedings.wall", "proceedings.reports", "proceedings.ranking", "proceedings.adopted"):
        assert f"\n## {w(key)}\n" in text, key
    assert f"\n1. {w('proceedings.md.ranked', title='Rota', count=2)}\n" in text
    english = proceedings.markdown(data)
    assert headings(english) & headings(text) == {"### Rota", "### Compost"}
    assert not [words for words in ENGLISH_PROCEEDINGS if words in text], lang


# --- a World Café's harvest ----------------------------------------------------------------------------


STARS = (("Bo", IDEAS[0]), ("Cy", IDEAS[0]), ("Di", IDEAS[1]))


async def a_harvest(
    server: ServerProcess,
    meeting: dict[str, Any],
    ideas: tuple[str, ...] = IDEAS,
    stars: tuple[tuple[str, str], ...] = STARS,
) -> None:
    """A café of four at Oak (host Ana) and Elm, one round; Ana writes ``ideas`` at Oak, starred as
    ``stars`` says (who, which idea; by default the first by Bo and Cy, the second by Di); the harvest
    closed."""
    console = await console_for(server, meeting, "json")
    phones = {n: await phone_for(server, meeting, "json", n) for n in ("Ana", "Bo", "Cy", "Di")}
    try:
        await console.wait_view("facilitator", lambda v: v["present"] == 4, timeout=T)
        await console.request("set_part", part="cafe")
        await console.request("cafe_setup", table_size=3, rounds=1, minutes=5, question="What matters?")
        await console.request("add_tables", count=2, names=["Oak", "Elm"])
        await console.request("appoint_host", participant=phones["Ana"].pid, table="c1")  # type: ignore[attr-defined]
        await console.request("seat_cafe")
        await seated(phones["Ana"], 1)
        await console.request("start_round")
        await phones["Ana"].wait_view("room", lambda v: v["room"] == "c1", timeout=T)
        for idea in ideas:
            await phones["Ana"].request("add_note", text=idea)
        room = await phones["Ana"].wait_view("room", lambda v: len(v["notes"]) == len(ideas), timeout=T)
        notes = {n["text"]: n["note"] for n in room["notes"]}
        await console.request("end_round")
        await console.request("open_harvest")
        for name, idea in stars:
            await phones[name].request("star_note", note=notes[idea])
            await phones[name].wait_view("me", lambda v: bool(v["cafe"]["stars"]), timeout=T)
        await console.request("close_harvest")
    finally:
        for client in (console, *phones.values()):
            await client.close()


HARVEST = {
    "es": [
        "# Test assembly: cosecha del World Café\n\nDistribución: ",
        "### Ronda 1\n\nPregunta: What matters?\n\n- Mesa 1 — Oak: Ana, ",
        "- Mesa 2 — Elm: ",
        "### Mesa 1 — Oak\n\nAnfitrión/a: Ana\n\nIdeas clave (★ las más fuertes):\n"
        f"- {IDEAS[0]} (ronda 1, Ana, 2 estrellas)\n- {IDEAS[1]} (ronda 1, Ana, 1 estrella)\n",
        "### La cosecha: las ideas con más estrellas\n\n"
        f"1. {IDEAS[0]} (mesa 1 — Oak; 2 estrellas)\n2. {IDEAS[1]} (mesa 1 — Oak; 1 estrella)\n",
    ],
    "ar": [
        "# Test assembly: حصاد المقهى العالمي\n\nالجلوس: ",
        "### الجولة 1\n\nالسؤال: What matters?\n\n- الطاولة 1 — Oak: Ana, ",
        "- الطاولة 2 — Elm: ",
        "### الطاولة 1 — Oak\n\nالمضيف: Ana\n\nالأفكار الرئيسية (★ الأقوى):\n"
        f"- {IDEAS[0]} (الجولة 1، Ana، نجمتان (2))\n- {IDEAS[1]} (الجولة 1، Ana، نجمة واحدة (1))\n",
        "### الحصاد: الأفكار الأكثر نجومًا\n\n"
        f"1. {IDEAS[0]} (الطاولة 1 — Oak؛ نجمتان (2))\n2. {IDEAS[1]} (الطاولة 1 — Oak؛ نجمة واحدة (1))\n",
    ],
}
ENGLISH_HARVEST = [
    "World Café harvest",
    "Seating:",
    "repeated pair",
    "Round 1",
    "Question:",
    "Table ",
    "table 1",
    "Host:",
    "Key ideas",
    "the strongest",
    "(round 1,",
    " stars)",
    " star)",
    "The harvest",
]


async def test_harvest_md_comes_in_the_language_asked(server: ServerProcess, meeting: dict[str, Any]) -> None:
    assert fetch(server, meeting, "harvest.md", "ar").endswith("\n\nلم يُعقد مقهى عالمي في هذا الاجتماع.\n")
    assert fetch(server, meeting, "harvest.md").endswith("\n\nNo World Café was held in this meeting.\n")

    await a_harvest(server, meeting)
    data = record_json(server, meeting, "harvest")
    assert [(i["text"], i["stars"]) for i in data["cafe"]["harvest"]["ranking"]] == [(IDEAS[0], 2), (IDEAS[1], 1)]

    english = fetch(server, meeting, "harvest.md")
    assert english == harvest_markdown(data)  # the function the endpoint serves, without a language
    for line in (  # the English as harvest.md wrote it before it took a language
        "### Round 1\n\nQuestion: What matters?\n\n- Table 1 — Oak: Ana, ",
        "- Table 2 — Elm: ",
        "### Table 1 — Oak\n\nHost: Ana\n\nKey ideas (★ the strongest):\n"
        f"- {IDEAS[0]} (round 1, Ana, 2 stars)\n- {IDEAS[1]} (round 1, Ana, 1 star)\n",
        "### The harvest: the most starred ideas\n\n",
    ):
        assert line in english, (line, english)
    assert fetch(server, meeting, "harvest.md", "en") == english
    assert fetch(server, meeting, "harvest.md", "xx") == english
    assert english.startswith("# Test assembly: World Café harvest\n\nSeating: ")
    assert f"1. {IDEAS[0]} (table 1 — Oak; 2 stars)\n2. {IDEAS[1]} (table 1 — Oak; 1 star)\n" in english

    for lang, expected in HARVEST.items():
        text = fetch(server, meeting, "harvest.md", lang)
        for words in expected:
            assert words in text, (lang, words)
        assert not headings(english) & headings(text), (lang, sorted(headings(english) & headings(text)))
        leftover = [w for w in ENGLISH_HARVEST if w in text]
        assert not leftover, (lang, leftover)


# --- plurals -------------------------------------------------------------------------------------------

PLURALS = {
    "proceedings.md.ranked": {
        "en": {2: "Rota (2 dots)"},
        "es": {1: "Rota (1 punto)", 2: "Rota (2 puntos)", 1_000_000: "Rota (1000000 de puntos)"},
        "fr": {0: "Rota (0 gommette)", 1: "Rota (1 gommette)", 2: "Rota (2 gommettes)"},
        "de": {1: "Rota (1 Punkt)", 2: "Rota (2 Punkte)"},
        "pt": {1: "Rota (1 ponto)", 2: "Rota (2 pontos)"},
        "ar": {1: "Rota: نقطة واحدة (1)", 2: "Rota: نقطتان (2)", 3: "Rota: 3 نقاط", 11: "Rota: 11 نقطة"},
    },
    "proceedings.md.interested": {
        "en": {1: "1 interested", 2: "2 interested"},
        "es": {1: "1 persona interesada", 2: "2 personas interesadas"},
        "fr": {1: "1 personne intéressée", 2: "2 personnes intéressées"},
        "de": {1: "1 Person interessiert", 2: "2 Personen interessiert"},
        "pt": {1: "1 pessoa interessada", 2: "2 pessoas interessadas"},
        "ar": {
            0: "لم يهتم أحد (0)",
            1: "مهتم واحد (1)",
            2: "مهتمان (2)",
            5: "5 مهتمين",
            20: "20 مهتمًا",
            100: "100 مهتم",
        },
    },
    "proceedings.md.came": {
        "en": {1: "1 came", 2: "2 came"},
        "es": {1: "1 asistió", 2: "2 asistieron"},
        "fr": {1: "1 présent·e", 2: "2 présent·es"},
        "de": {1: "1 kam", 2: "2 kamen"},
        "pt": {1: "1 compareceu", 2: "2 compareceram"},
        "ar": {0: "لم يحضر أحد (0)", 1: "حاضر واحد (1)", 2: "حاضران (2)", 5: "5 حاضرين", 20: "20 حاضرًا"},
    },
}


@pytest.mark.parametrize(("key", "lang"), [(key, lang) for key in PLURALS for lang in i18n.LANGUAGES])
def test_the_proceedings_counts_follow_each_languages_plurals(key: str, lang: str) -> None:
    words = i18n.words(lang, "proceedings")
    for count, expected in PLURALS[key][lang].items():
        assert words(key, title="Rota", count=count) == expected, (lang, count)
