"""The features' sections of the minutes in the reader's language (issue #15).

``minutes.md?lang=es`` words the general assembly's sections and, through ``Feature.markdown(data, w)``,
each feature's own: breakout rooms, Open Space, World Café and interpretation, from
``clients/i18n/minutes-<feature>/``, with CLDR plurals for counts ("1 dot", "2 dots").  Names, topics,
notes, reports and questions stay exactly as written; English reads as it did before.
"""

from __future__ import annotations

import functools
import re
import urllib.request
from typing import Any

import pytest

import server.features  # noqa: F401  (registers every feature, as the server does)
from server import i18n
from server import minutes as mn
from server.audio import core as ac
from server.cafe import core as cc
from server.cafe import views as cv
from server.cafe.minutes import harvest, harvest_markdown
from server.core import meeting as m
from server.core import registry
from server.openspace import core as oc
from server.openspace import views as ov
from server.rooms import core as rc
from server.stack import core as sk
from tests.conftest import ServerProcess
from tests.test_rooms import FACILITATOR, KEY, Breakout, scene
from tests.test_rooms_socket import phone_for
from tests.test_stack_socket import console_for

T0 = 1_800_000_000  # the Open Space slot's clock time
NOTE = "Ask about childcare {name}"  # a participant's words that look like a parameter: kept as written


def booth(channel: str, name: str = "") -> m.Actor:
    return m.Actor(m.Role.INTERPRETER, channel=channel, name=name)


@functools.cache
def whole_meeting() -> Breakout:
    """One meeting with every feature that words a section of the minutes:

    - breakouts (tests.test_rooms.scene): Garden (ana, ben; ana reports), Kitchen (cy, no report),
      Attic closed; an interpretation channel in Garden, removed later;
    - an Open Space: Rota (2 came, 2 dots, adopted by cy) and Compost (1 came, 1 dot, not adopted);
    - a World Café: tables Oak (host ana) and Elm (host dee), one round; an idea with 2 stars, one with 1;
    - interpretation: Español, Ana live, handover to Ben, Ben stops.
    """
    room = scene()
    room.by("ana", rc.AddNote(NOTE))
    room.raise_hand("ben")
    room.by("ana", sk.NextSpeaker())
    room.by("ana", rc.WriteReport("A strike fund\n\nA newsletter"))
    (added,) = room.do(ac.AddChannel("English", "en", "b1-1"), FACILITATOR, key=KEY)
    garden_channel = added.channel
    room.facilitate(rc.EndBreakouts())

    room.facilitate(oc.SetPart("openspace"))
    room.facilitate(oc.SetTheme("How do we run the co-op kitchen?"))
    room.facilitate(oc.AddSpace("Big tree", 30))
    room.facilitate(oc.AddSpace("Hall", 12))
    room.facilitate(oc.AddSlot(T0, T0 + 3000))
    room.by("ana", oc.PostTopic("Rota", "Who cooks when"))
    room.by("ben", oc.PostTopic("Compost"))
    topics = {t.title: t.id for t in ov.openspace_of(room.state).topics.values()}
    rota, compost = topics["Rota"], topics["Compost"]
    room.by("cy", oc.MarkInterest(rota))
    room.do(oc.MakeSchedule(), FACILITATOR, seed=1)
    room.facilitate(oc.StartSlot("t1"))
    room.by("ben", oc.CheckIn(rota))
    room.by("cy", oc.CheckIn(rota))
    room.by("dee", oc.CheckIn(compost))
    room.by("ana", oc.WriteHarvest(rota, key_points="Cook in pairs", next_steps="Ask the council"))
    room.by("ben", oc.WriteHarvest(compost, proposals="A heap by the shed"))
    room.facilitate(oc.EndSlot("t1"))
    room.facilitate(oc.OpenDots(3))
    room.by("ben", oc.PlaceDots(rota, 2))
    room.by("cy", oc.PlaceDots(compost, 1))
    room.facilitate(oc.CloseDots())
    room.by("cy", oc.AdoptPriority(rota))

    here = frozenset(p.id for p in room.state.participants.values() if not p.removed)
    room.facilitate(oc.SetPart("cafe"))
    room.facilitate(cc.SetUpCafe(rounds=1, table_size=3, question="What would make this street kinder?"))
    room.do(cc.AddTables(2, ("Oak", "Elm")), FACILITATOR, key=KEY)
    room.facilitate(cc.AppointHost("ana", "c1"))
    room.facilitate(cc.AppointHost("dee", "c2"))
    room.do(cc.SeatCafe(), FACILITATOR, present=here, seed=5)
    room.do(cc.StartRound(), FACILITATOR, present=here, seed=1)
    seats = cv.cafe_of(room.state).seats(1)
    guest = next(p for p, table in seats.items() if table == "c1" and p != "ana")
    (parties,) = room.by(guest, rc.AddNote("Street parties"))
    (benches,) = room.by("ana", rc.AddNote("Benches"))
    room.by("ana", cc.MarkNote(parties.note_id))
    room.by("ana", cc.WriteSummary("Parties.\nBenches."))
    room.facilitate(cc.EndRound())
    room.facilitate(cc.OpenHarvest())
    room.by("ben", cc.StarNote(parties.note_id))
    room.by("cy", cc.StarNote(parties.note_id))
    room.by("dee", cc.StarNote(benches.note_id))
    room.facilitate(cc.CloseHarvest())

    (added,) = room.do(ac.AddChannel("Español", "es"), FACILITATOR, key=KEY)
    channel = added.channel
    room.do(ac.BoothJoin("Ana"), booth(channel))
    room.do(ac.BoothJoin("Ben"), booth(channel))
    room.do(ac.GoLive(), booth(channel, "Ana"))
    room.do(ac.OfferHandover(), booth(channel, "Ana"))
    room.do(ac.TakeOver(), booth(channel, "Ben"))
    room.do(ac.GoOff(), booth(channel, "Ben"))
    room.do(ac.RemoveChannel(garden_channel), FACILITATOR, key=KEY)
    return room


