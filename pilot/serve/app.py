"""The dashboard's web application (Starlette): pages, JSON, the live stream, the login.

Pages are rendered from Jinja templates and filled by the page's own script from the
JSON routes; the live stream (``/events``) is server-sent events, one ``update`` per
store poll. Every route reads; only ``POST /reports`` starts a report (into
``[serve] reports_dir``), and ``/login``, ``/logout`` and ``/lang`` set cookies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from pilot.serve.auth import OPEN_PATHS, SESSION_COOKIE, Guard, SecurityHeaders
from pilot.serve.feed import CHART_KINDS
from pilot.serve.hub import Dashboard
from pilot.serve.i18n import choose_language, words
from reports.i18n import LANGUAGES

__all__ = ["make_app"]

_HERE = Path(__file__).parent
#: The longest history one chart request may span [d].
MAX_RANGE_DAYS = 400


def make_app(dashboard: Dashboard, guard: Guard) -> Starlette:
    """The ASGI application of ``dashboard``, behind ``guard``'s login."""
    templates = Jinja2Templates(directory=str(_HERE / "templates"))
    config = dashboard.config

    def page(
        request: Request, name: str, boot_extra: dict[str, Any] | None = None, **context: Any
    ) -> Response:
        lang = choose_language(request.headers.get("accept-language"), request.cookies.get("lang"))
        boot = {
            "lang": lang,
            "tz": config.timezone,
            "words": words(lang),
            "dioxin_window_c": list(config.alarms.dioxin_window_c),
            "chart_hours": config.serve.chart_hours,
        }
        return templates.TemplateResponse(
            request,
            name,
            {
                "w": words(lang),
                "lang": lang,
                "other_lang": next(x for x in LANGUAGES if x != lang),
                # In a <script type="application/json">: "</" must not end the element.
                "boot": json.dumps({**boot, **(boot_extra or {})}, ensure_ascii=False).replace(
                    "</", "<\\/"
                ),
                "login": guard.required,
                "deployment": config.name,
                **context,
            },
        )

    def line_of(request: Request) -> Any:
        try:
            return config.line(request.path_params["site"], request.path_params["line"])
        except KeyError:
            return None

    async def overview(request: Request) -> Response:
        return page(request, "overview.html")

    async def line_page(request: Request) -> Response:
        ln = line_of(request)
        if ln is None:
            return PlainTextResponse("no such line", status_code=404)
        sensors = [
            {"sensor": s.sensor, "kind": s.kind, "setpoint": s.setpoint}
            for s in ln.sensors
            if s.kind in CHART_KINDS
        ]
        boot = {
            "site": ln.site,
            "line": ln.line,
            "sensors": sensors,
            "process_window_c": list(ln.process_window_c),
            "degradation_c": ln.degradation_c,
        }
        return page(request, "line.html", ln=ln, boot_extra=boot)

    async def alarms_page(request: Request) -> Response:
        return page(request, "alarms.html", alarms=dashboard.alarms, tz=config.tzinfo)

    async def reports_page(request: Request) -> Response:
        anchor = dashboard.anchor().astimezone(config.tzinfo)
        return page(
            request,
            "reports.html",
            files=dashboard.reports.files(),
            job=dashboard.reports.job,
            month=f"{anchor:%Y-%m}",
            busy=request.query_params.get("busy") == "1",
        )

    async def make_report(request: Request) -> Response:
        if not _same_origin(request):
            return PlainTextResponse("cross-site request refused", status_code=403)
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        what = form.get("what", "")
        lang = form.get("lang", "vi")
        month = None
        if what == "household":
            try:
                year_text, month_text = form.get("month", "").split("-")
                month = (int(year_text), int(month_text))
            except ValueError:
                return PlainTextResponse("month must be YYYY-MM", status_code=400)
        try:
            started = dashboard.reports.start(what, month=month, lang=lang)
        except ValueError as exc:
            return PlainTextResponse(str(exc), status_code=400)
        return RedirectResponse("/reports" + ("" if started else "?busy=1"), status_code=303)

    async def report_file(request: Request) -> Response:
        path = dashboard.reports.path(request.path_params["name"])
        if path is None:
            return PlainTextResponse("no such report", status_code=404)
        return FileResponse(path, filename=path.name)

    async def api_overview(request: Request) -> Response:
        return JSONResponse(dashboard.overview())

    async def api_alarms(request: Request) -> Response:
        return JSONResponse(dashboard.alarms)

    async def api_history(request: Request) -> Response:
        ln = line_of(request)
        if ln is None:
            return JSONResponse({"error": "no such line"}, status_code=404)
        try:
            start, end = _range(
                request, dashboard.anchor(ln.key), config.tzinfo, config.serve.chart_hours
            )
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        history = await asyncio.to_thread(
            dashboard.feed.history, ln, start, end, max_points=config.serve.chart_points
        )
        return JSONResponse(history)

    async def events(request: Request) -> Response:
        wanted = request.query_params.get("line", "")
        key = tuple(wanted.split("/", 1)) if "/" in wanted else None

        async def stream() -> AsyncIterator[str]:
            seen, since_us = -1, 0
            yield "retry: 2000\n\n"
            while True:
                seen = await dashboard.wait(seen)
                update: dict[str, Any] = {"overview": dashboard.overview()}
                if key is not None:
                    series = dashboard.live.series(key[0], key[1], since_us=since_us)
                    newest = dashboard.live.newest_us(key[0], key[1])
                    since_us = newest if newest is not None else since_us
                    update["series"] = series
                yield f"event: update\ndata: {json.dumps(update)}\n\n"

        if key is not None and line_of_key(key) is None:
            return PlainTextResponse("no such line", status_code=404)
        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"x-accel-buffering": "no"}
        )

    def line_of_key(key: tuple[str, ...]) -> Any:
        try:
            return config.line(key[0], key[1])
        except (KeyError, IndexError):
            return None

    async def set_language(request: Request) -> Response:
        lang = request.path_params["lang"]
        target = request.query_params.get("next", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        response = RedirectResponse(target, status_code=303)
        if lang in LANGUAGES:
            response.set_cookie("lang", lang, max_age=365 * 86400, samesite="strict")
        return response

    async def login_page(request: Request) -> Response:
        return page(request, "login.html", failed=False)

    async def login(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        session = await guard.login(form.get("password", ""))
        if session is None:
            response = page(request, "login.html", failed=True)
            response.status_code = 401
            return response
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            session,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    async def logout(request: Request) -> Response:
        guard.logout(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(dashboard.run_poller())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    routes = [
        Route("/", overview),
        Route("/line/{site}/{line}", line_page),
        Route("/alarms", alarms_page),
        Route("/reports", reports_page),
        Route("/reports", make_report, methods=["POST"]),
        Route("/reports/file/{name:path}", report_file),
        Route("/api/overview", api_overview),
        Route("/api/alarms", api_alarms),
        Route("/api/history/{site}/{line}", api_history),
        Route("/events", events),
        Route("/lang/{lang}", set_language),
        Route("/login", login_page),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    return SecurityHeaders(LoginRequired(app, guard))  # type: ignore[return-value]


class LoginRequired:
    """ASGI middleware: without a valid session, pages redirect to ``/login`` and the
    JSON routes and the live stream answer 401."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.guard.required:
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if path.startswith(OPEN_PATHS) or self.guard.allowed(Request(scope)):
            await self.app(scope, receive, send)
            return
        if path.startswith(("/api/", "/events")) or scope.get("method") != "GET":
            response: Response = JSONResponse({"error": "login required"}, status_code=401)
        else:
            response = RedirectResponse("/login", status_code=303)
        await response(scope, receive, send)


def _range(
    request: Request, anchor: datetime, tz: Any, default_h: float
) -> tuple[datetime, datetime]:
    """The history range of a request: ``start`` and ``end`` (local ISO times, e.g. from
    a ``datetime-local`` field), or the ``hours`` before ``anchor`` (the line's newest
    reading)."""
    query = request.query_params
    if query.get("start") and query.get("end"):
        start, end = (_local(query[k], tz) for k in ("start", "end"))
    else:
        hours = float(query.get("hours", default_h))
        if not 0 < hours <= MAX_RANGE_DAYS * 24:
            raise ValueError(f"hours must be in (0, {MAX_RANGE_DAYS * 24}]")
        end = anchor + timedelta(seconds=1)
        start = end - timedelta(hours=hours)
    if not start < end or end - start > timedelta(days=MAX_RANGE_DAYS):
        raise ValueError(f"start must be before end, at most {MAX_RANGE_DAYS} days apart")
    return start, end


def _same_origin(request: Request) -> bool:
    """Whether a form was sent from the dashboard's own pages: browsers name the page's
    origin on every POST, so another site cannot make the dashboard work for it."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a browser (scripts with a bearer token, curl)
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _local(text: str, tz: Any) -> datetime:
    when = datetime.fromisoformat(text)
    return (when if when.tzinfo else when.replace(tzinfo=tz)).astimezone(UTC)
