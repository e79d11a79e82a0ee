"""Notifications of alarms: e-mail over SMTP and an HTTPS webhook, queued durably.

:mod:`~monitoring.notify.message` writes the bilingual text and the webhook's JSON,
:mod:`~monitoring.notify.queue` keeps them until delivered,
:mod:`~monitoring.notify.senders` delivers them, and
:mod:`~monitoring.notify.notifier` applies the per-line and flapping limits and retries.
"""

from monitoring.notify.message import compose, webhook_body
from monitoring.notify.notifier import Notifier
from monitoring.notify.queue import NotifyQueue
from monitoring.notify.senders import EmailSender, NotifyError, WebhookSender

__all__ = [
    "EmailSender",
    "Notifier",
    "NotifyError",
    "NotifyQueue",
    "WebhookSender",
    "compose",
    "webhook_body",
]