def record() -> dict[str, Any]:
    return mn.minutes(whole_meeting().state)


def guest() -> str:
    seats = cv.cafe_of(whole_meeting().state).seats(1)
    return next(p for p, table in seats.items() if table == "c1" and p != "ana")


# --- English, as it was ------------------------------------------------------------------------------


def test_the_meeting_has_every_featured_section() -> None:
    data = record()
    assert {f.name for f in registry.features() if f.markdown is not None} <= set(data)
    assert all(data[name] for name in ("rooms", "openspace", "cafe", "audio"))
    assert [f.words for f in registry.features() if f.markdown is not None] == [
        (f"minutes-{f.name}",) for f in registry.features() if f.markdown is not None
    ]


def test_english_reads_as_before() -> None:
    text = mn.markdown(record())
    assert text == mn.markdown(record(), "en") == mn.markdown(record(), "xx")
    expected = [
        # breakout rooms
        "## Breakout round 1\n\nQuestion: What first?\n\n### Garden\n\nIn the room: ana, ben\nRapporteur: ana\n",
        "Speakers:\n- ",
        f"Notes:\n- {NOTE} (ana)\n",
        "Report:\n\n> A strike fund\n>\n> A newsletter\n",
        "### Kitchen\n\nIn the room: cy\n\nReport:\n\n(no report)\n",
        "### Attic\n\nIn the room: nobody\n",
        # Open Space
        "## Open Space\n\nTheme: How do we run the co-op kitchen?\n\n### Slot t1\n",
        "- Rota (Big tree; convener ana; 2 came)",
        "- Compost (Hall; convener ben; 1 came)",
        "### Report: Rota\n\nReporter: ana\nTook part: ben, cy\n\n"
        "Key points:\n\n> Cook in pairs\n\nNext steps:\n\n> Ask the council\n",
        "### Report: Compost\n\nReporter: ben\nTook part: dee\n\nProposals:\n\n> A heap by the shed\n",
        "### Priorities\n\n1. Rota (2 dots; adopted by cy)\n2. Compost (1 dot; not adopted yet)\n",
        # World Café
        "## World Café\n\nSeating: ",
        " repeated pair",
        "(a random shuffle gives ",
        "### Round 1\n\nQuestion: What would make this street kinder?\n\n- Table 1 — Oak: ana, ",
        "### Table 1 — Oak\n\nHost: ana\n\nKey ideas (★ the strongest):\n",
        f"- ★ Street parties (round 1, {guest()}, 2 stars)\n- Benches (round 1, ana, 1 star)\n",
        "Host's summary:\n\n> Parties.\n> Benches.\n",
        "### Table 2 — Elm\n\nHost: dee\n",
        "### The harvest: the most starred ideas\n\n1. Street parties (table 1 — Oak; 2 stars)\n"
        "2. Benches (table 1 — Oak; 1 star)\n",
        # interpretation
        "## Interpretation\n\n### English (en, in room b1-1) (removed)\n\nInterpreters: none\n",
        "### Español (es)\n\nInterpreters: Ana, Ben\n\nLive voice:\n- ",
        " Ana went live\n- ",
        " handover: Ana → Ben\n- ",
        " Ben stopped; the channel was silent\n",
        "\n## Who spoke\n",
    ]
    for words in expected:
        assert words in text, words


