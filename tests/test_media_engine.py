"""The media process as Plaza and browsers see it: a real ``python -m server.media`` and real aiortc peers.

Each test starts its own media process on a free port (server/media/testing.py), connects a link as
Plaza does, and offers browser-like peers (a mic m-line, then 8 recvonly slots) that count the RTP
packets each slot receives.  Publishers record the Opus payloads they send, so a listener's packets
can be traced to who spoke: forwarded as sent, never re-encoded, never two voices on one source.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import websockets

from server.media.service import check_offer
from server.media.testing import (
    LinkClient,
    MediaProcess,
    OpusSignalTrack,
    PeerClient,
    join,
    loopback_only,
    start_media,
    wait_until,
)

SECRET = "media-test-secret"
FLOOR = {"send": "m/floor/dev", "exclusive": True, "hear": ["m/floor/p/"]}


def listens(*hear: str) -> dict[str, object]:
    return {"send": None, "exclusive": False, "hear": list(hear)}


def sends(key: str, *hear: str, exclusive: bool = False) -> dict[str, object]:
    return {"send": key, "exclusive": exclusive, "hear": list(hear)}


@pytest.fixture(autouse=True)
def loopback() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
async def media(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[MediaProcess]:
    env = getattr(request, "param", None) or {}
    proc = start_media(secret=SECRET, env=env, log_dir=tmp_path)
    yield proc
    await proc.astop()


@pytest.fixture
async def link(media: MediaProcess) -> AsyncIterator[LinkClient]:
    client = await LinkClient.connect(media.url, SECRET, process="plaza-1")
    yield client
    await client.close()


async def closing(*peers: PeerClient) -> None:
    for p in peers:
        await p.close()


async def connected(*peers: PeerClient, timeout: float = 10) -> None:
    await asyncio.gather(*(asyncio.wait_for(p.connected.wait(), timeout) for p in peers))


async def rate(peer: PeerClient, slot: int, seconds: float = 2.0) -> float:
    """Packets per second slot ``slot`` receives over the next ``seconds``."""
    before = peer.stats[slot].count
    await asyncio.sleep(seconds)
    return (peer.stats[slot].count - before) / seconds


async def share(publisher: PeerClient, peer: PeerClient, slot: int, seconds: float = 2.0) -> float:
    """Of the packets ``publisher`` sends over the next ``seconds``, the share slot ``slot`` of ``peer`` gets.

    Counted against what was sent rather than against 50 a second, so that a busy test machine slowing
    the publisher down does not count as loss.
    """
    mic = publisher.mic
    assert isinstance(mic, OpusSignalTrack)
    sent, got = mic.k, peer.stats[slot].count
    await asyncio.sleep(seconds)
    sent = mic.k - sent
    with contextlib.suppress(TimeoutError):  # the last ones in flight (a busy machine delays them)
        await wait_until(lambda: peer.stats[slot].count - got >= sent, 1.0)
    return (peer.stats[slot].count - got) / max(1, sent)


def voices(heard: list[bytes], *publishers: PeerClient) -> list[int]:
    """Which publishers (by index) sent the packets ``heard``; only packets one of them alone sent count.

    Every signal starts its second with the same click after the same silence, so two encoders can
    make the same bytes there; speech-like noise from different seeds never does.
    """
    assert heard, "nothing heard"
    everything = set().union(*(p.sent for p in publishers))
    assert set(heard) <= everything, "a packet nobody sent: re-encoded?"
    found = []
    for i, p in enumerate(publishers):
        others = set().union(*(q.sent for q in publishers if q is not p))
        if set(heard) & (p.sent - others):
            found.append(i)
    return found


async def test_a_publishers_packets_reach_every_listener_as_sent(link: LinkClient) -> None:
    speaker = PeerClient(mic=OpusSignalTrack(seed=1), record=True)
    listeners = [PeerClient(record=True) for _ in range(3)]
    try:
        assert (await join(link, "dev", speaker, FLOOR))["t"] == "answer"
        for i, lis in enumerate(listeners):
            assert (await join(link, f"l{i}", lis, listens("m/floor/")))["t"] == "answer"
        await connected(speaker, *listeners)
        await wait_until(lambda: all(lis.stats[0].count > 20 for lis in listeners), 5, "packets in slot 0")
        shares = await asyncio.gather(*(share(speaker, lis, 0) for lis in listeners))
        assert all(0.95 <= r <= 1.05 for r in shares), shares  # every packet, once
        for i, lis in enumerate(listeners):
            assert link.slots(f"l{i}") == ["m/floor/dev", None, None, None, None, None, None, None]
            assert lis.counts()[1:] == [0] * 7
            got = lis.stats[0].payloads
            assert got and set(got) <= speaker.sent  # the publisher's own Opus packets: no decode, no re-encode
        assert link.slots("dev") == [None] * 8  # it hears remote speakers, and there are none
    finally:
        await closing(speaker, *listeners)


async def test_a_listening_phone_offers_three_slots_and_every_answer_shares_one_certificate(link: LinkClient) -> None:
    speaker = PeerClient(mic=OpusSignalTrack(seed=1))
    remote = PeerClient(mic=OpusSignalTrack(seed=2))  # a remote speaker given the floor
    listener = PeerClient(slots=3)
    try:
        answers = [
            await join(link, "dev", speaker, FLOOR),
            await join(link, "p1", remote, sends("m/floor/p/p1", "m/floor/")),
            await join(link, "l", listener, listens("m/c/ch1", "m/floor/")),
        ]
        assert [a["t"] for a in answers] == ["answer"] * 3
        sections = [re.findall(r"^m=audio .*$", a["sdp"], re.M) for a in answers]
        assert [len(s) for s in sections] == [9, 9, 4]  # the mic and as many slots as offered
        prints = {re.search(r"^a=fingerprint:(.*)$", a["sdp"], re.M).group(1) for a in answers}  # type: ignore[union-attr]
        assert len(prints) == 1  # one DTLS identity for the process; each connection has its own keys
        await connected(speaker, remote, listener)
        await wait_until(lambda: link.slots("l") == ["m/floor/dev", "m/floor/p/p1", None], 5, "two floor voices")
        await wait_until(lambda: listener.stats[0].count > 20 and listener.stats[1].count > 20, 5, "both heard")
        assert await share(speaker, listener, 0) >= 0.95
        assert await share(remote, listener, 1) >= 0.95
        assert listener.stats[2].count == 0
    finally:
        await closing(speaker, remote, listener)


async def test_slots_fill_in_hear_order_stay_stable_and_never_hold_your_own_voice(link: LinkClient) -> None:
    listener = PeerClient()
    floor = PeerClient(mic=OpusSignalTrack(seed=1))
    interpreter = PeerClient(mic=OpusSignalTrack(seed=2))
    remote = PeerClient(mic=OpusSignalTrack(seed=3))
    try:
        await join(link, "lis", listener, listens("m/c/ch1", "m/floor/"))
        await connected(listener)
        assert link.slots("lis") == [None] * 8
        await join(link, "dev", floor, FLOOR)
        await link.wait_for(lambda m: m["t"] == "slots" and m["peer"] == "lis" and m["slots"][0] == "m/floor/dev")
        await join(link, "int", interpreter, sends("m/c/ch1", "m/floor/"))
        await link.wait_for(lambda m: m["t"] == "slots" and m["peer"] == "lis" and m["slots"][1] == "m/c/ch1")
        assert link.slots("lis")[:2] == ["m/floor/dev", "m/c/ch1"]  # the floor keeps slot 0: stable
        await join(link, "rem", remote, sends("m/floor/p/a", "m/floor/"))
        await link.wait_for(lambda m: m["t"] == "slots" and m["peer"] == "lis" and m["slots"][2] == "m/floor/p/a")
        await connected(floor, interpreter, remote)
        # the remote speaker hears the floor, never itself; the floor device hears the remote speaker
        await wait_until(lambda: link.slots("rem") == ["m/floor/dev", None, None, None, None, None, None, None], 5)
        await wait_until(lambda: link.slots("dev") == ["m/floor/p/a", None, None, None, None, None, None, None], 5)
        await wait_until(lambda: remote.stats[0].count > 20 and floor.stats[0].count > 20, 5, "both ways")
        # the floor device goes: its slot empties, the others stay where they are
        since = len(link.messages)
        await link.send({"t": "close", "peer": "dev"})
        await link.wait_for(lambda m: m["t"] == "state" and m["peer"] == "dev" and m["state"] == "closed", since=since)
        await link.wait_for(lambda m: m["t"] == "slots" and m["peer"] == "lis", since=since)
        assert link.slots("lis") == [None, "m/c/ch1", "m/floor/p/a", None, None, None, None, None]
        assert await share(interpreter, listener, 1) >= 0.95 and await share(remote, listener, 2) >= 0.95
        assert await rate(listener, 0, 1.0) == 0
    finally:
        await closing(listener, floor, interpreter, remote)


async def test_a_new_plan_moves_the_audio(link: LinkClient) -> None:
    room_a = PeerClient(mic=OpusSignalTrack(seed=1), record=True)
    room_b = PeerClient(mic=OpusSignalTrack(seed=2), record=True)
    person = PeerClient(mic=OpusSignalTrack(seed=3), record=True)
    try:
        await join(link, "a", room_a, sends("m/r/a/dev", "m/r/a/", exclusive=True))
        await join(link, "b", room_b, sends("m/r/b/dev", "m/r/b/", exclusive=True))
        await join(link, "p", person, sends("m/r/a/p/p1", "m/r/a/"))
        await connected(room_a, room_b, person)
        await wait_until(lambda: link.slots("p") == ["m/r/a/dev"] + [None] * 7, 5, "room a's device in slot 0")
        await wait_until(lambda: link.slots("a") == ["m/r/a/p/p1"] + [None] * 7, 5, "the person in room a")
        # into room b: one plan message
        moved = time.monotonic()
        await link.send({"t": "plan", "peer": "p", "plan": sends("m/r/b/p/p1", "m/r/b/")})
        await wait_until(lambda: link.slots("p") == ["m/r/b/dev"] + [None] * 7, 2, "room b's device")
        await wait_until(lambda: link.slots("b") == ["m/r/b/p/p1"] + [None] * 7, 2, "room b hears the person")
        await wait_until(lambda: link.slots("a") == [None] * 8, 2, "room a no longer does")
        assert time.monotonic() - moved < 2
        mark = len(person.stats[0].payloads)
        await asyncio.sleep(1.0)
        assert voices(person.stats[0].payloads[mark + 5 :], room_a, room_b) == [1]
        assert voices(room_b.stats[0].payloads, room_a, person) == [1]
    finally:
        await closing(room_a, room_b, person)


async def test_an_exclusive_source_refuses_a_second_publisher(link: LinkClient) -> None:
    first = PeerClient(mic=OpusSignalTrack(seed=1), record=True)
    second = PeerClient(mic=OpusSignalTrack(seed=2), record=True)
    third = PeerClient(mic=OpusSignalTrack(seed=3), record=True)
    listener = PeerClient(record=True)
    try:
        assert (await join(link, "d1", first, FLOOR))["t"] == "answer"
        reply = await join(link, "d2", second, FLOOR)
        assert reply["t"] == "error" and reply["code"] == "source_taken", reply
        # a live peer asking for it by a plan update: refused by a state message, its send dropped
        await join(link, "d3", third, listens("m/floor/p/"))
        await join(link, "lis", listener, listens("m/floor/"))
        await connected(first, third, listener)
        since = len(link.messages)
        await link.send({"t": "plan", "peer": "d3", "plan": FLOOR})
        refused = await link.wait_for(lambda m: m["t"] == "state" and m["peer"] == "d3", since=since)
        assert refused == {"t": "state", "peer": "d3", "state": "connected", "reason": "source_taken"}
        mark = len(listener.stats[0].payloads)
        await asyncio.sleep(1.0)
        assert voices(listener.stats[0].payloads[mark:], first, second, third) == [0]
        assert listener.counts()[1:] == [0] * 7
        # once the first device is gone, the key is free again
        await link.send({"t": "close", "peer": "d1"})
        await link.wait_for(lambda m: m["t"] == "state" and m["peer"] == "d1")
        since = len(link.messages)
        await link.send({"t": "plan", "peer": "d3", "plan": FLOOR})
        await link.wait_for(lambda m: m["t"] == "slots" and m["peer"] == "lis" and m["slots"][0], since=since)
        mark = len(listener.stats[0].payloads)
        await asyncio.sleep(1.0)
        assert voices(listener.stats[0].payloads[mark:], first, second, third) == [2]
    finally:
        await closing(first, second, third, listener)


async def test_a_handover_is_the_latest_plan_one_voice_and_no_gap(link: LinkClient) -> None:
    """Interpreter B takes over channel 1 from A: listeners hear B only, in the same slot, on one timeline."""
    a = PeerClient(mic=OpusSignalTrack(seed=1), record=True)
    b = PeerClient(mic=OpusSignalTrack(seed=2), record=True)
    listener = PeerClient(record=True)
    try:
        await join(link, "a", a, sends("m/c/ch1", "m/floor/"))
        await join(link, "b", b, listens("m/floor/"))  # B's microphone runs, its audio goes nowhere yet
        await join(link, "lis", listener, listens("m/c/ch1", "m/floor/"))
        await connected(a, b, listener)
        await wait_until(lambda: listener.stats[0].count > 50, 5, "A on air")
        assert voices(listener.stats[0].payloads, a, b) == [0]
        slots_messages = sum(1 for m in link.messages if m["t"] == "slots" and m["peer"] == "lis")
        mark = len(listener.stats[0].payloads)
        sent_a, sent_b = a.mic.k, b.mic.k  # type: ignore[union-attr]
        await link.send({"t": "plan", "peer": "b", "plan": sends("m/c/ch1", "m/floor/")})  # take over
        await link.send({"t": "plan", "peer": "a", "plan": listens("m/floor/")})  # and A goes off
        await asyncio.sleep(2.0)
        sent_a, sent_b = a.mic.k - sent_a, b.mic.k - sent_b  # type: ignore[union-attr]
        # the slot did not move
        assert sum(1 for m in link.messages if m["t"] == "slots" and m["peer"] == "lis") == slots_messages
        assert link.slots("lis") == ["m/c/ch1"] + [None] * 7
        st = listener.stats[0]
        payloads = st.payloads[mark:]
        only_a, only_b = a.sent - b.sent, b.sent - a.sent
        a_last = max((i for i, p in enumerate(payloads) if p in only_a), default=-1)
        b_first = min(i for i, p in enumerate(payloads) if p in only_b)
        assert a_last < b_first  # never interleaved: A until the handover, then B only
        assert voices(payloads[b_first:], a, b) == [1]
        # both microphones ran all along: one voice's worth of packets, not two
        assert 0.9 * min(sent_a, sent_b) <= len(payloads) <= 1.1 * max(sent_a, sent_b) + 2, (len(payloads), sent_a)
        # one timeline: timestamps only go forward, and never further than the time that passed (+100 ms)
        stamps, arrivals = st.timestamps[mark - 1 :], st.arrivals[mark - 1 :]
        for (t0, a0), (t1, a1) in itertools.pairwise(zip(stamps, arrivals, strict=True)):
            assert 0 < t1 - t0 and (t1 - t0) / 48000 <= (a1 - a0) + 0.1, (t1 - t0, a1 - a0)
    finally:
        await closing(a, b, listener)


async def test_a_bad_offer_gets_bad_sdp_and_the_link_carries_on(link: LinkClient) -> None:
    good = PeerClient(mic=OpusSignalTrack(seed=1))
    try:
        sdp = await good.offer()
        video = sdp.replace("m=audio", "m=video")
        no_fingerprint = "\n".join(line for line in sdp.split("\n") if not line.startswith("a=fingerprint"))
        for bad in ("", "not an sdp at all", "v=0\r\n" + "a=x\r\n" * 6000, video, no_fingerprint, 42, None):
            reply = await link.offer("p", bad, listens("m/floor/"))  # type: ignore[arg-type]
            assert reply["t"] == "error" and reply["code"] == "bad_sdp", (str(bad)[:40], reply)
        huge = sdp + "a=x-padding:" + "x" * 25_000 + "\r\n"
        reply = await link.offer("p", huge, listens("m/floor/"))
        assert reply == {"t": "error", "peer": "p", "code": "bad_sdp", "message": reply["message"]}
        assert "24000" in reply["message"]
        # frames that are not messages, and messages it does not know, are ignored
        await link.ws.send("{not json")
        await link.ws.send(json.dumps(["t", "offer"]))
        await link.send({"t": "nonsense", "peer": "p"})
        await link.send({"t": "plan", "peer": "nobody", "plan": listens("m/floor/")})
        await link.send({"t": "offer", "peer": "q", "sdp": sdp, "plan": {"send": 3}})
        assert (await link.wait_for(lambda m: m.get("peer") == "q"))["code"] == "bad_request"
        reply = await link.offer("p", sdp, sends("m/floor/p/x", "m/floor/"))
        assert reply["t"] == "answer"
        await good.accept(reply["sdp"])
        await connected(good)
        assert (await link.stats())["peers"] == 1
    finally:
        await closing(good)


@pytest.mark.parametrize("media", [{"PLAZA_ICE_TIMEOUT": "2"}], indirect=True)
async def test_a_peer_that_never_connects_is_closed_after_the_ice_timeout(link: LinkClient) -> None:
    silent = PeerClient(mic=OpusSignalTrack(seed=1))
    try:
        reply = await link.offer("ghost", await silent.offer(), FLOOR)  # its answer is never applied
        assert reply["t"] == "answer"
        started = time.monotonic()
        state = await link.wait_for(lambda m: m["t"] == "state" and m["peer"] == "ghost", timeout=6)
        assert state == {"t": "state", "peer": "ghost", "state": "failed", "reason": "ice_timeout"}
        assert 1.0 <= time.monotonic() - started <= 4.0
        stats = await link.stats()
        assert stats["peers"] == 0 and stats["sources"] == 0
        # and its exclusive key is free for a device that does connect
        device = PeerClient(mic=OpusSignalTrack(seed=2))
        assert (await join(link, "dev", device, FLOOR))["t"] == "answer"
        await connected(device)
        await device.close()
    finally:
        await closing(silent)


async def test_a_wrong_secret_is_refused_with_4003(media: MediaProcess) -> None:
    async with websockets.connect(media.url) as ws:
        await ws.send(json.dumps({"t": "hello", "secret": "guess", "process": "x"}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4003
    async with websockets.connect(media.url) as ws:
        await ws.send(json.dumps({"t": "offer", "peer": "p", "sdp": "v=0"}))  # no hello first
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4003


async def test_a_dropped_link_closes_its_peers_after_five_seconds_unless_it_comes_back(
    media: MediaProcess,
) -> None:
    first = await LinkClient.connect(media.url, SECRET, process="plaza-1")
    other = await LinkClient.connect(media.url, SECRET, process="plaza-2")
    speaker = PeerClient(mic=OpusSignalTrack(seed=1))
    listener = PeerClient()
    kept = PeerClient()
    try:
        await join(first, "s", speaker, FLOOR)
        await join(first, "l", listener, listens("m/floor/"))
        await join(other, "k", kept, listens("m/floor/"))
        await connected(speaker, listener, kept)
        await wait_until(lambda: listener.stats[0].count > 10 and kept.stats[0].count > 10, 5)
        # plaza-1 restarts quickly: same process id back within the grace, its peers carry on
        await first.close()
        await asyncio.sleep(2)
        first = await LinkClient.connect(media.url, SECRET, process="plaza-1")
        await asyncio.sleep(4)
        assert (await other.stats())["peers"] == 3
        assert await share(speaker, listener, 0, 1.0) >= 0.95
        # plaza-1 gone for good: after 5 s its two peers are closed, plaza-2's listener is not
        await first.close()
        dropped = time.monotonic()
        await wait_until(lambda: kept.stats[0].count > 0, 1)
        assert await share(speaker, kept, 0, 3.0) >= 0.95  # still the speaker's audio during the grace
        stats = await other.stats()
        assert stats["peers"] == 3
        await wait_until(lambda: speaker.failed.is_set() or speaker.pc.connectionState != "connected", 15)
        assert time.monotonic() - dropped >= 4.5
        stats = await other.stats()
        assert stats["peers"] == 1 and stats["sources"] == 0
        await wait_until(lambda: other.slots("k") == [None] * 8, 3, "the speaker's slot freed")
    finally:
        await closing(speaker, listener, kept)
        await other.close()


async def test_one_peer_going_away_leaves_the_others_flowing(link: LinkClient) -> None:
    speaker = PeerClient(mic=OpusSignalTrack(seed=1))
    listeners = [PeerClient() for _ in range(4)]
    try:
        await join(link, "s", speaker, FLOOR)
        for i, lis in enumerate(listeners):
            await join(link, f"l{i}", lis, listens("m/floor/"))
        await connected(speaker, *listeners)
        await wait_until(lambda: all(lis.stats[0].count > 10 for lis in listeners), 5)
        await listeners[0].close()  # a browser tab closed
        # a phone gone off the Wi-Fi: its ICE transport just stops (no DTLS goodbye)
        await listeners[1].pc.getTransceivers()[0].receiver.transport.transport.stop()
        shares = await asyncio.gather(*(share(speaker, lis, 0, 2.0) for lis in listeners[2:]))
        assert all(r >= 0.95 for r in shares), shares
        await wait_until(
            lambda: any(m["t"] == "state" and m["peer"] == "l0" for m in link.messages), 35, "l0 reported gone"
        )
        assert [m for m in link.messages if m["t"] == "state" and m["peer"] == "l0"][-1]["state"] == "failed"
        shares = await asyncio.gather(*(share(speaker, lis, 0, 1.0) for lis in listeners[2:]))
        assert all(r >= 0.95 for r in shares), shares
    finally:
        await closing(speaker, *listeners)


@pytest.mark.parametrize("media", [{"PLAZA_MEDIA_MAX_PEERS": "2"}], indirect=True)
async def test_too_many_peers(link: LinkClient) -> None:
    peers = [PeerClient() for _ in range(3)]
    try:
        assert (await join(link, "a", peers[0], listens("m/floor/")))["t"] == "answer"
        assert (await join(link, "b", peers[1], listens("m/floor/")))["t"] == "answer"
        reply = await join(link, "c", peers[2], listens("m/floor/"))
        assert reply["t"] == "error" and reply["code"] == "too_many_peers"
        # a new offer for a peer it has replaces it, and does not count twice
        again = PeerClient()
        assert (await join(link, "a", again, listens("m/floor/")))["t"] == "answer"
        await connected(again, peers[1])
        assert (await link.stats())["peers"] == 2
        await again.close()
    finally:
        await closing(*peers)


async def test_browsers_mdns_candidates_connect_through_peer_reflexive_candidates(link: LinkClient) -> None:
    """A browser's offer names its host candidates ``<uuid>.local`` (and Firefox ends with end-of-candidates)."""
    speaker = PeerClient(mic=OpusSignalTrack(seed=1))
    listener = PeerClient()
    try:
        offer = await speaker.offer(mdns=True)
        assert ".local " in offer and "a=end-of-candidates" in offer and " 127.0.0.1 " not in offer
        reply = await link.offer("s", offer, FLOOR)
        assert reply["t"] == "answer"
        await speaker.accept(reply["sdp"])
        assert (await join(link, "l", listener, listens("m/floor/"), mdns=True))["t"] == "answer"
        await connected(speaker, listener, timeout=15)
        await wait_until(lambda: listener.stats[0].count > 20, 5, "audio through mDNS-only peers")
    finally:
        await closing(speaker, listener)


