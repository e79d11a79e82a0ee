"""Keys every publishing device declares alike: the simulators (``[simulation]``) and the
Modbus gateway (``[agent]``) both publish through an on-disk outbox and may wait for the
collector's confirmations (:mod:`sensors.confirming`).

Each function returns a fresh declaration (:func:`pilot.config.declaration.setting`),
so the two sections state the same default, unit, bounds and meaning from one place.
"""

from __future__ import annotations

from typing import Any

from pilot.config.declaration import setting
from sensors.confirming import RESEND_BASE_S, RESEND_CAP_S

__all__ = ["confirm_resend_setting", "confirm_setting", "outbox_max_mb_setting"]


def outbox_max_mb_setting(outbox: str) -> Any:
    """``outbox_max_mb``: the size bound of ``outbox`` ("each outbox", "the outbox") [MB]."""
    return setting(
        64.0,
        unit="MB",
        gt=0,
        meaning=f"Size bound of {outbox} (payload). When full, the oldest messages not yet "
        "sent are dropped and counted.",
    )


def confirm_setting() -> Any:
    """``confirm``: wait for the collector's confirmation, not only the broker's PUBACK."""
    return setting(
        True,
        meaning="Keep each message in the outbox until the collector confirms it stored "
        "(``<prefix>/<site>/<line>/_confirm/+``), resending what stays unconfirmed; false: "
        "until the broker's PUBACK only (see docs/payload.md).",
    )


def confirm_resend_setting() -> Any:
    """``confirm_resend_s``: first wait before an unconfirmed message is sent again [s]."""
    return setting(
        RESEND_BASE_S,
        unit="s",
        gt=0,
        meaning="With ``confirm``: first wait for a confirmation before a message is sent "
        f"again; it doubles while nothing is confirmed, up to {RESEND_CAP_S:g} s.",
    )