def test_the_harvest_in_markdown_is_english_as_before_and_takes_a_language() -> None:
    data = harvest(whole_meeting().state)
    english = harvest_markdown(data)
    assert english.startswith("# GA: World Café harvest\n\nSeating: ")
    assert "## World Café" not in english and "### Round 1" in english
    spanish = harvest_markdown(data, "es")
    assert spanish.startswith("# GA: cosecha del World Café\n\nDistribución: ")
    assert "1. Street parties (mesa 1 — Oak; 2 estrellas)" in spanish
    none = {"meeting": "m", "title": "GA", "cafe": None}
    assert harvest_markdown(none) == "# GA: World Café harvest\n\nNo World Café was held in this meeting.\n"
    assert harvest_markdown(none, "ar") == "# GA: حصاد المقهى العالمي\n\nلم يُعقد مقهى عالمي في هذا الاجتماع.\n"


# --- other languages ---------------------------------------------------------------------------------

EXPECTED = {
    "es": [
        "## Ronda de salas de grupo 1\n\nPregunta: What first?\n\n### Garden\n\nEn la sala: ana, ben\nRelator/a: ana\n",
        "Intervenciones:\n- ",
        f"Notas:\n- {NOTE} (ana)\n",
        "Informe:\n\n> A strike fund\n>\n> A newsletter\n",
        "### Kitchen\n\nEn la sala: cy\n\nInforme:\n\n(sin informe)\n",
        "### Attic\n\nEn la sala: nadie\n",
        "## Espacio Abierto\n\nTema: How do we run the co-op kitchen?\n\n### Franja t1\n",
        "- Rota (Big tree; convoca ana; 2 asistentes)",
        "- Compost (Hall; convoca ben; 1 asistente)",
        "### Informe: Rota\n\nInforma: ana\nParticiparon: ben, cy\n\nPuntos clave:\n\n> Cook in pairs\n\n"
        "Próximos pasos:\n\n> Ask the council\n",
        "Propuestas:\n\n> A heap by the shed\n",
        "### Prioridades\n\n1. Rota (2 puntos; adoptada por cy)\n2. Compost (1 punto; aún sin adoptar)\n",
        "## World Café\n\nDistribución: ",
        "### Ronda 1\n\nPregunta: What would make this street kinder?\n\n- Mesa 1 — Oak: ana, ",
        "### Mesa 1 — Oak\n\nAnfitrión/a: ana\n\nIdeas clave (★ las más fuertes):\n",
        "- ★ Street parties (ronda 1, {guest}, 2 estrellas)\n- Benches (ronda 1, ana, 1 estrella)\n",
        "Resumen de quien anfitriona:\n\n> Parties.\n> Benches.\n",
        "### La cosecha: las ideas con más estrellas\n\n1. Street parties (mesa 1 — Oak; 2 estrellas)\n"
        "2. Benches (mesa 1 — Oak; 1 estrella)\n",
        "## Interpretación\n\n### English (en, en la sala b1-1) (eliminado)\n\nIntérpretes: ninguno\n",
        "### Español (es)\n\nIntérpretes: Ana, Ben\n\nVoz en directo:\n- ",
        " Ana entró en directo\n- ",
        " relevo: Ana → Ben\n- ",
        " Ben se detuvo; el canal quedó en silencio\n",
        "\n## Quién habló\n",
    ],
    "fr": [
        "## Salles en petits groupes, tour 1\n\nQuestion : What first?\n\n### Garden\n\nDans la salle : ana, ben\n"
        "Rapporteur·e : ana\n",
        f"Notes :\n- {NOTE} (ana)\n",
        "Compte rendu :\n\n> A strike fund\n",
        "(pas de compte rendu)",
        "## Forum ouvert\n\nThème : How do we run the co-op kitchen?\n\n### Créneau t1\n",
        "- Rota (Big tree ; porté par ana ; 2 présent·es)",
        "- Compost (Hall ; porté par ben ; 1 présent·e)",
        "### Priorités\n\n1. Rota (2 gommettes ; adoptée par cy)\n2. Compost (1 gommette ; pas encore adoptée)\n",
        "## World Café\n\nPlacement : ",
        "### Tour 1\n\nQuestion : What would make this street kinder?\n",
        "- ★ Street parties (tour 1, {guest}, 2 étoiles)\n- Benches (tour 1, ana, 1 étoile)\n",
        "1. Street parties (table 1 — Oak ; 2 étoiles)\n2. Benches (table 1 — Oak ; 1 étoile)\n",
        "## Interprétation\n\n### English (en, dans la salle b1-1) (supprimé)\n\nInterprètes : aucun·e\n",
        " relève : Ana → Ben\n",
    ],
    "ar": [
        "## جولة غرف المجموعات 1\n\nالسؤال: What first?\n\n### Garden\n\nفي الغرفة: ana, ben\nالمقرر: ana\n",
        f"ملاحظات:\n- {NOTE} (ana)\n",
        "التقرير:\n\n> A strike fund\n",
        "(لا تقرير)",
        "## المساحة المفتوحة\n\nالموضوع العام: How do we run the co-op kitchen?\n\n### الفترة t1\n",
        "- Rota (Big tree؛ الداعي ana؛ حاضران (2))",
        "- Compost (Hall؛ الداعي ben؛ حاضر واحد (1))",
        "### الأولويات\n\n1. Rota (نقطتان (2)؛ اعتمدها cy)\n2. Compost (نقطة واحدة (1)؛ لم تُعتمد بعد)\n",
        "## المقهى العالمي\n\nالجلوس: ",
        "### الجولة 1\n\nالسؤال: What would make this street kinder?\n\n- الطاولة 1 — Oak: ana, ",
        "- ★ Street parties (الجولة 1، {guest}، نجمتان (2))\n- Benches (الجولة 1، ana، نجمة واحدة (1))\n",
        "### الحصاد: الأفكار الأكثر نجومًا\n\n1. Street parties (الطاولة 1 — Oak؛ نجمتان (2))\n",
        "## الترجمة الفورية\n\n### English (en، في الغرفة b1-1) (أُزيلت)\n\nالمترجمون الفوريون: لا أحد\n",
        " تسليم: من Ana إلى Ben\n",
        "\n## من تحدّث\n",
    ],
}
# Headings that read the same in English: names as written, and "World Café", which French and
# Spanish assemblies call by its English name (as the café's own pages do).
SAME = {
    "es": {"### Garden", "### Kitchen", "### Attic", "### Español (es)", "## World Café"},
    "fr": {
        "### Garden",
        "### Kitchen",
        "### Attic",
        "### Español (es)",
        "## World Café",
        "### Table 1 — Oak",
        "### Table 2 — Elm",
    },
    "ar": {"### Garden", "### Kitchen", "### Attic", "### Español (es)"},
}


