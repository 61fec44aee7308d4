"""The ASGI app: pages, static assets, the JSON API and the websocket.

Every asset the clients need is served from ``clients/``: no CDN, no external
fonts or scripts (venues often have no internet).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
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

from server import minutes
from server.config import Settings
from server.core.errors import Rejection
from server.core.meeting import TITLE_MAX
from server.hub.hub import Hub, NewMeeting, normalize_code
from server.hub.socket import SocketEndpoint
from server.rooms import views as rv
from server.store import Store, StoreError, open_store

log = logging.getLogger("plaza.app")

CLIENTS = Path(__file__).resolve().parent.parent / "clients"
MAX_BODY = 4096
NO_CACHE = {"Cache-Control": "no-cache"}

Startup = Callable[[Hub], Awaitable[None]]


def api_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def qr_svg(data: str) -> bytes:
    image = qrcode.make(
        data, image_factory=qrcode.image.svg.SvgPathImage, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M
    )
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def page(name: str) -> Callable[[Request], Awaitable[Response]]:
    async def serve(request: Request) -> Response:
        return FileResponse(CLIENTS / name / "index.html", headers=NO_CACHE)

    return serve


def meeting_json(hub: Hub, new: NewMeeting) -> dict[str, Any]:
    return {
        "id": new.id,
        "code": new.code,
        "title": new.title,
        **hub.links(new.id, new.code, new.facilitator_secret, new.screen_key),
        "qr_url": f"{hub.public_url}/api/meetings/{new.id}/qr.svg",
    }


async def create_meeting(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    body = await request.body()
    if len(body) > MAX_BODY:
        return api_error(413, "too_large", f"The body is limited to {MAX_BODY} bytes.")
    try:
        data = json.loads(body or b"null")
    except ValueError:
        return api_error(400, "bad_json", "The body must be JSON.")
    if not isinstance(data, dict) or not isinstance(data.get("title"), str):
        return api_error(400, "bad_field", 'Send {"title": "..."}.')
    try:
        new = await hub.create_meeting(data["title"][: TITLE_MAX * 4])
    except Rejection as r:
        return api_error(400, r.code, r.reason)
    except StoreError:
        return api_error(503, "store_unavailable", "The store can't record a new meeting right now.")
    return JSONResponse(meeting_json(hub, new), status_code=201)


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


async def meeting_minutes(request: Request) -> Response:
    """The minutes so far (or final, once ended): ``.json`` or ``.md``.  Public, like the room's record."""
    hub: Hub = request.app.state.hub
    kind = request.path_params["format"]
    if kind not in ("md", "json"):
        return api_error(404, "unknown_format", "Minutes come as minutes.md or minutes.json.")
    live = await hub.get(request.path_params["meeting_id"])
    if live is None:
        return api_error(404, "unknown_meeting", "There is no such meeting.")
    data = minutes.minutes(live.state)
    if kind == "md":
        return PlainTextResponse(minutes.markdown(data), media_type="text/markdown; charset=utf-8")
    return JSONResponse(data)


async def meeting_qr(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    live = await hub.get(request.path_params["meeting_id"])
    if live is None:
        return api_error(404, "unknown_meeting", "There is no such meeting.")
    url = hub.join_url(live.state.code)
    room = request.query_params.get("room", "")
    if room:  # a room device's QR: joining from it puts a late arrival straight into that room
        if room not in rv.rooms_of(live.state).rooms:
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
    return JSONResponse(
        {
            "status": "ok",
            "process": hub.proc,
            "meetings_loaded": len(hub.loaded()),
            "connections": hub.connection_count(),
            **hub.append_stats(),
        }
    )


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
        )
        await hub.start()
        app.state.hub = hub
        if on_startup is not None:
            await on_startup(hub)
        try:
            yield
        finally:
            await hub.stop()
            await the_store.close()

    routes = [
        Route("/", page("landing")),
        Route("/j", join_by_code),
        Route("/j/{code}", page("phone")),
        Route("/screen/{meeting_id}", page("screen")),
        Route("/facilitate/{meeting_id}", page("facilitator")),
        Route("/room/{meeting_id}/{room_id}", page("room")),
        Route("/healthz", healthz),
        Route("/api/meetings", create_meeting, methods=["POST"]),
        Route("/api/meetings/{meeting_id}", get_meeting),
        Route("/api/meetings/{meeting_id}/qr.svg", meeting_qr),
        Route("/api/meetings/{meeting_id}/minutes.{format:str}", meeting_minutes),
        Route("/minutes/{meeting_id}", page("minutes")),
        WebSocketRoute("/ws", SocketEndpoint),
        Mount("/static", StaticFiles(directory=CLIENTS), name="static"),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
