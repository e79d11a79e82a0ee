"""The text of an alarm notification: Vietnamese first, then English.

It names the line, the rule, the value, the limit and the time in Asia/Ho_Chi_Minh
(people read local time; the alarm log keeps UTC). :func:`webhook_body` is the JSON a
webhook receives (documented in docs/monitoring.md).

>>> from monitoring.alarms.rules import AlarmEvent
>>> event = AlarmEvent("raised", "overheat", "minh-khai", "line-1", "zone4_temp",
...                    312.0, 300.0, 1_601_863_835_000_000, "zone4_temp: hot")
>>> message = compose(event, "Minh Khai line 1")
>>> message.subject
'[UPOPs] CẢNH BÁO quá nhiệt / ALARM overheat: Minh Khai line 1 zone4_temp'
>>> print(message.text.splitlines()[1])
Giá trị 312.0 °C, ngưỡng 300.0 °C, lúc 2020-10-05 09:10:35 (giờ Việt Nam).
>>> webhook_body(event, "Minh Khai line 1")["local_time"]
'2020-10-05T09:10:35+07:00'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from monitoring.alarms.rules import RULE_NAMES, AlarmEvent

__all__ = ["LOCAL_TZ", "RULE_TEXT", "RULE_UNITS", "Message", "compose", "webhook_body"]

#: Time zone of messages to people (the pilot lines are in Hưng Yên, Vietnam).
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

#: Each rule in Vietnamese and English, one entry per :data:`RULE_NAMES`.
RULE_TEXT: dict[str, tuple[str, str]] = {
    "overheat": ("quá nhiệt", "overheat"),
    "underheat": ("nhiệt độ thấp khi đang chạy", "below the process window while running"),
    "throughput_low": ("năng suất thấp", "low throughput"),
    "silent": ("cảm biến mất tín hiệu", "sensor silent"),
    "stuck": ("cảm biến bị treo", "sensor stuck"),
    "dioxin_window": (
        "lò nằm trong vùng hình thành dioxin 200-450 °C",
        "furnace inside the dioxin-formation window 200-450 °C",
    ),
}
if set(RULE_TEXT) != set(RULE_NAMES):  # a new rule needs its words here
    raise RuntimeError(f"RULE_TEXT must name every rule of RULE_NAMES: {RULE_NAMES}")

#: Unit of an event's value and threshold, per rule.
RULE_UNITS: dict[str, str] = {
    "overheat": "°C",
    "underheat": "°C",
    "dioxin_window": "°C",
    "throughput_low": "kg/h",
    "silent": "s",
    "stuck": "s",
}

_EVENT_TEXT = {"raised": ("CẢNH BÁO", "ALARM"), "cleared": ("HẾT CẢNH BÁO", "CLEARED")}


@dataclass(frozen=True, slots=True)
class Message:
    """A notification: one-line ``subject`` and a plain ``text`` body."""

    subject: str
    text: str


def _local(ts_us: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts_us / 1e6, dt.UTC).astimezone(LOCAL_TZ)


def compose(event: AlarmEvent, line_name: str, line_name_vi: str = "") -> Message:
    """The bilingual message of ``event`` on the line called ``line_name`` (in
    Vietnamese ``line_name_vi``, when given)."""
    vi_rule, en_rule = RULE_TEXT.get(event.rule, (event.rule, event.rule))
    vi_event, en_event = _EVENT_TEXT[event.event]
    unit = RULE_UNITS.get(event.rule, "")
    when = _local(event.ts_us).strftime("%Y-%m-%d %H:%M:%S")
    value = f"{event.value:.1f} {unit}".strip()
    limit = f"{event.threshold:.1f} {unit}".strip()
    subject = f"[UPOPs] {vi_event} {vi_rule} / {en_event} {event.rule}: {line_name} {event.sensor}"
    text = "\n".join(
        [
            f"{vi_event}: {vi_rule} - {line_name_vi or line_name} ({event.site}/{event.line}), "
            f"cảm biến {event.sensor}.",
            f"Giá trị {value}, ngưỡng {limit}, lúc {when} (giờ Việt Nam).",
            "",
            f"{en_event}: {en_rule} - {line_name} ({event.site}/{event.line}), "
            f"sensor {event.sensor}.",
            f"Value {value}, limit {limit}, at {when} (Vietnam time, UTC+7).",
            "",
            event.message,
        ]
    )
    return Message(subject, text)


def webhook_body(event: AlarmEvent, line_name: str, line_name_vi: str = "") -> dict[str, Any]:
    """The JSON body a webhook receives for ``event`` (version 1)."""
    message = compose(event, line_name, line_name_vi)
    return {
        "v": 1,
        **event.as_dict(),
        "line_name": line_name,
        "line_name_vi": line_name_vi or line_name,
        "unit": RULE_UNITS.get(event.rule, ""),
        "local_time": _local(event.ts_us).isoformat(timespec="seconds"),
        "subject": message.subject,
        "text": message.text,
    }