def headings(text: str) -> set[str]:
    return {line for line in text.split("\n") if line.startswith("#")}


@pytest.mark.parametrize("lang", sorted(EXPECTED))
def test_the_features_sections_in_another_language(lang: str) -> None:
    data = record()
    text = mn.markdown(data, lang)
    for words in EXPECTED[lang]:
        words = words.replace("{guest}", guest())
        assert words in text, (lang, words)
    english = mn.markdown(data)
    left = headings(english) & headings(text)
    assert left <= SAME[lang], sorted(left - SAME[lang])
    # Nothing of ours left in English in the features' sections: each English line of ours differs.
    ours = [
        "Question: ",
        "In the room: ",
        "Rapporteur: ",
        "Speakers:",
        "Notes:",
        "Report:",
        "(no report)",
        "Theme: ",
        "Slot ",
        "convener",
        " came)",
        "Reporter: ",
        "Took part: ",
        "Key points:",
        "Next steps:",
        "Proposals:",
        "Priorities",
        " dots;",
        " dot;",
        "adopted by",
        "not adopted yet",
        "Seating: ",
        "repeated pair",
        "Host: ",
        "Key ideas",
        "round 1,",
        " stars)",
        " star)",
        "Host's summary:",
        "The harvest",
        "Interpretation",
        "in room",
        "(removed)",
        "Interpreters: ",
        "none",
        "Live voice:",
        "went live",
        "handover:",
        "stopped;",
    ]
    leftover = [w for w in ours if w in text]
    assert not leftover, (lang, leftover)


