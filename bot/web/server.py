"""The web server: the Mini App's page and JSON API, health and metrics, over aiohttp.

aiohttp's server runs on the bot's own event loop (no second loop or thread, so handlers call
the same services the chat uses), it was already the fake Bot API's server in the tests, and
PTB's own webhook server would pull in tornado for one route. Everything is served from memory:
the page's files and the programme document are compressed once, carry an ETag and answer
``If-None-Match`` with 304. Every response carries a Content-Security-Policy.

Routes: ``/`` (the page; any query such as ``?session=12`` opens at that session),
``/static/<file>``, ``/programme.json``, ``/i18n/<lang>.json``, ``/api/me``, ``/api/agenda``
(GET), ``/api/agenda/<session>`` (PUT stars, DELETE unstars), ``/healthz`` and ``/metrics``.
``/api/`` calls need ``Authorization: tma <initData>``; forged or stale data gets 401.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from aiohttp import web

from bot import metrics
from bot.errors import DomainError
from bot.web import initdata
from bot.web.health import Health
from bot.web.programme import Document
from bot.web.service import NotParticipantError, Reader, WebService, error_text
from bot.web.strings import strings, supported
from storage.web import MonitoringStore

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CSP = (
    "default-src 'none'; script-src 'self' https://telegram.org; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
# Files whose names carry their digest in the page may be cached for good.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
NOW_HEADER = "X-Forum-Now"
SESSION_ID_LIMIT = 40


@dataclass(frozen=True, slots=True)
class Asset:
    """A file served from memory."""

    body: bytes
    gzipped: bytes
    etag: str
    content_type: str
    cache: str


def _asset(body: bytes, content_type: str, cache: str) -> Asset:
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    return Asset(body, gzip.compress(body, compresslevel=9, mtime=0), etag, content_type, cache)


def load_assets() -> dict[str, Asset]:
    """Read the page's files and point the page at their digests (cache-busting names)."""
    folder = resources.files("bot.web").joinpath("static")
    files = {
        name: folder.joinpath(name).read_bytes() for name in ("app.js", "app.css", "index.html")
    }
    assets = {
        name: _asset(data, STATIC_TYPES["." + name.rsplit(".", 1)[1]], IMMUTABLE)
        for name, data in files.items()
        if name != "index.html"
    }
    page = files["index.html"].decode()
    for name, asset in assets.items():
        page = page.replace(f"/static/{name}", f"/static/{name}?v={asset.etag.strip(chr(34))}")
    assets["index.html"] = _asset(page.encode(), STATIC_TYPES[".html"], REVALIDATE)
    return assets


def _accepts_gzip(request: web.Request) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "")


def _not_modified(request: web.Request, etag: str) -> bool:
    wanted = request.headers.get("If-None-Match", "")
    return any(tag.strip().removeprefix("W/") == etag for tag in wanted.split(","))


def serve_bytes(
    request: web.Request,
    *,
    body: bytes,
    gzipped: bytes,
    etag: str,
    content_type: str,
    cache: str,
) -> web.Response:
    """Answer with a cached entity: 304 when the client has it, gzipped when it accepts that."""
    headers = {"ETag": etag, "Cache-Control": cache, "Vary": "Accept-Encoding"}
    if _not_modified(request, etag):
        return web.Response(status=304, headers=headers)
    if _accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        body = gzipped
    headers["Content-Type"] = content_type
    return web.Response(body=body, headers=headers)


def serve_document(request: web.Request, document: Document) -> web.Response:
    """Answer with a JSON document from memory."""
    return serve_bytes(
        request,
        body=document.body,
        gzipped=document.gzipped,
        etag=document.etag,
        content_type="application/json; charset=utf-8",
        cache=REVALIDATE,
    )


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, headers={"Cache-Control": "no-store"})


@web.middleware
async def _secure(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException as error:
        response = error
    response.headers.update(SECURITY_HEADERS)
    route = request.match_info.route.resource
    name = route.canonical if route is not None else "unmatched"
    metrics.WEB_REQUESTS.labels(route=name, status=str(response.status)).inc()
    if time.perf_counter() - started > 1:
        logger.info("slow web request %s %s", request.method, name)
    if isinstance(response, web.HTTPException):
        raise response
    return response


class Operators:
    """What operators and their monitoring read: ``/healthz`` and ``/metrics``."""

    def __init__(
        self, health: Health, monitoring: MonitoringStore, metrics_token: str | None
    ) -> None:
        self._health = health
        self._monitoring = monitoring
        self._metrics_token = metrics_token

    async def healthz(self, request: web.Request) -> web.StreamResponse:
        """Answer 200 when every health check passes, else 503 naming the failing ones."""
        checks = await self._health.check()
        failing = [check.name for check in checks if not check.ok]
        body = {
            "status": "ok" if not failing else "failing: " + ", ".join(failing),
            "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in checks},
        }
        return _json(body, status=503 if failing else 200)

    async def scrape(self, request: web.Request) -> web.StreamResponse:
        """Answer the metrics in Prometheus' format (behind a bearer token when one is set)."""
        if self._metrics_token is not None:
            scheme, _, given = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), self._metrics_token.encode()
            ):
                raise web.HTTPUnauthorized(headers={"WWW-Authenticate": "Bearer"})
        metrics.PENDING_REMINDERS.set(await self._monitoring.pending_reminders())
        metrics.OUTBOX_ROWS.set(await self._monitoring.outbox_rows())
        return web.Response(
            body=metrics.exposition(), headers={"Content-Type": metrics.CONTENT_TYPE}
        )


