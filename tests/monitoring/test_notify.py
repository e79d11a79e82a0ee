"""Alarm notifications received by real servers on loopback.

* SMTP: ``aiosmtpd``, a real SMTP implementation, started here with STARTTLS and a
  login (or implicit TLS), certificates from a test CA made at test time
  (:mod:`tests.tls_ca`);
* webhook: ``http.server`` behind TLS with the same CA.

The limit tests alone use a recording sender in place of a channel: they check which
events the notifier lets through, which needs no network.
"""

from __future__ import annotations

import email
import email.policy
import json
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from monitoring.alarms import AlarmEvent
from monitoring.notify import EmailSender, Notifier, NotifyQueue, WebhookSender
from pilot.config import load_config
from pilot.wiring import make_alarm_service
from sensors.schema import Reading
from tests.configs import example_config
from tests.servers import free_port, wait_until
from tests.tls_ca import CertFiles, make_test_pki

T0_US = 1_601_863_200_000_000  # 2020-10-05T02:00:00Z = 09:00 in Hưng Yên
S = 1_000_000
SITE, LINE = "minh-khai", "line-1"
SMTP_USER, SMTP_PASSWORD = "alarms", "smtp-s3cret"
TOKEN = "hook-t0ken"


def _server_context(pki: CertFiles) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.server_cert, pki.server_key)
    return context


# -- the SMTP server -------------------------------------------------------------------


@dataclass
class Mailbox:
    messages: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope.content.decode("utf-8"))
        if session.authenticated:
            self.logins.append(SMTP_USER)
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
    good = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode() == SMTP_USER and auth_data.password.decode() == SMTP_PASSWORD
    )
    return AuthResult(success=good)


def _smtp(mailbox: Mailbox, pki: CertFiles, port: int, *, implicit_tls: bool) -> Controller:
    context = _server_context(pki)
    if implicit_tls:
        return Controller(mailbox, hostname="127.0.0.1", port=port, ssl_context=context)
    return Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_require_tls=True,
    )


# -- the webhook receiver --------------------------------------------------------------