async def test_an_offer_is_given_to_aiortc_without_mdns_candidates_nor_end_of_candidates() -> None:
    peer = PeerClient(mic=OpusSignalTrack(seed=1))
    try:
        plain = await peer.offer()
        named = re.sub(
            r" 127\.0\.0\.1 (\d+) typ host", r" 0c3e5a1b-7f2d-4c9e-9a41-5e8b2f6d7c10.local \1 typ host", plain
        )
        both = named.replace("a=end-of-candidates", "a=candidate:9 1 udp 1 127.0.0.1 9 typ host\r\na=end-of-candidates")
        offer = check_offer(both)
        assert ".local" not in offer.sdp and "end-of-candidates" not in offer.sdp
        assert "a=candidate:9 1 udp 1 127.0.0.1 9 typ host" in offer.sdp
        assert offer.mdns and all(c.split()[4].endswith(".local") for _, c in offer.mdns)
        assert offer.directions == ["sendonly"] + ["recvonly"] * 8
        assert check_offer(plain).mdns == []
    finally:
        await peer.close()


async def test_sigterm_closes_cleanly(media: MediaProcess) -> None:
    link = await LinkClient.connect(media.url, SECRET)
    speaker = PeerClient(mic=OpusSignalTrack(seed=1))
    try:
        await join(link, "s", speaker, FLOOR)
        await connected(speaker)
        assert await media.astop() == 0
        assert "media process stopped" in media.log()
        await asyncio.wait_for(link.closed, 5)
    finally:
        await closing(speaker)
