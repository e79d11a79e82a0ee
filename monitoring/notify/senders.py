"""The channels: e-mail over SMTP (STARTTLS or implicit TLS) and an HTTPS webhook.

A sender delivers one payload or raises :class:`NotifyError`; the
:class:`~monitoring.notify.notifier.Notifier` retries with backoff. Secrets (the SMTP
password, the webhook token) come from the configuration's ``*_env``/``*_file`` keys
and appear in no message.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal, Protocol

from monitoring.errors import MonitoringError

__all__ = ["EmailSender", "NotifyError", "Sender", "WebhookSender", "tls_context"]


class NotifyError(MonitoringError):
    """A notification could not be delivered now (it stays queued)."""


class Sender(Protocol):
    """Delivers one queued payload (``subject``, ``text``, ``body``)."""

    def send(self, payload: dict[str, Any]) -> None: ...


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Verifying TLS context: the system's CAs, or ``ca_file``'s only."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


@dataclass(frozen=True)
class EmailSender:
    """E-mail over SMTP.

    ``security`` is ``starttls`` (port 587), ``tls`` (implicit TLS, port 465) or
    ``none`` (a relay on the same machine only).
    """

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: Path | None = None
    timeout_s: float = 20.0

    def send(self, payload: dict[str, Any]) -> None:
        mail = EmailMessage()
        mail["Subject"] = payload["subject"]
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.recipients)
        mail.set_content(payload["text"])
        try:
            if self.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout_s, context=tls_context(self.ca_file)
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
            with client:
                if self.security == "starttls":
                    client.starttls(context=tls_context(self.ca_file))
                if self.username is not None and self.password is not None:
                    client.login(self.username, self.password)
                client.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise NotifyError(
                f"e-mail via {self.host}:{self.port} failed: {type(exc).__name__}: {exc}"
            ) from exc


@dataclass(frozen=True)
class WebhookSender:
    """HTTPS POST of the JSON body (``payload["body"]``) to ``url``.

    With ``token``, the request carries ``Authorization: Bearer <token>``. Any 2xx reply
    is delivery; anything else is retried.
    """

    url: str
    token: str | None = field(default=None, repr=False)
    ca_file: Path | None = None
    timeout_s: float = 20.0

    def send(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload["body"], ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
        context = tls_context(self.ca_file) if self.url.startswith("https:") else None
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s, context=context) as reply:
                status = reply.status
        except (OSError, urllib.error.URLError) as exc:
            raise NotifyError(f"webhook {self.url} failed: {type(exc).__name__}: {exc}") from exc
        if not 200 <= status < 300:
            raise NotifyError(f"webhook {self.url} answered HTTP {status}")