class Hook:
    """An HTTPS receiver; it answers 503 to its first ``refuse`` calls."""

    def __init__(self, pki: CertFiles, *, refuse: int = 0) -> None:
        calls: list[tuple[str | None, dict[str, Any]]] = []
        self.calls = calls
        refused = [0]

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                if refused[0] < refuse:
                    refused[0] += 1
                    self.rfile.read(length)
                    self.send_response(503)
                    self.end_headers()
                    return
                calls.append(
                    (self.headers.get("Authorization"), json.loads(self.rfile.read(length)))
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = _server_context(pki).wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def pki(tmp_path: Path) -> CertFiles:
    return make_test_pki(tmp_path / "pki")


@pytest.fixture
def hook(pki: CertFiles) -> Iterator[Hook]:
    receiver = Hook(pki)
    yield receiver
    receiver.close()


# -- the done-when test ----------------------------------------------------------------


def _overshoot() -> list[Reading]:
    """A running line whose zone 4 overshoots to 312 °C (degradation at 300 °C) for 60 s."""
    base = {
        "zone1_temp": 195.0,
        "zone2_temp": 195.0,
        "zone3_temp": 195.0,
        "zone4_temp": 195.0,
        "melt_temp": 205.0,
        "mould_temp": 40.0,
        "throughput": 58.0,
    }
    readings = []
    for t in range(200):
        for sensor, value in base.items():
            if sensor == "zone4_temp" and 30 <= t < 90:
                value = 312.0
            unit = "kg/h" if sensor == "throughput" else "degC"
            noisy = value + (t % 3) * 0.1  # real sensors are never perfectly flat
            readings.append(Reading(SITE, LINE, sensor, T0_US + t * S, noisy, unit, t))
    return readings


def test_overshoot_sends_one_email_and_one_webhook_on_raise_and_on_clear(tmp_path, pki, hook):
    mailbox = Mailbox()
    smtp_port = free_port()
    smtp = _smtp(mailbox, pki, smtp_port, implicit_tls=False)
    smtp.start()
    (tmp_path / "token").write_text(TOKEN + "\n", encoding="utf-8")
    path = example_config(tmp_path, broker_url="mqtt://127.0.0.1:1", prefix="n", client_id="n")
    with path.open("a", encoding="utf-8") as toml:
        toml.write(
            f"""
[notify]
queue_path = "notify.sqlite"
retry_base_s = 0.2
retry_cap_s = 1.0

[notify.email]
host = "127.0.0.1"
port = {smtp_port}
sender = "alarms@upops.test"
to = ["engineer@upops.test"]
username = "{SMTP_USER}"
password_env = "UPOPS_TEST_SMTP_PASSWORD"
ca_file = "{pki.ca}"

[notify.webhook]
url = "{hook.url}"
token_file = "token"
ca_file = "{pki.ca}"
"""
        )
    config = load_config(path, environ={"UPOPS_TEST_SMTP_PASSWORD": SMTP_PASSWORD})
    service = make_alarm_service(config, alarm_path=tmp_path / "alarms.sqlite", publish=False)
    notifier = service.notifier
    assert isinstance(notifier, Notifier)
    service.start()
    try:
        readings = _overshoot()
        for i in range(0, len(readings), 70):  # ten seconds of readings per stored batch
            service.on_stored(readings[i : i + 70])
        wait_until(lambda: len(mailbox.messages) >= 2 and len(hook.calls) >= 2, 30, "two of each")
        wait_until(lambda: notifier.queue.pending() == 0, 30, "an empty queue")
    finally:
        service.stop()
        smtp.stop()
    # One per raise and one per clear, though 60 readings were above the threshold.
    assert len(mailbox.messages) == 2
    assert len(hook.calls) == 2
    assert mailbox.logins == [SMTP_USER, SMTP_USER]
    raised, cleared = (body for _, body in hook.calls)
    assert [auth for auth, _ in hook.calls] == [f"Bearer {TOKEN}"] * 2
    assert (raised["event"], raised["rule"], raised["sensor"]) == (
        "raised",
        "overheat",
        "zone4_temp",
    )
    assert (raised["value"], raised["threshold"], raised["unit"]) == (312.0, 300.0, "°C")
    # 30 s into the overshoot (min_duration_s), in Hưng Yên's time.
    assert raised["local_time"] == "2020-10-05T09:01:00+07:00"
    assert raised["time"] == "2020-10-05T02:01:00.000000Z"
    assert raised["line_name"] == config.line(SITE, LINE).name
    assert raised["line_name_vi"] == config.line(SITE, LINE).name_vi
    assert raised["text"].startswith(f"CẢNH BÁO: quá nhiệt - {config.line(SITE, LINE).name_vi}")
    assert cleared["event"] == "cleared"
    mail = email.message_from_string(mailbox.messages[0], policy=email.policy.default)
    assert mail["To"] == "engineer@upops.test"
    assert mail["Subject"].startswith("[UPOPs] CẢNH BÁO quá nhiệt / ALARM overheat")
    text = mail.get_content()
    assert "Giá trị 312.0 °C, ngưỡng 300.0 °C, lúc 2020-10-05 09:01:00 (giờ Việt Nam)." in text
    assert "Value 312.0 °C, limit 300.0 °C, at 2020-10-05 09:01:00" in text
    clear = email.message_from_string(mailbox.messages[1], policy=email.policy.default)
    assert clear["Subject"].startswith("[UPOPs] HẾT CẢNH BÁO quá nhiệt / CLEARED overheat")


# -- the SMTP server down, then back ---------------------------------------------------


def _event(t_s: int) -> AlarmEvent:
    return AlarmEvent(
        "raised", "overheat", SITE, LINE, "zone4_temp", 312.0, 300.0, T0_US + t_s * S, "hot"
    )


def _quick_notifier(queue_path: Path, channel: str, sender: Any) -> Notifier:
    """A notifier on one channel that retries within half a second."""
    return Notifier(
        NotifyQueue(queue_path), {channel: sender}, line_names={}, retry_base_s=0.1,
        retry_cap_s=0.5, poll_s=0.1,
    )  # fmt: skip


def test_a_notification_made_while_smtp_is_down_arrives_after_it_returns(tmp_path, pki):
    mailbox = Mailbox()
    port = free_port()
    sender = EmailSender(
        "127.0.0.1", port, "alarms@upops.test", ("eng@upops.test",), security="tls",
        ca_file=pki.ca, timeout_s=5.0,
    )  # fmt: skip
    queue_path = tmp_path / "notify.sqlite"
    first = _quick_notifier(queue_path, "email", sender)
    first.start()
    assert first.notify([_event(60)]) == 1
    # Nothing listens: the try fails and the notification stays queued.
    wait_until(lambda: first.failures["email"] >= 2, 30, "failed tries")
    # The collector restarts while the network is still down...
    first.stop()
    assert first.queue.pending() == 1
    first.queue.close()
    # ...and the server comes back (SMTPS, implicit TLS).
    smtp = _smtp(mailbox, pki, port, implicit_tls=True)
    smtp.start()
    second = _quick_notifier(queue_path, "email", sender)
    second.start()
    try:
        wait_until(lambda: len(mailbox.messages) == 1, 30, "the queued e-mail")
        wait_until(lambda: second.queue.pending() == 0, 30, "an empty queue")
    finally:
        second.stop()
        second.queue.close()
        smtp.stop()
    mail = email.message_from_string(mailbox.messages[0], policy=email.policy.default)
    assert "Value 312.0 °C, limit 300.0 °C" in mail.get_content()


def test_a_webhook_refused_at_first_is_retried_until_accepted(tmp_path, pki):
    hook = Hook(pki, refuse=2)
    sender = WebhookSender(hook.url, token=TOKEN, ca_file=pki.ca, timeout_s=5.0)
    notifier = _quick_notifier(tmp_path / "q.sqlite", "webhook", sender)
    notifier.start()
    try:
        notifier.notify([_event(60)])
        wait_until(lambda: len(hook.calls) == 1, 30, "the webhook call")
        wait_until(lambda: notifier.queue.pending() == 0, 30, "an empty queue")
    finally:
        notifier.stop()
        notifier.queue.close()
        hook.close()
    assert notifier.failures["webhook"] == 2
    assert hook.calls[0][1]["event"] == "raised"


# -- limits (no network needed) ----------------------------------------------------------


@dataclass
class Recorder:
    """Stands in for a channel: records what the notifier lets through."""

    sent: list[dict[str, Any]] = field(default_factory=list)

    def send(self, payload: dict[str, Any]) -> None:
        self.sent.append(payload["body"])


def _cleared(t_s: int, sensor: str = "zone4_temp") -> AlarmEvent:
    return AlarmEvent(
        "cleared", "overheat", SITE, LINE, sensor, 290.0, 300.0, T0_US + t_s * S, "ok"
    )


def test_flapping_and_line_limits_keep_an_incident_to_a_handful(tmp_path):
    recorder = Recorder()
    notifier = Notifier(
        NotifyQueue(tmp_path / "q.sqlite"), {"webhook": recorder}, line_names={},
        max_per_line=4, reraise_max=2, window_s=3600.0,
    )  # fmt: skip
    # One alarm flapping ten times: two raises and their clears, then nothing.
    flaps = [e for t in range(10) for e in (_event(100 * t), _cleared(100 * t + 50))]
    assert notifier.notify(flaps) == 4
    # Three more sensors of the line: the line's limit (4 raises) lets two through.
    others = [
        AlarmEvent("raised", "overheat", SITE, LINE, f"zone{z}_temp", 310.0, 300.0, T0_US, "x")
        for z in (1, 2, 3)
    ]
    assert notifier.notify(others) == 2
    notifier.send_due()
    assert [(b["event"], b["sensor"]) for b in recorder.sent] == [
        ("raised", "zone4_temp"),
        ("cleared", "zone4_temp"),
        ("raised", "zone4_temp"),
        ("cleared", "zone4_temp"),
        ("raised", "zone1_temp"),
        ("raised", "zone2_temp"),
    ]
    # The next message of the line says how many were held back: the zone 1 raise the
    # 8 flaps, the zone 1 clear the zone 3 raise.
    assert recorder.sent[4]["held_back"] == 8
    assert "8 more alarms of this line were not sent" in recorder.sent[4]["text"]
    notifier.notify([_cleared(2000, "zone1_temp"), _cleared(2000, "zone3_temp")])
    notifier.send_due()
    assert [(b["event"], b["sensor"], b["held_back"]) for b in recorder.sent[6:]] == [
        ("cleared", "zone1_temp", 1)
    ]
    notifier.queue.close()