@pytest.mark.parametrize("lang", ["de", "pt"])
def test_german_and_portuguese_word_every_section_too(lang: str) -> None:
    text = mn.markdown(record(), lang)
    words = i18n.words(lang, "minutes-rooms", "minutes-openspace", "minutes-cafe", "minutes-audio")
    for key, params in [
        ("minutes.rooms.round", {"number": 1}),
        ("minutes.openspace.heading", {}),
        ("minutes.openspace.priorities", {}),
        ("minutes.cafe.harvest", {}),
        ("minutes.audio.heading", {}),
    ]:
        assert f"## {words(key, params)}" in text or f"### {words(key, params)}" in text, key
    assert words("minutes.openspace.dots", count=2) in text and words("minutes.cafe.stars", count=1) in text
    assert "## Breakout round" not in text and "## Interpretation" not in text


# --- plurals -----------------------------------------------------------------------------------------

PLURALS = {
    # namespace, key: {lang: {count: words}}
    ("minutes-openspace", "minutes.openspace.dots"): {
        "en": {1: "1 dot", 2: "2 dots", 0: "0 dots"},
        "es": {1: "1 punto", 2: "2 puntos", 1_000_000: "1000000 de puntos"},
        "fr": {0: "0 gommette", 1: "1 gommette", 2: "2 gommettes"},
        "de": {1: "1 Punkt", 2: "2 Punkte"},
        "pt": {1: "1 ponto", 2: "2 pontos"},
        "ar": {0: "0 نقطة", 1: "نقطة واحدة (1)", 2: "نقطتان (2)", 3: "3 نقاط", 11: "11 نقطة", 100: "100 نقطة"},
    },
    ("minutes-openspace", "minutes.openspace.came"): {
        "en": {1: "1 came", 2: "2 came"},
        "es": {1: "1 asistente", 2: "2 asistentes"},
        "fr": {1: "1 présent·e", 2: "2 présent·es"},
        "de": {1: "1 Person kam", 2: "2 Personen kamen"},
        "pt": {1: "1 presente", 2: "2 presentes"},
        "ar": {0: "لم يحضر أحد (0)", 1: "حاضر واحد (1)", 2: "حاضران (2)", 5: "5 حاضرين", 20: "20 حاضرًا"},
    },
    ("minutes-cafe", "minutes.cafe.stars"): {
        "en": {1: "1 star", 2: "2 stars"},
        "es": {1: "1 estrella", 2: "2 estrellas"},
        "fr": {1: "1 étoile", 2: "2 étoiles"},
        "de": {1: "1 Stern", 2: "2 Sterne"},
        "pt": {1: "1 estrela", 2: "2 estrelas"},
        "ar": {1: "نجمة واحدة (1)", 2: "نجمتان (2)", 3: "3 نجمات"},
    },
}


