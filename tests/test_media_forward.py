"""The forward hook's assumptions about aiortc's private internals, checked on the installed aiortc.

server/media/forward.py replaces two name-mangled attributes of an ``RTCRtpReceiver`` to take the
publisher's Opus packets with no jitter buffer and no decoder.  If aiortc renames or reshapes them,
these tests fail (and the media process refuses to start: ``check_internals``).
"""

from __future__ import annotations

import asyncio
import datetime
import itertools
import queue
import threading
import time
from collections.abc import Iterator

import aiortc
import pytest
from aiortc import RTCPeerConnection
from aiortc.jitterbuffer import JitterBuffer

from server.media import forward
from server.media.testing import SignalTrack, loopback_only


@pytest.fixture(autouse=True)
def loopback() -> Iterator[None]:
    with loopback_only():
        yield


def test_the_pinned_version_is_installed() -> None:
    assert aiortc.__version__ == forward.PINNED


async def test_the_receiver_has_the_private_attributes_the_hook_replaces() -> None:
    await forward.check_internals()  # what the media process runs at start-up
    pc = RTCPeerConnection()
    try:
        receiver = pc.addTransceiver("audio", direction="recvonly").receiver
        assert isinstance(receiver._RTCRtpReceiver__jitter_buffer, JitterBuffer)
        assert isinstance(receiver._RTCRtpReceiver__decoder_queue, queue.Queue)
        assert receiver._RTCRtpReceiver__decoder_thread is None  # started by receive(), reading the queue
    finally:
        await pc.close()


async def test_check_internals_names_the_pinned_version_when_they_are_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forward, "_ATTRS", (*forward._ATTRS, "_RTCRtpReceiver__renamed"))
    with pytest.raises(forward.InternalsChanged, match=f"aiortc=={forward.PINNED}"):
        await forward.check_internals()


async def test_a_hooked_receiver_hands_over_opus_packets_and_decodes_nothing() -> None:
    sender_pc, receiver_pc = RTCPeerConnection(), RTCPeerConnection()
    got: list[tuple[bytes | None, int, float]] = []
    sent: list[bytes] = []
    try:
        mic = SignalTrack(seed=1)
        sender = sender_pc.addTransceiver(mic, direction="sendonly").sender
        original = sender._next_encoded_frame

        async def recording(codec: object) -> object:
            frame = await original(codec)
            if frame is not None:
                sent.extend(frame.payloads)
            return frame

        sender._next_encoded_frame = recording
        tracks = []

        @receiver_pc.on("track")
        def on_track(track: object) -> None:
            receiver = next(t.receiver for t in receiver_pc.getTransceivers() if t.receiver.track is track)
            forward.hook_receiver(receiver, lambda data, ts: got.append((data, ts, time.monotonic())))
            tracks.append(track)

        await sender_pc.setLocalDescription(await sender_pc.createOffer())
        await receiver_pc.setRemoteDescription(sender_pc.localDescription)
        await receiver_pc.setLocalDescription(await receiver_pc.createAnswer())
        await sender_pc.setRemoteDescription(receiver_pc.localDescription)
        deadline = time.monotonic() + 10
        while len(got) < 100 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert len(got) >= 100
        packets = [g for g in got if g[0] is not None]
        assert [p[0] for p in packets] == sent[: len(packets)]  # the sender's Opus bytes, in order
        steps = {b[1] - a[1] for a, b in itertools.pairwise(packets)}
        assert steps == {960}  # RTP timestamps, one 20 ms frame apart
        # the decoder thread aiortc started read the hook's queue, got "no more work" and ended at once
        assert not any(t.name == "audio-decoder" for t in threading.enumerate())
        assert tracks and tracks[0]._queue.qsize() <= 1  # the decoded track got nothing (at most its end)
    finally:
        await sender_pc.close()
        await receiver_pc.close()
    assert got[-1][0] is None  # closing the receiver tells the sink


def test_the_queue_and_buffer_stand_ins() -> None:
    calls: list[tuple[bytes | None, int]] = []
    q = forward.ForwardQueue(lambda data, ts: calls.append((data, ts)))

    class Packet:
        _data = b"opus"
        timestamp = 1234

    assert q.get() is None
    pli, frame = forward.NoDelayJitterBuffer().add(Packet())
    assert not pli and frame.data == b"opus" and frame.timestamp == 1234
    q.put(("codec", frame))
    q.put(None)
    q.put(None)
    assert calls == [(b"opus", 1234), (None, 0)]


async def test_trimming_the_senders_history_keeps_one_packet(monkeypatch: pytest.MonkeyPatch) -> None:
    """aiortc negotiates no NACK for audio, so a sender's 128-packet history is dead weight for us."""
    import aiortc.rtcrtpsender

    monkeypatch.setattr(aiortc.rtcrtpsender, "RTP_HISTORY_SIZE", aiortc.rtcrtpsender.RTP_HISTORY_SIZE)
    assert forward.trim_sender_history()
    sender_pc, receiver_pc = RTCPeerConnection(), RTCPeerConnection()
    try:
        sender = sender_pc.addTransceiver(SignalTrack(seed=1), direction="sendonly").sender
        await sender_pc.setLocalDescription(await sender_pc.createOffer())
        await receiver_pc.setRemoteDescription(sender_pc.localDescription)
        assert all(not c.rtcpFeedback for t in receiver_pc.getTransceivers() for c in t._codecs)  # no NACK
        await receiver_pc.setLocalDescription(await receiver_pc.createAnswer())
        await sender_pc.setRemoteDescription(receiver_pc.localDescription)
        await asyncio.sleep(1.5)
        history = sender._RTCRtpSender__rtp_history
        assert sender._RTCRtpSender__packet_count > 20 and len(history) == 1
    finally:
        await sender_pc.close()
        await receiver_pc.close()


async def test_one_certificate_for_the_process_renewed_before_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    from aiortc import RTCSessionDescription
    from aiortc.rtcdtlstransport import RTCCertificate

    stock = RTCCertificate.__dict__["generateCertificate"]
    monkeypatch.setattr(RTCCertificate, "generateCertificate", stock)  # put back after the test
    assert forward.share_certificate()
    first = RTCCertificate.generateCertificate()
    assert RTCCertificate.generateCertificate() is first  # every connection: the same identity
    # Two connections made now name the same fingerprint in their SDP, and still connect.
    a, b = RTCPeerConnection(), RTCPeerConnection()
    try:
        a.addTransceiver("audio", direction="sendrecv")
        await a.setLocalDescription(await a.createOffer())
        await b.setRemoteDescription(RTCSessionDescription(a.localDescription.sdp, "offer"))
        await b.setLocalDescription(await b.createAnswer())
        prints = {
            line
            for d in (a, b)
            for line in d.localDescription.sdp.splitlines()
            if line.startswith("a=fingerprint:sha-256")
        }
        assert len(prints) == 1
    finally:
        await a.close()
        await b.close()
    # aiortc's certificates last 30 days: within the renewal margin a new one is made.
    RTCCertificate.generateCertificate = stock
    assert forward.share_certificate(renew_before=datetime.timedelta(days=31))
    one, two = RTCCertificate.generateCertificate(), RTCCertificate.generateCertificate()
    assert one is not two and one.getFingerprints() != two.getFingerprints()
