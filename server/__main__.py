"""``python -m server``: start Plaza and show its links: the organiser's, and the first meeting's.

The links carry secrets, so they are printed (with a QR code of the facilitator
link) only when standard output is a terminal.  Otherwise (a platform, where
standard output is the log) they are only written to ``<data>/links.json``
(mode 0600), and the log says where.

``--workers N`` (or ``WEB_CONCURRENCY``) runs N processes on one port (uvicorn's
workers); they share meetings through Redis, so it needs ``--redis-url``.  The
parent process creates the first meeting before the workers start, so they
don't race to create one each.  ``export``, ``import`` and ``archive`` are
in :mod:`server.records`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import json
import logging
import logging.config
import os
import resource
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

import qrcode
import uvicorn

from server.app import MAX_HEADERS, create_app
from server.config import OPTIONS, Settings, load_secret, parse_settings
from server.http import PlazaH11Protocol, PlazaWebSocketProtocol
from server.hub.hub import Hub
from server.hub.media import die_with_parent, free_port
from server.logs import log_config
from server.store import open_store

LINKS_FILE = "links.json"
log = logging.getLogger("plaza.start")


def raise_open_file_limit() -> None:
    """A hall of phones needs many sockets: lift the soft fd limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def announce(settings: Settings):  # type: ignore[no-untyped-def]
    """On first start, create a meeting; on every start, show (or file) the links."""

    async def on_startup(hub: Hub) -> None:
        links_path = settings.data / LINKS_FILE
        saved: dict[str, Any] = {}
        if links_path.exists():
            saved = json.loads(links_path.read_text())
        # Before the organiser link, links.json held only {meeting id: links}.
        meetings: dict[str, dict[str, str]] = saved.get("meetings", {} if "organiser_url" in saved else saved)
        if not await hub.store.meeting_ids():
            new = await hub.create_meeting(settings.title)
            meetings[new.id] = {"title": new.title, "code": new.code}
        for meeting_id, entry in meetings.items():  # the links follow today's --public-url
            state = await hub.peek(meeting_id)
            links = hub.meeting_links(state) if state is not None else None
            if links is not None:
                entry.update(links)
        links = {"url": f"{hub.public_url}/", "organiser_url": hub.organiser_url, "meetings": meetings}
        write_private(links_path, links)
        if sys.stdout.isatty():
            print_links(links, sys.stdout)
        else:
            log.info(
                "Plaza is running; its links (organiser, facilitator, screen) are in the links file",
                extra={"url": links["url"], "links_file": str(links_path.resolve())},
            )

    return on_startup