@pytest.mark.parametrize(("where", "lang"), [(where, lang) for where in PLURALS for lang in i18n.LANGUAGES])
def test_counts_in_the_features_sections_follow_each_languages_plurals(where: tuple[str, str], lang: str) -> None:
    namespace, key = where
    words = i18n.words(lang, namespace)
    for count, expected in PLURALS[where][lang].items():
        assert words(key, count=count) == expected, (lang, count)


def test_the_seating_line_is_a_plural_in_every_language() -> None:
    for lang in i18n.LANGUAGES:
        words = i18n.words(lang, "minutes-cafe")
        one, two = (words("minutes.cafe.seating", count=n, mean="3.2", bound=0) for n in (1, 2))
        assert one != two and "1" in one and "2" in two and "3.2" in one, lang
    english = i18n.words("en", "minutes-cafe")
    assert english("minutes.cafe.seating", count=1, mean="3.2", bound=0).startswith("Seating: 1 repeated pair (")


# --- over HTTP ---------------------------------------------------------------------------------------


async def test_minutes_md_words_the_breakouts_and_interpretation_in_the_language_asked(
    server: ServerProcess, meeting: dict[str, Any]
) -> None:
    console = await console_for(server, meeting, "json")
    phones = [await phone_for(server, meeting, "json", name) for name in ("Amal", "Bruno")]
    try:
        await console.request("start_breakouts", rooms=2, question="What should we do about the empty lot?")
        await console.wait_view("facilitator", lambda v: bool(v["rooms"]["current"]))
        await console.request("add_channel", name="Español", language="es")
        await console.request("end_breakouts")
        await console.wait_view("facilitator", lambda v: v["rooms"]["current"]["ended"])
    finally:
        for client in (console, *phones):
            await client.close()

    def get(query: str) -> str:
        url = f"{server.http}/api/meetings/{meeting['id']}/minutes.md{query}"
        with urllib.request.urlopen(url, timeout=10) as response:
            return str(response.read().decode())

    english = get("")
    assert "## Breakout round 1" in english and "Question: What should we do about the empty lot?" in english
    assert "## Interpretation" in english and "### Español (es)" in english and "Interpreters: none" in english
    spanish = get("?lang=es")
    assert "## Ronda de salas de grupo 1" in spanish and "Pregunta: What should we do about the empty lot?" in spanish
    assert "## Interpretación" in spanish and "Intérpretes: ninguno" in spanish
    assert re.search(r"En la sala: (Amal|Bruno|nadie)", spanish)
    arabic = get("?lang=ar")
    assert "## جولة غرف المجموعات 1" in arabic and "## الترجمة الفورية" in arabic
    french = get("?lang=fr")
    assert "## Salles en petits groupes, tour 1" in french and "## Interprétation" in french
    for text in (spanish, arabic, french):
        assert "## Breakout round" not in text and "## Interpretation" not in text
