"""``python -m server``: start Plaza and print the facilitator link with a QR code.

``--workers N`` (or ``WEB_CONCURRENCY``) runs N processes on one port (uvicorn's
workers); they share meetings through Redis, so it needs ``--redis-url``.  The
parent process creates the first meeting before the workers start, so they
don't race to create one each.  ``export``, ``import`` and ``archive`` are
in :mod:`server.records`.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging.config
import os
import resource
import sys

import qrcode
import uvicorn

from server.app import create_app
from server.config import OPTIONS, Settings, parse_settings
from server.hub.hub import Hub
from server.logs import log_config
from server.store import open_store

LINKS_FILE = "links.json"


def raise_open_file_limit() -> None:
    """A hall of phones needs many sockets: lift the soft fd limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def announce(settings: Settings):  # type: ignore[no-untyped-def]
    """On first start, create a meeting; on every start, print how to reach the newest one."""

    async def on_startup(hub: Hub) -> None:
        links_path = settings.data / LINKS_FILE
        saved: dict[str, dict[str, str]] = {}
        if links_path.exists():
            saved = json.loads(links_path.read_text())
        if not await hub.store.meeting_ids():
            new = await hub.create_meeting(settings.title)
            saved[new.id] = {
                "title": new.title,
                "code": new.code,
                **hub.links(new.id, new.code, new.facilitator_secret, new.screen_key),
            }
            settings.data.mkdir(parents=True, exist_ok=True)
            # The links carry secrets: keep them readable by this user only.
            fd = os.open(links_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump(saved, f, indent=2)
        print_links(hub, saved)

    return on_startup


def print_links(hub: Hub, saved: dict[str, dict[str, str]]) -> None:
    out = sys.stdout
    print(f"\nPlaza is running at {hub.public_url}/  (create more meetings there)\n", file=out)
    if not saved:
        return
    links = list(saved.values())[-1]
    print(f"Meeting: {links['title']}   code {links['code']}", file=out)
    print(f"  Facilitator console (keep it secret): {links['facilitator_url']}", file=out)
    print(f"  Big screen (open on the projector):   {links['screen_url']}", file=out)
    print(f"  Join link for phones:                 {links['join_url']}\n", file=out)
    print("Scan to open the facilitator console on your phone:", file=out)
    qr = qrcode.QRCode(border=1)
    qr.add_data(links["facilitator_url"])
    buffer = io.StringIO()
    qr.print_ascii(out=buffer, invert=True)
    print(buffer.getvalue(), file=out, flush=True)


async def bootstrap(settings: Settings) -> None:
    """Before the workers start: the first meeting and the links, once."""
    store = open_store(settings.resolved_store_url())
    await store.open()
    try:
        await announce(settings)(Hub(store, public_url=settings.resolved_public_url()))
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
    server_options: dict[str, object] = {
        "host": settings.host,
        "port": settings.port,
        "ws": "websockets-sansio",
        # Compression costs hundreds of KB per connection; views are small.
        "ws_per_message_deflate": False,
        "ws_max_size": 64 * 1024,
        "ws_ping_interval": 20,
        "ws_ping_timeout": 20,
        "log_config": log_config(settings.log_level),
        "timeout_graceful_shutdown": 3,
    }
    if settings.workers <= 1:
        uvicorn.run(create_app(settings, on_startup=announce(settings)), **server_options)  # type: ignore[arg-type]
        return
    if not open_store(settings.resolved_store_url()).shared:
        sys.exit("error: --workers needs --redis-url: the workers share meetings through Redis (docs/deployment.md)")
    asyncio.run(bootstrap(settings))
    # The workers read their settings from the environment, which they inherit.
    for name, var, _, _ in OPTIONS:
        os.environ[var] = str(getattr(settings, name))
    uvicorn.run("server.__main__:worker_app", factory=True, workers=settings.workers, **server_options)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