def write_private(path: Path, data: object) -> None:
    """Write a JSON file readable by this user only (it holds secret links)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older file may have been readable by others
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2)


def print_links(links: dict[str, Any], out: TextIO) -> None:
    print(f"\nPlaza is running at {links['url']}", file=out)
    print(f"  Organiser page (keep it secret; lists and creates meetings): {links['organiser_url']}\n", file=out)
    meetings = [m for m in links["meetings"].values() if "facilitator_url" in m]
    if not meetings:
        return
    newest = meetings[-1]
    print(f"Meeting: {newest['title']}   code {newest['code']}", file=out)
    print(f"  Facilitator console (keep it secret): {newest['facilitator_url']}", file=out)
    print(f"  Big screen (open on the projector):   {newest['screen_url']}", file=out)
    print(f"  Join link for phones:                 {newest['join_url']}\n", file=out)
    print("Scan to open the facilitator console on your phone:", file=out)
    print(terminal_qr(newest["facilitator_url"]), file=out, flush=True)


def terminal_qr(data: str) -> str:
    """A QR code that scans on light and dark terminals alike.

    Each character is two modules (upper and lower half blocks), drawn in black on an
    explicit white background with a 4-module quiet zone: the terminal's own colours never
    decide which modules are dark.
    """
    qr = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    blocks = {(False, False): " ", (True, False): "\u2580", (False, True): "\u2584", (True, True): "\u2588"}
    lines = []
    for top, bottom in zip(matrix[::2], matrix[1::2], strict=True):
        row = "".join(blocks[(a, b)] for a, b in zip(top, bottom, strict=True))
        lines.append(f"\x1b[30;107m{row}\x1b[0m")
    return "\n".join(lines)


def port_refusal(host: str, port: int) -> str | None:
    """``None`` if ``host:port`` can be listened on now, else what to tell the person starting Plaza."""
    if port_free(host, port):
        return None
    suggestion = next((p for p in range(port + 1, port + 50) if port_free(host, p)), None)
    text = f"error: port {port} is taken (another program, or Plaza already running, listens on it)."
    if suggestion is not None:
        text += f" Try a free one: --port {suggestion}"
    return text


def port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


async def bootstrap(settings: Settings) -> None:
    """Before the workers start: the first meeting and the links, once."""
    store = open_store(settings.resolved_store_url())
    await store.open()
    try:
        hub = Hub(store, public_url=settings.resolved_public_url(), secret=load_secret(settings.data))
        await announce(settings)(hub)
    finally:
        await store.close()


def worker_app():  # type: ignore[no-untyped-def]
    """The app of one of several workers (``uvicorn --factory``): settings come from the environment."""
    settings = parse_settings([])
    logging.config.dictConfig(log_config(settings.log_level))
    raise_open_file_limit()
    return create_app(settings)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("export", "import", "archive"):
        from server import records

        sys.exit(records.main(argv))
    settings = parse_settings(argv)
    logging.config.dictConfig(log_config(settings.log_level))
    raise_open_file_limit()
    refusal = port_refusal(settings.host, settings.port)
    if refusal is not None:  # before anything is printed or created
        sys.exit(refusal)
    server_options: dict[str, object] = {
        "host": settings.host,
        "port": settings.port,
        # h11, not httptools: h11 bounds the request line and headers (a longer one gets 400);
        # ours also bounds the time they take (server/http.py).
        "http": PlazaH11Protocol,
        "h11_max_incomplete_event_size": MAX_HEADERS,
        # uvicorn's websockets-sansio, taking frames framed once for many (server/http.py).
        "ws": PlazaWebSocketProtocol,
        # Compression costs hundreds of KB per connection; views are small.
        "ws_per_message_deflate": False,
        "ws_max_size": 64 * 1024,
        "ws_ping_interval": 20,
        "ws_ping_timeout": 20,
        "log_config": log_config(settings.log_level),
        "timeout_graceful_shutdown": 3,
    }
    if settings.tls_cert:  # https: a phone's browser opens its microphone only on a secure page
        server_options.update(ssl_certfile=settings.tls_cert, ssl_keyfile=settings.tls_key or None)
    if settings.workers <= 1:
        uvicorn.run(create_app(settings, on_startup=announce(settings)), **server_options)  # type: ignore[arg-type]
        return
    if not open_store(settings.resolved_store_url()).shared:
        sys.exit("error: --workers needs --redis-url: the workers share meetings through Redis (docs/deployment.md)")
    asyncio.run(bootstrap(settings))
    media = None
    if settings.media.strip().lower() == "on":
        # One media process for every worker (a room's people may be on different workers), kept
        # running by a thread of this parent; the workers reach it by URL.
        media = MediaProcess(settings.media_secret or secrets.token_urlsafe(24), settings.ice_servers)
        media.start()
        settings = dataclasses.replace(settings, media=media.url, media_secret=media.secret)
    # The workers read their settings from the environment, which they inherit.
    for name, var, _, _ in OPTIONS:
        os.environ[var] = str(getattr(settings, name))
    try:
        uvicorn.run("server.__main__:worker_app", factory=True, workers=settings.workers, **server_options)  # type: ignore[arg-type]
    finally:
        if media is not None:
            media.stop()


class MediaProcess:
    """``python -m server.media`` beside the workers, started again whenever it exits (a thread)."""

    def __init__(self, secret: str, ice: str) -> None:
        self.secret = secret
        self.port = free_port()
        self.url = f"ws://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PLAZA_MEDIA_HOST": "127.0.0.1",
            "PLAZA_MEDIA_PORT": str(self.port),
            "PLAZA_MEDIA_SECRET": secret,
            "PLAZA_ICE_SERVERS": ice,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name="media-supervisor", daemon=True).start()

    def _run(self) -> None:
        backoff = 0.5
        while not self.stopping.is_set():
            started = time.monotonic()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server.media"], env=self.env, preexec_fn=die_with_parent
            )
            code = self.process.wait()
            if self.stopping.is_set():
                return
            backoff = 0.5 if time.monotonic() - started > 30 else min(backoff * 2, 5.0)
            log.warning("media process exited; starting it again", extra={"code": code})
            self.stopping.wait(backoff)

    def stop(self) -> None:
        self.stopping.set()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()


if __name__ == "__main__":
    main()
