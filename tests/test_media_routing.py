"""The media process's routing, without peers: plans, slots, fan-out queues and the timeline of a source."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from aiortc.mediastreams import MediaStreamError

from server.media.routing import FRAME, IDLE, QUEUE_MAX, SLOTS, Listener, Plan, Router, SlotTrack


class Peer(Listener):
    def __init__(self, name: str, mic: bool = True, slots: int = SLOTS) -> None:
        super().__init__(name, [SlotTrack(i) for i in range(slots)], mic)
        self.changes: list[list[str | None]] = []
        for t in self.tracks:
            t._reading = True  # as if its senders ran

    def slots_changed(self) -> None:
        self.changes.append(list(self.slots))


def speak(router: Router, key: str, ts: int = 0, data: bytes = b"x" * 50) -> None:
    router.sources[key].feed(ts, data)


def test_slots_fill_in_hear_order_and_keep_their_place() -> None:
    r = Router()
    lis = Peer("lis", mic=False)
    r.set_plan(lis, Plan(hear=("m/c/ch1", "m/floor/")))
    a, b, c = Peer("a"), Peer("b"), Peer("c")
    r.set_plan(a, Plan(send="m/floor/dev"))
    r.set_plan(b, Plan(send="m/floor/p/x"))
    r.set_plan(c, Plan(send="m/c/ch1"))
    assert lis.slots == [None] * SLOTS  # publishers, but no packet yet: not active
    speak(r, "m/floor/p/x")
    speak(r, "m/floor/dev")
    assert lis.slots[:2] == ["m/floor/p/x", "m/floor/dev"]  # the first to speak first
    speak(r, "m/c/ch1")
    assert lis.slots[:3] == ["m/floor/p/x", "m/floor/dev", "m/c/ch1"]  # stable: nobody moves for it
    r.set_plan(b, Plan(send=None))  # the remote speaker loses the floor
    assert lis.slots[:3] == [None, "m/floor/dev", "m/c/ch1"]
    assert lis.tracks[0].source is None and lis.tracks[1].source is r.sources["m/floor/dev"]


def test_at_most_the_slots_it_has_and_hear_order_decides_who() -> None:
    r = Router()
    lis = Peer("lis", mic=False, slots=3)
    speakers = [Peer(f"p{i}") for i in range(5)]
    for i, p in enumerate(speakers):
        r.set_plan(p, Plan(send=f"m/r/1/p/{i}"))
        speak(r, f"m/r/1/p/{i}")
    ch = Peer("ch")
    r.set_plan(ch, Plan(send="m/c/es"))
    speak(r, "m/c/es")
    r.set_plan(lis, Plan(hear=("m/c/es", "m/r/1/")))
    assert lis.slots == ["m/c/es", "m/r/1/p/0", "m/r/1/p/1"]  # as many as it has
    r.set_plan(speakers[0], Plan(send=None))
    assert lis.slots[:3] == ["m/c/es", "m/r/1/p/2", "m/r/1/p/1"]


def test_never_your_own_voice() -> None:
    r = Router()
    me, other = Peer("me"), Peer("other")
    r.set_plan(me, Plan(send="m/r/1/p/me", hear=("m/r/1/",)))
    r.set_plan(other, Plan(send="m/r/1/p/other", hear=("m/r/1/",)))
    speak(r, "m/r/1/p/me")
    speak(r, "m/r/1/p/other")
    assert me.slots[0] == "m/r/1/p/other" and other.slots[0] == "m/r/1/p/me"
    assert "m/r/1/p/me" not in me.slots


def test_exclusive_refused_latest_wins_otherwise() -> None:
    r = Router()
    d1, d2, i1, i2 = Peer("d1"), Peer("d2"), Peer("i1"), Peer("i2")
    assert r.set_plan(d1, Plan(send="m/floor/dev", exclusive=True)) is None
    assert r.set_plan(d2, Plan(send="m/floor/dev", exclusive=True)) == "source_taken"
    assert r.sources["m/floor/dev"].publisher is d1 and d2.send_key is None
    r.set_plan(i1, Plan(send="m/c/ch1"))
    r.set_plan(i2, Plan(send="m/c/ch1"))  # a handover: the latest wins, the previous one is detached
    assert r.sources["m/c/ch1"].publisher is i2 and i1.send_key is None
    r.set_plan(i2, Plan(send="m/c/ch1"))  # the same plan again changes nothing
    assert r.sources["m/c/ch1"].publisher is i2
    r.remove(d1)
    assert r.set_plan(d2, Plan(send="m/floor/dev", exclusive=True)) is None


def test_a_peer_without_a_microphone_publishes_nothing_and_displaces_nobody() -> None:
    r = Router()
    speaker, mute = Peer("s"), Peer("m", mic=False)
    r.set_plan(speaker, Plan(send="m/c/ch1"))
    r.set_plan(mute, Plan(send="m/c/ch1"))
    assert r.sources["m/c/ch1"].publisher is speaker and mute.send_key is None


async def test_a_handover_continues_the_timeline() -> None:
    r = Router()
    lis = Peer("lis", mic=False)
    a, b = Peer("a"), Peer("b")
    r.set_plan(lis, Plan(hear=("m/c/ch1",)))
    r.set_plan(a, Plan(send="m/c/ch1"))
    for k in range(5):
        speak(r, "m/c/ch1", ts=1_000_000 + k * FRAME)
    r.set_plan(b, Plan(send="m/c/ch1"))
    assert lis.slots[0] == "m/c/ch1"  # a handover keeps the slot
    speak(r, "m/c/ch1", ts=7 * FRAME)  # b's own clock, far behind a's
    speak(r, "m/c/ch1", ts=8 * FRAME)
    pts = [(await lis.tracks[0].recv()).pts for _ in range(7)]
    steps = [y - x for x, y in itertools.pairwise(pts)]
    assert steps[:4] == [FRAME] * 4 and steps[5] == FRAME
    assert 0 < steps[4] <= FRAME * 5  # forward, and about the time that passed


async def test_a_slot_moving_to_a_source_behind_it_shifts_that_slots_packets_forward() -> None:
    r = Router()
    lis = Peer("lis", mic=False)
    a, b = Peer("a"), Peer("b")
    r.set_plan(a, Plan(send="m/r/1/dev"))
    r.set_plan(b, Plan(send="m/r/2/dev"))
    speak(r, "m/r/1/dev", ts=0)
    speak(r, "m/r/2/dev", ts=0)
    r.sources["m/r/1/dev"]._offset += 10 * 48000  # room 1's publisher is ahead of room 2's by 10 s
    r.set_plan(lis, Plan(hear=("m/r/1/",)))
    speak(r, "m/r/1/dev", ts=FRAME)
    first = await lis.tracks[0].recv()
    r.set_plan(lis, Plan(hear=("m/r/2/",)))
    assert lis.slots[0] == "m/r/2/dev"
    speak(r, "m/r/2/dev", ts=FRAME)
    speak(r, "m/r/2/dev", ts=2 * FRAME)
    second, third = await lis.tracks[0].recv(), await lis.tracks[0].recv()
    assert second.pts == first.pts + FRAME and third.pts == first.pts + 2 * FRAME
    assert bytes(second) == b"x" * 50


async def test_a_slot_that_is_not_read_drops_its_oldest_packets_and_never_blocks() -> None:
    r = Router()
    lis = Peer("lis", mic=False)
    a = Peer("a")
    r.set_plan(a, Plan(send="m/floor/dev"))
    r.set_plan(lis, Plan(hear=("m/floor/",)))
    for k in range(QUEUE_MAX + 7):
        speak(r, "m/floor/dev", ts=k * FRAME)
    track = lis.tracks[0]
    assert len(track._queue) == QUEUE_MAX and track.dropped == 7
    assert (await track.recv()).pts - r.sources["m/floor/dev"]._offset == 7 * FRAME


def test_a_silent_source_frees_its_slots_after_idle() -> None:
    r = Router()
    lis, a = Peer("lis", mic=False), Peer("a")
    r.set_plan(lis, Plan(hear=("m/floor/",)))
    r.set_plan(a, Plan(send="m/floor/dev"))
    speak(r, "m/floor/dev")
    assert lis.slots[0] == "m/floor/dev"
    source = r.sources["m/floor/dev"]
    r.sweep(source.last_packet + IDLE / 2)
    assert lis.slots[0] == "m/floor/dev"
    r.sweep(source.last_packet + IDLE + 0.1)
    assert lis.slots[0] is None
    speak(r, "m/floor/dev")
    assert lis.slots[0] == "m/floor/dev"


def test_one_listeners_exception_goes_to_on_error_and_the_others_get_their_slots() -> None:
    failed: list[str] = []
    r = Router(on_error=lambda peer, exc: failed.append(peer.name))

    class Broken(Peer):
        def slots_changed(self) -> None:
            raise RuntimeError("boom")

    broken, fine, a = Broken("broken", mic=False), Peer("fine", mic=False), Peer("a")
    r.set_plan(broken, Plan(hear=("m/floor/",)))
    r.set_plan(fine, Plan(hear=("m/floor/",)))
    r.set_plan(a, Plan(send="m/floor/dev"))
    speak(r, "m/floor/dev")
    assert failed == ["broken"]
    assert fine.slots[0] == "m/floor/dev"


async def test_a_stopped_slot_ends_its_sender() -> None:
    track = SlotTrack(0)
    reader = asyncio.ensure_future(track.recv())
    await asyncio.sleep(0)
    track.stop()
    with pytest.raises(MediaStreamError):
        await reader


def test_settings_from_the_environment() -> None:
    from server.media.service import parse_settings

    with pytest.raises(SystemExit, match="PLAZA_MEDIA_SECRET"):
        parse_settings([], {})
    s = parse_settings(["--port", "9000"], {"PLAZA_MEDIA_SECRET": "s"})
    assert (s.host, s.port, s.ice_servers, s.ice_timeout, s.addresses, s.max_peers) == (
        "127.0.0.1",
        9000,
        (),
        15.0,
        (),
        2000,
    )
    env = {
        "PLAZA_MEDIA_SECRET": "s",
        "PLAZA_ICE_SERVERS": '[{"urls": "turn:turn.example.org:3478", "username": "u", "credential": "c"}]',
        "PLAZA_ICE_TIMEOUT": "5",
        "PLAZA_MEDIA_ADDRESSES": "127.0.0.1",
        "PLAZA_MEDIA_MAX_PEERS": "10",
    }
    s = parse_settings([], env)
    assert s.ice_servers[0].urls == "turn:turn.example.org:3478" and s.ice_servers[0].credential == "c"
    assert (s.ice_timeout, s.addresses, s.max_peers) == (5.0, ("127.0.0.1",), 10)
    with pytest.raises(SystemExit, match="PLAZA_ICE_SERVERS"):
        parse_settings([], {**env, "PLAZA_ICE_SERVERS": '[{"url": "stun:x"}]'})
    with pytest.raises(SystemExit, match="PLAZA_MEDIA_ADDRESSES"):
        parse_settings([], {**env, "PLAZA_MEDIA_ADDRESSES": "192.0.2.250"})


def test_a_peer_with_no_slots_publishes_and_hears_nothing() -> None:
    r = Router()
    mic_only = Peer("dev", slots=0)
    lis = Peer("lis", mic=False, slots=3)
    other = Peer("p1")
    r.set_plan(mic_only, Plan(send="m/floor/dev", hear=("m/floor/p/",)))
    r.set_plan(other, Plan(send="m/floor/p/p1"))
    r.set_plan(lis, Plan(hear=("m/floor/",)))
    speak(r, "m/floor/dev")
    speak(r, "m/floor/p/p1")
    assert mic_only.slots == [] and mic_only.tracks == []
    assert lis.slots == ["m/floor/dev", "m/floor/p/p1", None]
