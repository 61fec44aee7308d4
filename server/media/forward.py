"""Take a publisher's Opus packets off an aiortc receiver, with no jitter buffer and no decoder.

aiortc has no public way to get a remote track's *encoded* frames: its ``RTCRtpReceiver`` always
runs an audio jitter buffer (prefetch 4, about 80 ms) and a decoder thread, and its track yields
decoded frames only.  We forward Opus as it came, so on each publisher's receiver (that one
instance, nothing global) two name-mangled private attributes are replaced, as measured in
``/work/shared/research/aiortc-lab`` ("forward" mode):

- ``_RTCRtpReceiver__jitter_buffer``: :class:`NoDelayJitterBuffer`, which hands every RTP packet
  on at once (an Opus packet is a whole frame).
- ``_RTCRtpReceiver__decoder_queue``: :class:`ForwardQueue`, which receives ``(codec, frame)`` from
  ``_handle_rtp_packet`` on the event loop and passes the bytes and RTP timestamp to a sink.  The
  decoder thread aiortc starts in ``receive()`` reads this same object: its ``get()`` answers
  ``None`` at once, so the thread ends there instead of idling (one thread less per publisher).

This depends on aiortc's internals, so the version is pinned (:data:`PINNED`) and
:func:`check_internals` runs at start-up: the media process refuses to start if the attributes
are not there.  ``tests/test_media_forward.py`` checks the behaviour on the installed aiortc
(packets reach the sink, nothing is decoded).
"""

from __future__ import annotations

import datetime
import queue
from collections.abc import Callable
from typing import Any

import aiortc
from aiortc.jitterbuffer import JitterFrame

PINNED = "1.16.0"
_ATTRS = ("_RTCRtpReceiver__jitter_buffer", "_RTCRtpReceiver__decoder_queue", "_RTCRtpReceiver__decoder_thread")

# sink(opus_bytes, rtp_timestamp) for each packet; sink(None, 0) when the receiver stops.
Sink = Callable[[bytes | None, int], None]


class InternalsChanged(RuntimeError):
    """aiortc's receiver no longer has the private attributes the forward hook replaces."""


class NoDelayJitterBuffer:
    """Stands for ``aiortc.jitterbuffer.JitterBuffer`` on one audio receiver: every packet is a frame, at once."""

    capacity = 16  # read by nothing here; kept because the stock buffer has it

    def add(self, packet: Any) -> tuple[bool, JitterFrame]:
        return False, JitterFrame(data=packet._data, timestamp=packet.timestamp)


class ForwardQueue:
    """Stands for the receiver's decoder queue: ``put((codec, frame))`` calls the sink instead of decoding."""

    __slots__ = ("_ended", "sink")

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self._ended = False

    def put(self, item: Any) -> None:
        if item is None:  # the receiver stops (close, RTCP BYE, transport gone)
            if not self._ended:
                self._ended = True
                self.sink(None, 0)
            return
        frame = item[1]
        self.sink(frame.data, frame.timestamp)

    def get(self, *args: Any, **kwargs: Any) -> None:
        """What aiortc's decoder thread reads: None, "no more work", so the thread ends at once."""
        return None


async def check_internals() -> None:
    """Fail loudly, at start-up, if the installed aiortc's receiver lacks what :func:`hook_receiver` replaces."""
    from aiortc import RTCPeerConnection

    pc = RTCPeerConnection()
    try:
        receiver = pc.addTransceiver("audio", direction="recvonly").receiver
        missing = [name for name in _ATTRS if not hasattr(receiver, name)]
        if not missing and not isinstance(receiver._RTCRtpReceiver__decoder_queue, queue.Queue):
            missing = ["_RTCRtpReceiver__decoder_queue as a queue.Queue"]
        if missing:
            raise InternalsChanged(_message(missing))
    finally:
        await pc.close()


def trim_sender_history() -> bool:
    """Keep 1 sent RTP packet per sender instead of aiortc's 128, process-wide (False: not possible here).

    aiortc keeps each sender's last 128 packets to answer NACKs, but negotiates no NACK for audio
    (no ``nack`` feedback on its Opus codec): for us that history is only memory, about 80 KB per
    listener at 32 kb/s, and 128 more objects per slot for the garbage collector to walk.
    ``aiortc.rtcrtpsender.RTP_HISTORY_SIZE`` is the module constant the sender reads on each packet.
    """
    import aiortc.codecs
    import aiortc.rtcrtpsender

    opus_nack = any(
        fb.type == "nack" for c in aiortc.codecs.CODECS["audio"] for fb in (c.rtcpFeedback or []) if c.name == "opus"
    )
    if opus_nack or not isinstance(getattr(aiortc.rtcrtpsender, "RTP_HISTORY_SIZE", None), int):
        return False
    aiortc.rtcrtpsender.RTP_HISTORY_SIZE = 1
    return True


def _message(missing: list[str]) -> str:
    return (
        f"aiortc {aiortc.__version__} is installed, and its RTCRtpReceiver lacks {', '.join(missing)}: "
        f"the media process forwards Opus through those private attributes, checked on aiortc=={PINNED}. "
        f"Install aiortc=={PINNED} (pip install aiortc=={PINNED}), or update server/media/forward.py."
    )


def hook_receiver(receiver: Any, sink: Sink) -> None:
    """Make this receiver hand its packets to ``sink`` (call it before the connection starts the receiver)."""
    missing = [name for name in _ATTRS if not hasattr(receiver, name)]
    if missing:
        raise InternalsChanged(_message(missing))
    receiver._RTCRtpReceiver__jitter_buffer = NoDelayJitterBuffer()
    receiver._RTCRtpReceiver__decoder_queue = ForwardQueue(sink)


def share_certificate(renew_before: datetime.timedelta = datetime.timedelta(days=1)) -> bool:
    """One DTLS certificate and SSL context for every peer connection of this process (False: not possible).

    aiortc's ``RTCPeerConnection`` generates a new certificate for each connection
    (``RTCCertificate.generateCertificate()``) and each DTLS transport builds its own OpenSSL context
    from it.  Browsers let a page reuse one certificate across connections (``RTCConfiguration.certificates``);
    aiortc has no such option, so the media process makes the class method answer one certificate,
    whose context is built once per SRTP profile list.  Each connection keeps its own DTLS session
    and SRTP keys: only the identity the fingerprint in each answer names is shared.  aiortc's
    certificates are valid for 30 days: a new one is made when the current one has less than
    ``renew_before`` left (connections made before keep theirs).
    """
    from aiortc.rtcdtlstransport import RTCCertificate

    if not hasattr(RTCCertificate, "_create_ssl_context") or not callable(
        getattr(RTCCertificate, "generateCertificate", None)
    ):
        return False
    original = RTCCertificate.generateCertificate.__func__  # type: ignore[attr-defined]
    current: list[Any] = []

    def make() -> Any:
        made = original(RTCCertificate)
        contexts: dict[bytes, Any] = {}
        build = made._create_ssl_context

        def shared_context(srtp_profiles: list[Any]) -> Any:
            key = b":".join(p.openssl_profile for p in srtp_profiles)
            if key not in contexts:
                contexts[key] = build(srtp_profiles)
            return contexts[key]

        made._create_ssl_context = shared_context
        return made

    def shared(cls: Any) -> Any:
        now = datetime.datetime.now(datetime.UTC)
        if not current or current[0].expires - now < renew_before:
            current[:] = [make()]
        return current[0]

    RTCCertificate.generateCertificate = classmethod(shared)  # type: ignore[method-assign,assignment]
    return True
