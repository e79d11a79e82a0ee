"""Login and security headers of the dashboard.

On a loopback address the dashboard is open (whoever can reach it is on the machine).
On any other address ``pilot serve`` refuses to start without a password, and every
page asks for it: a login form sets a session cookie (``HttpOnly``, ``SameSite=Strict``)
holding a random session id, never the password; scripts may send the password as
``Authorization: Bearer ...``. Neither appears in a page, a URL or a log line.

>>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("::1")
(True, True, True)
>>> is_loopback("0.0.0.0"), is_loopback("192.168.1.10")
(False, False)
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import secrets
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SESSION_COOKIE", "Guard", "SecurityHeaders", "is_loopback"]

SESSION_COOKIE = "pilot_session"
#: Paths served without a login (the login form and what it needs).
OPEN_PATHS = ("/login", "/static/", "/lang/")
#: Sent with every answer. Scripts, styles and fonts come from the dashboard itself only.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on form
    # posts, and the reports form is checked against its origin.
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Guard:
    """Sessions of one running dashboard; ``password`` None means no login is needed."""

    #: Delay after a wrong password, slowing guessing [s].
    FAIL_DELAY_S = 1.0

    def __init__(self, password: str | None) -> None:
        self._password = password
        self._sessions: set[str] = set()

    @property
    def required(self) -> bool:
        return self._password is not None

    def __repr__(self) -> str:  # the password never shows, even in a traceback
        return f"Guard(required={self.required})"

    def _matches(self, given: str) -> bool:
        if self._password is None:
            return False
        return hmac.compare_digest(given.encode(), self._password.encode())

    def allowed(self, request: Request) -> bool:
        """Whether the request carries a valid session or the password as a bearer token."""
        if self._password is None:
            return True
        if request.cookies.get(SESSION_COOKIE, "") in self._sessions:
            return True
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and bool(token) and self._matches(token)

    async def login(self, given: str) -> str | None:
        """A new session id if ``given`` is the password; None (after a delay) if not."""
        if self._password is not None and given and self._matches(given):
            session = secrets.token_urlsafe(32)
            self._sessions.add(session)
            return session
        await asyncio.sleep(self.FAIL_DELAY_S)
        return None

    def logout(self, session: str | None) -> None:
        self._sessions.discard(session or "")


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` (and ``no-store`` on everything
    but static files) to every answer; plain ASGI so the live stream is not buffered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    headers.append((name.encode(), value.encode()))
                if not static and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
