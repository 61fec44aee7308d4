"""The ASGI app: pages, static assets, the JSON API and the websocket.

Every asset the clients need is served from ``clients/``: no CDN, no external
fonts or scripts (venues often have no internet).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import math
import secrets
import shutil
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import qrcode
import qrcode.image.svg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import i18n, minutes
from server.cafe import minutes as cafe_record
from server.config import Settings, load_secret
from server.core import registry
from server.core.errors import Rejection
from server.core.meeting import TITLE_MAX
from server.hub.hub import Hub, NewMeeting, normalize_code
from server.hub.media import AudioManager, Supervisor, ice_servers
from server.hub.socket import SocketEndpoint
from server.openspace import proceedings
from server.protocol import encodable
from server.store import Store, StoreError, open_store

log = logging.getLogger("plaza.app")

CLIENTS = Path(__file__).resolve().parent.parent / "clients"
MAX_BODY = 4096  # bytes: no route takes more (a meeting's title)
BODY_TIMEOUT = 5.0  # seconds a request's whole body may take to arrive
MAX_HEADERS = 16 * 1024  # bytes of request line and headers (uvicorn's h11_max_incomplete_event_size)
CREATE_WINDOW = 60.0  # seconds: --create-limit counts creations per address over this window
NO_CACHE = {"Cache-Control": "no-cache"}

Startup = Callable[[Hub], Awaitable[None]]


def api_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _head_size(scope: Scope) -> int:
    """About the bytes of the request line and headers as they came."""
    target = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
    return 16 + target + sum(len(k) + len(v) + 4 for k, v in scope.get("headers", ()))


class BodyLimit:
    """Every HTTP request's body is bounded before a route reads it.

    A declared ``Content-Length`` over ``max_body`` is refused at once (413), before any of
    the body is read; a body sent without a length is counted as it streams and refused at
    the first byte over; a body that takes longer than ``timeout`` to arrive gets 408.  The
    connection is closed after a refusal, so what the client still sends is never read.
    Routes then see the whole body, already in memory and small.  Websockets pass through.
    """

    def __init__(self, app: ASGIApp, *, max_body: int = MAX_BODY, timeout: float = BODY_TIMEOUT) -> None:
        self.app = app
        self.max_body = max_body
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and _head_size(scope) > MAX_HEADERS:
            # h11 bounds a head that arrives in pieces; one that arrives whole in a read is checked here.
            if scope["type"] == "http":
                await self.refuse(send, 431, "headers_too_large", f"Request headers are limited to {MAX_HEADERS} B.")
            else:
                await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length: str | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value.decode("latin-1")
            elif name == b"transfer-encoding":
                chunked = True
        if length is not None:
            if not length.strip().isdigit():
                await self.refuse(send, 400, "bad_request", "Content-Length must be a number.")
                return
            if int(length) > self.max_body:
                await self.refuse(send, 413, "too_large", f"The body is limited to {self.max_body} bytes.")
                return
            if int(length) == 0 and not chunked:
                await self.app(scope, receive, send)
                return
        elif not chunked:  # no body at all (a GET)
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                await self.refuse(send, 408, "too_slow", f"The body must arrive within {self.timeout:g} seconds.")
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await self.refuse(send, 413, "too_large", f"The body is limited to {self.max_body} bytes.")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def refuse(send: Send, status: int, code: str, message: str) -> None:
        payload = json.dumps({"error": {"code": code, "message": message}}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


REFUSALS_PER_WINDOW = 60  # meeting creations refused for a missing or wrong organiser key, per address


class CreationLimit:
    """At most ``limit`` meeting creations per client address in any ``window`` seconds."""

    def __init__(self, limit: int, window: float = CREATE_WINDOW) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[float]] = {}

    def retry_after(self, address: str) -> int:
        """0 if ``address`` may create now (and counts it), else the seconds to wait."""
        now = time.monotonic()
        for key in [k for k, q in self._seen.items() if not q or now - q[-1] >= self.window]:
            del self._seen[key]  # forget addresses that created nothing lately
        times = self._seen.setdefault(address, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) >= self.limit:
            return max(1, math.ceil(self.window - (now - times[0])))
        times.append(now)
        return 0


def qr_svg(data: str) -> bytes:
    image = qrcode.make(
        data, image_factory=qrcode.image.svg.SvgPathImage, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M
    )
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def page(name: str) -> Callable[[Request], Awaitable[Response]]:
    """A page's HTML; a first visit's language from ``Accept-Language`` is marked on ``<html>``.

    The page words itself (clients/shared/i18n.js): ``?lang=``, then the language picked before on that
    device, then ``data-accept-language``, then ``navigator.languages``.  Marking ``lang`` and ``dir``
    here also lays a right-to-left page out right from its first paint.
    """
    path = CLIENTS / name / "index.html"

    async def serve(request: Request) -> Response:
        lang = i18n.from_accept_language(request.headers.get("accept-language"))
        if lang is None:
            return FileResponse(path, headers=NO_CACHE)
        html = await asyncio.to_thread(path.read_text, encoding="utf-8")
        direction = "rtl" if lang in i18n.RTL else "ltr"
        html = html.replace(
            '<html lang="en">', f'<html lang="{lang}" dir="{direction}" data-accept-language="{lang}">', 1
        )
        return Response(html, media_type="text/html; charset=utf-8", headers={**NO_CACHE, "Vary": "Accept-Language"})

    return serve


def meeting_json(hub: Hub, new: NewMeeting) -> dict[str, Any]:
    return {
        "id": new.id,
        "code": new.code,
        "title": new.title,
        **hub.links(new.id, new.code, new.facilitator_secret, new.screen_key),
        "qr_url": f"{hub.public_url}/api/meetings/{new.id}/qr.svg",
    }


def organiser_key(request: Request) -> str:
    """The organiser key a request carries: ``Authorization: Bearer <key>``."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def organiser_refusal(request: Request) -> Response | None:
    """``None`` if the request carries the organiser key, else the error to answer."""
    hub: Hub = request.app.state.hub
    key = organiser_key(request)
    if not key:
        return api_error(401, "organiser_required", "Creating meetings needs the organiser link.")
    if not hub.is_organiser(key):
        return api_error(403, "bad_organiser_key", "That is not this server's organiser link.")
    return None


