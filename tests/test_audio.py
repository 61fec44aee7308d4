"""Interpretation through the pure core (channels, booths, handovers, captions, minutes) and the
media routing Plaza computes from the meeting (who hears what, whose microphone goes where)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

import server.features  # noqa: F401  (registers every feature, as the server does)
from server import minutes as mn
from server.audio import core as ac
from server.audio import feature as af
from server.core import meeting as m
from server.core import views
from server.core.errors import Rejection
from server.hub.media import Wishes, _check_sdp, label, plan_for
from server.rooms import core as rc
from server.stack import core as sk
from tests.test_stack import Room

FACILITATOR = m.Actor(m.Role.FACILITATOR)
KEY = "facilitator-secret"


def booth(channel: str, name: str = "") -> m.Actor:
    return m.Actor(m.Role.INTERPRETER, channel=channel, name=name)


class Assembly(Room):
    def add(self, name: str, language: str, room: str = "") -> str:
        (ev,) = self.do(ac.AddChannel(name, language, room), FACILITATOR, key=KEY)
        return str(ev.channel)

    def join_booth(self, channel: str, name: str) -> None:
        self.do(ac.BoothJoin(name), booth(channel))

    def channel(self, cid: str) -> ac.Channel:
        return af.of(self.state).channels[cid]

    def refused(self, command: Any, actor: m.Actor, code: str) -> None:
        before = self.state
        with pytest.raises(Rejection) as err:
            self.do(command, actor, key=KEY)
        assert err.value.code == code, err.value
        assert self.state is before  # a refusal changes nothing


def test_channels_keep_digests_of_their_links_never_the_keys() -> None:
    a = Assembly("Ana")
    ch = a.add("Español", "es")
    c = a.channel(ch)
    assert (c.name, c.language, c.room) == ("Español", "es", "")
    assert c.interpreter_digest == ac.digest(ac.link_key(KEY, ch, "interpreter"))
    assert c.captioner_digest == ac.digest(ac.link_key(KEY, ch, "captioner"))
    assert c.interpreter_digest != c.captioner_digest
    log = str([ev.to_dict() for ev in m.decide(a.state, ac.AddChannel("English", "en"), FACILITATOR, _inputs())])
    assert ac.link_key(KEY, "ch2", "interpreter") not in log


def _inputs() -> Any:
    from server.core.inputs import Inputs

    return Inputs(now=1.0, key=KEY)


@pytest.mark.parametrize(
    ("command", "actor", "code"),
    [
        (ac.AddChannel("Español", "es"), FACILITATOR, "name_taken"),
        (ac.AddChannel("Deutsch", "not a language"), FACILITATOR, "bad_field"),
        (ac.AddChannel("Deutsch", "de", "b9-9"), FACILITATOR, "unknown_room"),
        (ac.AddChannel("Deutsch", "de"), m.Actor(m.Role.PHONE, participant_id="Ana"), "not_allowed"),
        (ac.RemoveChannel("ch9"), FACILITATOR, "unknown_channel"),
        (ac.SetScreenCaptions("ch9"), FACILITATOR, "unknown_channel"),
        (ac.GoLive(), booth("ch1"), "booth_join_first"),
        (ac.GoLive(), m.Actor(m.Role.PHONE, participant_id="Ana"), "not_allowed"),
        (ac.Caption("hola"), m.Actor(m.Role.PHONE, participant_id="Ana"), "not_allowed"),
        (ac.Caption("   "), m.Actor(m.Role.CAPTIONER, channel="ch1"), "bad_field"),
        (ac.Caption("x" * 301), m.Actor(m.Role.CAPTIONER, channel="ch1"), "bad_field"),
        (ac.Caption("hola"), m.Actor(m.Role.CAPTIONER, channel="ch9"), "unknown_channel"),
        (ac.BoothJoin(""), booth("ch1"), "bad_field"),
        (ac.OfferHandover(), booth("ch1", "Ana"), "booth_join_first"),
    ],
)
def test_refusals_have_codes_and_change_nothing(command: Any, actor: m.Actor, code: str) -> None:
    a = Assembly("Ana")
    a.add("Español", "es")
    a.refused(command, actor, code)


def test_a_handover_changes_the_live_voice_in_one_event_never_two_voices() -> None:
    a = Assembly()
    ch = a.add("Español", "es")
    a.join_booth(ch, "Ana")
    a.join_booth(ch, "ben")
    a.join_booth(ch, "Ben ")  # the same name again: resumes, no second interpreter
    assert a.channel(ch).interpreters == ("Ana", "ben")
    a.do(ac.GoLive(), booth(ch, "Ana"))
    assert a.channel(ch).live == "Ana"
    since = a.channel(ch).since
    # Ben presses Go live while Ana is live: only a clash is recorded, Ana stays the one voice.
    (clash,) = a.do(ac.GoLive(), booth(ch, "ben"))
    assert isinstance(clash, ac.Clash) and clash.by == "ben"
    assert a.channel(ch).live == "Ana" and a.channel(ch).clash == ("ben", a.now)
    # Held down: nothing more is recorded while the clash is shown; pressed again later, a new one.
    assert a.do(ac.GoLive(), booth(ch, "ben")) == []
    a.now += ac.CLASH_SHOWN
    (again,) = a.do(ac.GoLive(), booth(ch, "ben"))
    assert isinstance(again, ac.Clash) and a.channel(ch).clash == ("ben", a.now)
    a.refused(ac.TakeOver(), booth(ch, "ben"), "no_handover_offered")
    a.refused(ac.OfferHandover(), booth(ch, "ben"), "not_live")
    a.refused(ac.GoLive(), booth(ch, "Ana"), "already_live")
    a.do(ac.OfferHandover(), booth(ch, "Ana"))
    assert a.channel(ch).offer == "Ana"
    (ev,) = a.do(ac.TakeOver(), booth(ch, "ben"))
    assert (ev.name, ev.how, ev.previous) == ("ben", "handover", "Ana")
    c = a.channel(ch)
    assert (c.live, c.offer, c.clash) == ("ben", "", None)
    assert c.since is not None and since is not None and c.since > since
    a.do(ac.GoOff(), booth(ch, "ben"))
    assert a.channel(ch).live == ""
    a.do(ac.TakeOver(), booth(ch, "Ana"))  # a silent channel: taking over just goes live
    assert a.channel(ch).live == "Ana"
    assert [(t.how, t.name, t.previous) for t in a.channel(ch).turns] == [
        ("live", "Ana", ""),
        ("handover", "ben", "Ana"),
        ("off", "", "ben"),
        ("live", "Ana", ""),
    ]


def test_captions_come_from_the_captioner_or_an_interpreter_and_reach_every_view() -> None:
    a = Assembly("Ana")
    ch = a.add("Español", "es")
    a.do(ac.Caption("  Bienvenidas  todas "), m.Actor(m.Role.CAPTIONER, channel=ch))
    a.join_booth(ch, "Ana")
    a.do(ac.Caption("Primer punto"), booth(ch, "Ana"))
    for i in range(25):
        a.do(ac.Caption(f"línea {i}"), m.Actor(m.Role.CAPTIONER, channel=ch))
    assert len(a.channel(ch).captions) == ac.CAPTIONS_KEPT
    live = views.phone_live(a.state)
    assert [line["text"] for line in live["audio"]["captions"][ch]] == ["línea 22", "línea 23", "línea 24"]
    assert views.screen_view(a.state, set(), "")["audio"]["captions"] is None
    a.do(ac.SetScreenCaptions(ch), FACILITATOR)
    shown = views.screen_view(a.state, set(), "")["audio"]["captions"]
    assert shown["name"] == "Español" and [x["text"] for x in shown["lines"]] == ["línea 23", "línea 24"]
    assert af.booth_view(a.state, ch)["captions"][-1]["text"] == "línea 24"
    first = af.of(a.state).channels[ch]
    assert all(line.text == " ".join(line.text.split()) for line in first.captions)
    a.do(ac.RemoveChannel(ch), FACILITATOR)
    assert views.screen_view(a.state, set(), "")["audio"]["captions"] is None
    assert views.phone_view(a.state, set())["audio"]["channels"] == []


def test_the_minutes_list_channels_interpreters_and_handovers() -> None:
    a = Assembly()
    ch = a.add("Español", "es")
    a.join_booth(ch, "Ana")
    a.join_booth(ch, "Ben")
    a.do(ac.GoLive(), booth(ch, "Ana"))
    a.do(ac.OfferHandover(), booth(ch, "Ana"))
    a.do(ac.TakeOver(), booth(ch, "Ben"))
    data = mn.minutes(a.state)
    (entry,) = data["audio"]
    assert entry["interpreters"] == ["Ana", "Ben"] and entry["handovers"] == 1
    text = mn.markdown(data)
    assert "## Interpretation" in text and "handover: Ana → Ben" in text and "Español (es)" in text


# --- routing: who hears what ------------------------------------------------------------------


def conn(role: m.Role, pid: str | None = None, room: str = "", booth_name: str = "") -> Any:
    return SimpleNamespace(role=role, participant_id=pid, room=room, booth_name=booth_name)


def test_a_plenary_phone_hears_the_floor_and_speaks_only_while_it_has_the_floor() -> None:
    a = Assembly("Ana", "Bo")
    ana = conn(m.Role.PHONE, "Ana")
    plan = plan_for(a.state, "M", ana, Wishes(), mic=True)
    assert plan == {"send": None, "exclusive": False, "hear": ["M/floor/"]}
    a.speak("Ana")
    assert plan_for(a.state, "M", ana, Wishes(), mic=True)["send"] == "M/floor/p/Ana"
    assert plan_for(a.state, "M", ana, Wishes(), mic=False)["send"] is None  # listening only
    assert plan_for(a.state, "M", conn(m.Role.PHONE, "Bo"), Wishes(), mic=True)["send"] is None
    a.facilitate(sk.EndTurn())
    assert plan_for(a.state, "M", ana, Wishes(), mic=True)["send"] is None


def test_a_listener_on_a_channel_hears_it_with_the_floor_under_it_and_never_sends_to_it() -> None:
    a = Assembly("Ana")
    ch = a.add("Español", "es")
    ana = conn(m.Role.PHONE, "Ana")
    plan = plan_for(a.state, "M", ana, Wishes(listen=ch), mic=True)
    assert plan["hear"] == [f"M/c/{ch}", "M/floor/"]
    assert plan["send"] is None
    a.join_booth(ch, "Eva")
    a.do(ac.Retour(True), booth(ch, "Eva"))  # the floor speaks Spanish: its listeners hear the floor
    assert plan_for(a.state, "M", ana, Wishes(listen=ch), mic=False)["hear"] == ["M/floor/"]


def test_an_interpreter_sends_only_while_live_and_hears_the_floor_or_a_relay() -> None:
    a = Assembly()
    es = a.add("Español", "es")
    en = a.add("English", "en")
    a.join_booth(es, "Eva")
    eva = conn(m.Role.INTERPRETER, room=es, booth_name="Eva")
    assert plan_for(a.state, "M", eva, Wishes(), mic=True) == {"send": None, "exclusive": False, "hear": ["M/floor/"]}
    a.do(ac.GoLive(), booth(es, "Eva"))
    assert plan_for(a.state, "M", eva, Wishes(), mic=True)["send"] == f"M/c/{es}"
    assert plan_for(a.state, "M", eva, Wishes(source=en), mic=True)["hear"] == [f"M/c/{en}"]
    a.do(ac.RemoveChannel(es), FACILITATOR)
    assert plan_for(a.state, "M", eva, Wishes(), mic=True) == {"send": None, "exclusive": False, "hear": []}


def test_people_in_a_breakout_room_hear_their_room_and_come_back_to_the_floor() -> None:
    a = Assembly("Ana", "Bo", "Cy", "Di")
    a.do(rc.StartBreakouts(rooms=2), FACILITATOR, present=frozenset({"Ana", "Bo", "Cy", "Di"}), seed=1)
    room = m.room_of(a.state, "Ana")
    assert room
    ana = conn(m.Role.PHONE, "Ana")
    assert plan_for(a.state, "M", ana, Wishes(), mic=True) == {
        "send": f"M/r/{room}/p/Ana",
        "exclusive": False,
        "hear": [f"M/r/{room}/"],
    }
    device = conn(m.Role.ROOM, room=room)
    assert plan_for(a.state, "M", device, Wishes(), mic=True) == {
        "send": f"M/r/{room}/dev",
        "exclusive": True,  # a second device with speakers in the room is refused
        "hear": [f"M/r/{room}/"],
    }
    ch = a.add("Español", "es", room)  # an interpreter sent to the room
    assert plan_for(a.state, "M", ana, Wishes(listen=ch), mic=True)["hear"] == [f"M/c/{ch}", f"M/r/{room}/"]
    a.join_booth(ch, "Eva")
    eva = conn(m.Role.INTERPRETER, room=ch, booth_name="Eva")
    assert plan_for(a.state, "M", eva, Wishes(), mic=True)["hear"] == [f"M/r/{room}/"]
    a.do(rc.EndBreakouts(), FACILITATOR)  # "Call everyone back"
    assert m.room_of(a.state, "Ana") == ""
    assert plan_for(a.state, "M", ana, Wishes(), mic=True) == {"send": None, "exclusive": False, "hear": ["M/floor/"]}


def test_the_big_screen_is_the_floor_device_and_labels_never_show_keys() -> None:
    a = Assembly("Ana")
    screen = conn(m.Role.SCREEN)
    assert plan_for(a.state, "M", screen, Wishes(), mic=True) == {
        "send": "M/floor/dev",
        "exclusive": True,
        "hear": ["M/floor/p/"],
    }
    assert label(a.state, "M/floor/dev") == {"kind": "floor", "name": "Floor"}
    assert label(a.state, "M/floor/p/Ana") == {"kind": "speaker", "participant": "Ana", "name": "Ana"}
    assert label(a.state, "M/r/b1-1/p/Ana")["kind"] == "person"
    assert label(a.state, None) is None


@pytest.mark.parametrize(
    ("sdp", "code"),
    [
        ("hello", "bad_sdp"),
        ("v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n", "bad_sdp"),
        ("v=0\r\n" + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" * 10, "bad_sdp"),
        ("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" + "a=x\r\n" * 3000, "sdp_too_large"),
    ],
)
def test_offers_that_are_not_audio_are_refused_before_the_media_process(sdp: str, code: str) -> None:
    with pytest.raises(Rejection) as err:
        _check_sdp(sdp)
    assert err.value.code == code