class WebServer:
    """The aiohttp application and its listener."""

    def __init__(self, service: WebService, operators: Operators, *, token: str) -> None:
        self._service = service
        self._token = token
        self._assets = load_assets()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.app = web.Application(middlewares=[_secure], client_max_size=256 * 1024)
        routes = self.app.router
        routes.add_get("/", self._page)
        routes.add_get("/static/{name}", self._static)
        routes.add_get("/programme.json", self._programme)
        routes.add_get("/i18n/{language}.json", self._strings)
        routes.add_get("/api/me", self._me)
        routes.add_get("/api/agenda", self._agenda)
        routes.add_put("/api/agenda/{session}", self._star)
        routes.add_delete("/api/agenda/{session}", self._unstar)
        routes.add_get("/healthz", operators.healthz)
        routes.add_get("/metrics", operators.scrape)

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        """Add a route before the server starts (the webhook's)."""
        self.app.router.add_route(method, path, handler)

    async def start(self, host: str, port: int) -> None:
        """Listen on ``host:port`` (port 0 picks a free one, kept in ``port``)."""
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        for address in runner.addresses:
            self.port = int(address[1])
            break
        logger.info("web server listening on %s:%s", host, self.port)

    async def stop(self) -> None:
        """Stop listening and close open connections; harmless twice."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    # -- the page and the public programme ----------------------------------------------------

    async def _page(self, request: web.Request) -> web.StreamResponse:
        return self._serve_asset(request, self._assets["index.html"])

    async def _static(self, request: web.Request) -> web.StreamResponse:
        asset = self._assets.get(request.match_info["name"])
        if asset is None or asset is self._assets["index.html"]:
            raise web.HTTPNotFound()
        return self._serve_asset(request, asset)

    def _serve_asset(self, request: web.Request, asset: Asset) -> web.Response:
        return serve_bytes(
            request,
            body=asset.body,
            gzipped=asset.gzipped,
            etag=asset.etag,
            content_type=asset.content_type,
            cache=asset.cache,
        )

    async def _programme(self, request: web.Request) -> web.StreamResponse:
        response = serve_document(request, self._service.document())
        response.headers[NOW_HEADER] = str(int(self._service.clock().timestamp() * 1000))
        return response

    async def _strings(self, request: web.Request) -> web.StreamResponse:
        language = supported(request.match_info["language"])
        if language is None:
            raise web.HTTPNotFound()
        return serve_document(request, strings(language))

    # -- the signed-in participant ------------------------------------------------------------

    def _user(self, request: web.Request) -> initdata.WebAppUser:
        scheme, _, data = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "tma":
            raise _unauthorised("no initData")
        try:
            return initdata.validate(data.strip(), self._token, self._service.clock())
        except initdata.InitDataError as error:
            raise _unauthorised(error.reason) from None

    async def _reader(self, request: web.Request) -> Reader:
        user = self._user(request)
        try:
            return await self._service.reader(user)
        except NotParticipantError as error:
            language = supported(user.language_code) or "en"
            raise web.HTTPForbidden(
                text=json.dumps({"error": error_text(error, language)}),
                content_type="application/json",
            ) from None

    async def _me(self, request: web.Request) -> web.StreamResponse:
        reader = await self._reader(request)
        return _json(await self._service.profile(reader))

    async def _agenda(self, request: web.Request) -> web.StreamResponse:
        reader = await self._reader(request)
        return _json({"agenda": await self._service.agenda(reader)})

    async def _star(self, request: web.Request) -> web.StreamResponse:
        return await self._change(request, starred=True)

    async def _unstar(self, request: web.Request) -> web.StreamResponse:
        return await self._change(request, starred=False)

    async def _change(self, request: web.Request, *, starred: bool) -> web.StreamResponse:
        reader = await self._reader(request)
        session_id = request.match_info["session"][:SESSION_ID_LIMIT]
        try:
            if starred:
                agenda = await self._service.star(reader, session_id)
            else:
                agenda = await self._service.unstar(reader, session_id)
        except DomainError as error:
            return _json({"error": error_text(error, reader.language)}, status=409)
        return _json({"agenda": agenda})


def _unauthorised(reason: str) -> web.HTTPUnauthorized:
    logger.info("web API request refused: %s", reason)
    return web.HTTPUnauthorized(
        text=json.dumps({"error": "unauthorised"}),
        content_type="application/json",
        headers={"WWW-Authenticate": "tma"},
    )