def _too_many(wait: int, what: str) -> Response:
    response = api_error(429, "rate_limited", f"{what}: try again in {wait} s.")
    response.headers["Retry-After"] = str(wait)
    return response


async def create_meeting(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    settings: Settings = request.app.state.settings
    address = request.client.host if request.client else ""
    # The organiser's key first: requests without it (or with a wrong one) must not use up the
    # address's creations (behind a proxy every client shares one address).  They are limited apart.
    if not settings.open_creation:
        refusal = organiser_refusal(request)
        if refusal is not None:
            wait = request.app.state.refusal_limit.retry_after(address)
            return refusal if not wait else _too_many(wait, "Too many refused attempts from this address")
    body = await request.body()  # BodyLimit bounded it already
    if len(body) > MAX_BODY:
        return api_error(413, "too_large", f"The body is limited to {MAX_BODY} bytes.")
    try:
        data = json.loads(body or b"null")
    except (ValueError, RecursionError):  # RecursionError: thousands of nested brackets
        return api_error(400, "bad_json", "The body must be JSON.")
    if not isinstance(data, dict) or not isinstance(data.get("title"), str):
        return api_error(400, "bad_field", 'Send {"title": "..."}.')
    if set(data) != {"title"}:  # as on the websocket: an unexpected field is refused, not ignored
        return api_error(400, "bad_field", 'Only "title" is expected.')
    if not encodable(data["title"]):
        return api_error(400, "bad_field", "The title is not valid text (it has a lone surrogate).")
    wait = request.app.state.creation_limit.retry_after(address)  # a valid request counts
    if wait:
        return _too_many(wait, "Too many meetings created from this address")
    try:
        if len(await hub.store.meeting_ids()) >= settings.max_meetings:
            return api_error(
                409,
                "meeting_limit",
                f"This server holds {settings.max_meetings} meetings, its limit (--max-meetings).",
            )
        if not hub.store.shared:
            free = shutil.disk_usage(settings.data).free // 2**20
            if free < settings.min_free_disk:
                return api_error(
                    507,
                    "disk_full",
                    f"Only {free} MB of disk is free; a new meeting needs {settings.min_free_disk} MB "
                    "(--min-free-disk).",
                )
        new = await hub.create_meeting(data["title"][: TITLE_MAX * 4])
    except Rejection as r:
        return api_error(400, r.code, r.reason)
    except StoreError:
        return api_error(503, "store_unavailable", "The store can't record a new meeting right now.")
    return JSONResponse(meeting_json(hub, new), status_code=201)


async def list_meetings(request: Request) -> Response:
    """Every meeting the server holds, with its links: for the organiser only."""
    refusal = organiser_refusal(request)
    if refusal is not None:
        return refusal
    hub: Hub = request.app.state.hub
    try:
        ids = await hub.store.meeting_ids()
        meetings = []
        for meeting_id in ids:
            state = await hub.summary(meeting_id)
            if state is None:
                continue
            loaded = hub.if_loaded(meeting_id)
            links = hub.meeting_links(state)
            meetings.append(
                {
                    "id": state.id,
                    "code": state.code,
                    "title": state.title,
                    "state": "ended" if state.ended else "open",
                    "created_at": state.created_at,
                    "present": len(loaded.connected()) if loaded is not None else 0,
                    "join_url": hub.join_url(state.code),
                    "screen_url": links["screen_url"] if links else None,
                    "facilitator_url": links["facilitator_url"] if links else None,
                    "minutes_url": f"{hub.public_url}/minutes/{state.id}",
                }
            )
    except StoreError:
        return api_error(503, "store_unavailable", "The store can't be read right now.")
    meetings.sort(key=lambda x: x["created_at"], reverse=True)
    return JSONResponse({"meetings": meetings}, headers=NO_CACHE)


async def server_facts(request: Request) -> Response:
    """What the landing page needs to know: does creating a meeting need the organiser link?"""
    settings: Settings = request.app.state.settings
    return JSONResponse({"open_creation": settings.open_creation}, headers=NO_CACHE)


async def get_meeting(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    live = await hub.get(request.path_params["meeting_id"])
    if live is None:
        return api_error(404, "unknown_meeting", "There is no such meeting.")
    state = live.state
    return JSONResponse(
        {
            "id": state.id,
            "code": state.code,
            "title": state.title,
            "join_url": hub.join_url(state.code),
            "qr_url": f"{hub.public_url}/api/meetings/{state.id}/qr.svg",
            "present": len(live.connected()),
            "ended": state.ended,
            "seq": state.seq,
        }
    )


def _record(name: str, build: Callable[[Any], Any], markdown: Callable[[Any, str], str]) -> Callable[..., Any]:
    """A record built from the log (``.json`` or ``.md``), public like the room's record: minutes, proceedings,
    harvest.  Its Markdown is worded in the language of ``?lang=`` by ``markdown(data, lang)``."""

    async def endpoint(request: Request) -> Response:
        hub: Hub = request.app.state.hub
        kind = request.path_params["format"]
        if kind not in ("md", "json"):
            return api_error(404, "unknown_format", f"{name.capitalize()} come as {name}.md or {name}.json.")
        live = await hub.get(request.path_params["meeting_id"])
        if live is None:
            return api_error(404, "unknown_meeting", "There is no such meeting.")
        data = build(live.state)
        if kind == "md":
            # ?lang=es: in a language of the catalogues; none, or an unknown one, is English (server/i18n.py).
            text = markdown(data, request.query_params.get("lang") or "en")
            return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")
        return JSONResponse(data)

    return endpoint


meeting_minutes = _record("minutes", minutes.minutes, minutes.markdown)  # so far, or final once ended
meeting_proceedings = _record("proceedings", proceedings.proceedings, proceedings.markdown)  # an Open Space's
meeting_harvest = _record("harvest", cafe_record.harvest, cafe_record.harvest_markdown)  # a World Café's


async def meeting_qr(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    live = await hub.get(request.path_params["meeting_id"])
    if live is None:
        return api_error(404, "unknown_meeting", "There is no such meeting.")
    url = hub.join_url(live.state.code)
    room = request.query_params.get("room", "")
    if room:  # a room device's QR: joining from it puts a late arrival straight into that room
        try:  # any room: a breakout room, or an Open Space circle (a space's device shows the circle's QR)
            registry.SCOPES[0].stack_of(live.state, room, closed=True)
        except Rejection:
            return api_error(404, "unknown_room", "There is no such room in this meeting.")
        url = f"{url}?room={room}"
    return Response(
        qr_svg(url),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=3600"},
    )


async def join_by_code(request: Request) -> Response:
    """The landing page's "type the code" form: ``/j?code=xk74pm`` -> ``/j/XK74PM``."""
    code = normalize_code(request.query_params.get("code", ""))
    if not code:
        return RedirectResponse("/", status_code=303)
    return RedirectResponse(f"/j/{code}", status_code=303)


async def healthz(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    try:
        await hub.store.ping()
    except StoreError as exc:
        return JSONResponse({"status": "unavailable", "error": str(exc)}, status_code=503)
    problem = hub.store.problem()  # a writer that died or can commit nothing, though reads still work
    if problem is not None:
        return JSONResponse({"status": "unavailable", "error": problem}, status_code=503)
    return JSONResponse(
        {
            "status": "ok",
            "process": hub.proc,
            "meetings_loaded": len(hub.loaded()),
            "connections": hub.connection_count(),
            **hub.append_stats(),
        }
    )


def start_audio(settings: Settings) -> tuple[Supervisor | None, AudioManager]:
    """Audio as ``--media`` says: the media process started here (and kept running), one elsewhere, or none."""
    ice = ice_servers(settings.ice_servers)
    media = settings.media.strip()
    if media.lower() in ("", "off", "0", "false", "no"):
        return None, AudioManager(None, "", ice)
    if media.lower() == "on":
        supervisor = Supervisor(settings.media_secret or secrets.token_urlsafe(24), settings.ice_servers)
        supervisor.start()
        audio = AudioManager(supervisor.url, supervisor.secret, ice)
    else:
        if not media.startswith(("ws://", "wss://")):
            raise ValueError("--media must be on, off or a ws:// URL")
        supervisor, audio = None, AudioManager(media, settings.media_secret, ice)
    audio.start()
    return supervisor, audio


def create_app(settings: Settings, *, store: Store | None = None, on_startup: Startup | None = None) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        the_store = store or open_store(settings.resolved_store_url())
        await the_store.open()
        hub = Hub(
            the_store,
            public_url=settings.resolved_public_url(),
            publish_interval=settings.publish_interval,
            presence_lease=settings.presence_lease,
            secret=load_secret(settings.data),
            idle_unload=settings.idle_unload,
        )
        supervisor, hub.audio = start_audio(settings)
        await hub.start()
        app.state.hub = hub
        app.state.settings = settings
        app.state.creation_limit = CreationLimit(settings.create_limit)
        app.state.refusal_limit = CreationLimit(REFUSALS_PER_WINDOW)  # attempts without the organiser's key
        if on_startup is not None:
            await on_startup(hub)
        try:
            yield
        finally:
            await hub.audio.stop()
            if supervisor is not None:
                await supervisor.stop()
            await hub.stop()
            await the_store.close()

    routes = [
        Route("/", page("landing")),
        Route("/j", join_by_code),
        Route("/j/{code}", page("phone")),
        Route("/screen/{meeting_id}", page("screen")),
        Route("/facilitate/{meeting_id}", page("facilitator")),
        Route("/room/{meeting_id}/{room_id}", page("room")),
        Route("/interpret/{meeting_id}", page("interpreter")),  # a channel's booth: interpreter or captioner
        Route("/translate/{meeting_id}", page("translate")),  # a language's translator (clients/translate/)
        Route("/organise", page("organiser")),
        Route("/healthz", healthz),
        Route("/api/server", server_facts),
        Route("/api/meetings", create_meeting, methods=["POST"]),
        Route("/api/meetings", list_meetings, methods=["GET"]),
        Route("/api/meetings/{meeting_id}", get_meeting),
        Route("/api/meetings/{meeting_id}/qr.svg", meeting_qr),
        Route("/api/meetings/{meeting_id}/minutes.{format:str}", meeting_minutes),
        Route("/minutes/{meeting_id}", page("minutes")),
        Route("/api/meetings/{meeting_id}/proceedings.{format:str}", meeting_proceedings),
        Route("/proceedings/{meeting_id}", page("proceedings")),
        Route("/api/meetings/{meeting_id}/harvest.{format:str}", meeting_harvest),
        Route("/news/{meeting_id}", page("news")),  # an Open Space's news wall, live (clients/news/)
        Route("/cafe-cards/{meeting_id}", page("cafe-cards")),  # a World Café's printable table cards
        Route("/harvest/{meeting_id}", page("harvest")),  # a World Café's harvest, printable (clients/harvest/)
        WebSocketRoute("/ws", SocketEndpoint),
        Mount("/static", StaticFiles(directory=CLIENTS), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(BodyLimit)
    return app
