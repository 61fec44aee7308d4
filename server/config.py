"""Settings: flags, each with an environment variable, each with a default."""

from __future__ import annotations

import argparse
import os
import socket
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
        return f"http://{host}:{self.port}"


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
]


def parse_settings(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="python -m server", description="Plaza: a live assembly server.")
    for name, var, kind, text in OPTIONS:
        default = kind(env[var]) if env.get(var) else getattr(defaults, name)
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            type=kind,
            default=default,
            help=f"{text} [env {var}; default {getattr(defaults, name)!s}]",
        )
    args = parser.parse_args(argv)
    return Settings(**vars(args))


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
