"""Settings: flags, each with an environment variable, each with a default."""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    host: str = "0.0.0.0"
    port: int = 8000
    data: Path = Path("plaza-data")
    store_url: str = ""  # default: the Redis URL if given, else sqlite:///<data>/plaza.db
    redis_url: str = ""
    public_url: str = ""  # default: http://<LAN address>:<port>
    title: str = "General assembly"
    log_level: str = "info"
    publish_interval: float = 0.05
    presence_lease: float = 15.0
    workers: int = 1
    open_creation: bool = False  # anyone who reaches the server may create meetings (no organiser link)
    create_limit: int = 20  # meetings one client address may create per minute
    idle_unload: float = 600.0  # seconds a meeting with no connections stays in memory
    max_meetings: int = 1000  # meetings the store may hold before creation is refused
    min_free_disk: int = 200  # MB that must stay free in the data folder's disk for a new meeting
    # Audio (server/media/): "on" starts the media process here (the command line's default), "off"
    # turns audio off (an embedded Plaza's default: tests, tools), a ws:// URL uses one on another host.
    media: str = "off"
    media_secret: str = ""  # shared with a media process on another host (with --media ws://…)
    ice_servers: str = ""  # JSON list of STUN/TURN servers for browsers and the media process ("": a LAN)
    tls_cert: str = ""  # serve https (browsers open a microphone only on https pages, or on localhost)
    tls_key: str = ""

    def resolved_store_url(self) -> str:
        return self.store_url or self.redis_url or f"sqlite:///{self.data.resolve() / 'plaza.db'}"

    def resolved_public_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = lan_address()
        if ":" in host:
            host = f"[{host}]"
        scheme = "https" if self.tls_cert else "http"
        return f"{scheme}://{host}:{self.port}"


# (flag, env var, type, help).  docs/deployment.md... see README "Settings".
OPTIONS = [
    (
        "host",
        "PLAZA_HOST",
        str,
        "address to listen on (0.0.0.0: every interface, so phones on the venue Wi-Fi reach it)",
    ),
    ("port", "PORT", int, "port to listen on"),
    ("data", "PLAZA_DATA", Path, "folder for the embedded store (created if missing)"),
    ("store_url", "PLAZA_STORE", str, "store URL; default the Redis URL if given, else sqlite:///<data>/plaza.db"),
    ("redis_url", "REDIS_URL", str, "keep meetings in Redis (several processes serve one meeting)"),
    ("public_url", "PUBLIC_URL", str, "base URL phones use (behind a proxy, or to pick a LAN address)"),
    ("title", "PLAZA_TITLE", str, "title of the meeting created on first start"),
    ("log_level", "PLAZA_LOG_LEVEL", str, "debug, info, warning or error"),
    ("publish_interval", "PLAZA_PUBLISH_INTERVAL", float, "least seconds between two view updates of a meeting"),
    (
        "presence_lease",
        "PLAZA_PRESENCE_LEASE",
        float,
        "with Redis: seconds after a process dies before its phones stop counting as present",
    ),
    ("workers", "WEB_CONCURRENCY", int, "processes serving one port (more than 1 needs --redis-url)"),
    (
        "open_creation",
        "PLAZA_OPEN_CREATION",
        bool,
        "anyone who reaches the server may create meetings; without it creating needs the organiser link",
    ),
    ("create_limit", "PLAZA_CREATE_LIMIT", int, "meetings one client address may create per minute"),
    ("idle_unload", "PLAZA_IDLE_UNLOAD", float, "seconds a meeting with no connections stays in memory"),
    ("max_meetings", "PLAZA_MAX_MEETINGS", int, "meetings the store may hold; creating more is refused (409)"),
    ("min_free_disk", "PLAZA_MIN_FREE_DISK", int, "MB of disk that must stay free for a new meeting (else 507)"),
    (
        "media",
        "PLAZA_MEDIA",
        str,
        "audio: on (start the media process here), off, or ws://host:port of a media process elsewhere",
    ),
    ("media_secret", "PLAZA_MEDIA_SECRET", str, "the secret a media process elsewhere expects (with --media ws://…)"),
    (
        "ice_servers",
        "PLAZA_ICE_SERVERS",
        str,
        'STUN/TURN servers as JSON, e.g. [{"urls": "turn:turn.example.org:3478", "username": "u", "credential": "p"}]',
    ),
]
OPTIONS += [
    ("tls_cert", "PLAZA_TLS_CERT", str, "certificate file (PEM): serve https, which microphones need off localhost"),
    ("tls_key", "PLAZA_TLS_KEY", str, "the certificate's private key file (PEM)"),
]
# What ``python -m server`` defaults to where it differs from an embedded Plaza's (``Settings()``).
COMMAND_LINE_DEFAULTS = {"media": "on"}

TRUE = ("1", "true", "yes", "on")
SECRET_FILE = "secret"


def parse_settings(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="python -m server", description="Plaza: a live assembly server.")
    for name, var, kind, text in OPTIONS:
        if kind is bool:
            parser.add_argument(
                f"--{name.replace('_', '-')}",
                dest=name,
                action="store_true",
                default=env.get(var, "").strip().lower() in TRUE,
                help=f"{text} [env {var}=1]",
            )
            continue
        default = kind(env[var]) if env.get(var) else COMMAND_LINE_DEFAULTS.get(name, getattr(defaults, name))
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            type=kind,
            default=default,
            help=f"{text} [env {var}; default {COMMAND_LINE_DEFAULTS.get(name, getattr(defaults, name))!s}]",
        )
    args = parser.parse_args(argv)
    return Settings(**vars(args))


def load_secret(data: Path) -> str:
    """This server's secret, made at first start and kept in ``<data>/secret`` (mode 0600).

    The organiser key and every meeting's facilitator key derive from it, so the
    organiser page can show every meeting's links without the server storing them.
    ``PLAZA_SECRET`` in the environment takes its place (platforms whose disk does not last,
    or several machines sharing one Redis).
    """
    if os.environ.get("PLAZA_SECRET", "").strip():
        return os.environ["PLAZA_SECRET"].strip()
    data.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = data / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        text = path.read_text().strip()
        if text:
            return text
        # Another process is writing it right now (workers starting together): wait for it.
        for _ in range(100):
            time.sleep(0.02)
            text = path.read_text().strip()
            if text:
                return text
        raise RuntimeError(f"{path} is empty: delete it to make a new one") from None
    secret = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    return secret


def lan_address() -> str:
    """This machine's address on the local network, for links phones can open (no packet is sent)."""
    candidates: list[str] = []
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            candidates.append(str(info[4][0]))
    except OSError:
        pass
    for address in candidates:
        if not address.startswith("127."):
            return address
    # Ask the kernel which source address a route out would use.  Connecting a UDP
    # socket only looks up the route: no packet leaves the machine.
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1, never routed for real
            address = str(probe.getsockname()[0])
            if not address.startswith(("127.", "0.")):
                return address
    except OSError:
        pass
    return "127.0.0.1"
