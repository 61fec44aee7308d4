"""Run a real Plaza server as a child process, for tests, benchmarks and screenshots."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Timeouts scale on slow machines: PLAZA_TEST_TIMEOUT_FACTOR=3
TIMEOUT_FACTOR = float(os.environ.get("PLAZA_TEST_TIMEOUT_FACTOR", "1"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _unverified() -> ssl.SSLContext:
    """For a test server's own self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass
class ServerProcess:
    data: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    extra_args: list[str] = field(default_factory=list)
    organiser_key: str = ""  # read from <data>/links.json once the server is up
    # Audio tests start the media process as ``python -m server`` does by default; the rest run
    # without it (it costs a second and 70 MB per server, and they never offer audio).
    media: bool = False
    scheme: str = "http"  # "https" with --tls-cert (the probe then trusts any certificate)

    @property
    def http(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self, timeout: float = 15) -> ServerProcess:
        self.data.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data.parent / f"server-{self.port}-{time.monotonic_ns()}.log"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--data",
                str(self.data),
                "--public-url",
                self.http,
                "--log-level",
                os.environ.get("PLAZA_TEST_LOG_LEVEL", "warning"),
                *([] if self.media else ["--media", "off"]),
                *self.extra_args,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log_path.open("wb"),
        )
        deadline = time.monotonic() + timeout * TIMEOUT_FACTOR
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.http}/healthz", timeout=1, context=_unverified()) as r:
                    if r.status == 200:
                        self.organiser_key = self.read_organiser_key()
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()  # not left running (with its media process) behind a failed start
        raise RuntimeError("server did not become healthy")

    def read_organiser_key(self) -> str:
        """The organiser key, from the links file the server writes at start (its stdout is no terminal)."""
        links = json.loads((self.data / "links.json").read_text())
        return str(links["organiser_url"]).split("#key=", 1)[1]

    @property
    def organiser_url(self) -> str:
        return f"{self.http}/organise#key={self.organiser_key}"

    def kill(self) -> None:
        """Pull the plug: SIGKILL, no shutdown hooks."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()

    def post(self, path: str, body: Any, raw: bytes | None = None, *, key: str | None = None) -> tuple[int, Any]:
        """POST JSON; with the organiser key unless ``key`` says otherwise ("" sends none)."""
        data = raw if raw is not None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        key = self.organiser_key if key is None else key
        if key:
            headers["Authorization"] = f"Bearer {key}"
        req = urllib.request.Request(f"{self.http}{path}", data=data, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def get(self, path: str, *, key: str = "") -> tuple[int, bytes, str]:
        """GET; with ``key`` as the organiser key."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        try:
            with urllib.request.urlopen(urllib.request.Request(f"{self.http}{path}", headers=headers), timeout=5) as r:
                return r.status, r.read(), r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            return e.code, e.read(), e.headers.get("Content-Type", "")

    def create_meeting(self, title: str = "Test assembly") -> dict[str, Any]:
        status, body = self.post("/api/meetings", {"title": title})
        assert status == 201, body
        return body  # type: ignore[no-any-return]


def redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class RedisProcess:
    """A redis-server of our own on a free port, which tests may stop and start again."""

    folder: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisProcess:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "",
                "--maxmemory-policy",
                "noeviction",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10 * TIMEOUT_FACTOR
        while not redis_answers("127.0.0.1", self.port):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("redis-server did not start (is it installed? scripts/test installs it)")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def start_redis(folder: Path, port: int | None = None) -> RedisProcess:
    return RedisProcess(folder=folder, port=port or free_port()).start()
