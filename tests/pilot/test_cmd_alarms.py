"""``pilot alarms list`` and ``pilot alarms ack``: on an alarm log written by the engine's
event type, read through the configuration's ``[alarms] path``."""

from __future__ import annotations

import json

from monitoring.alarms import AlarmEvent, AlarmLog
from pilot.cli import main
from pilot.config import load_config
from pilot.errors import EXIT_ERROR
from tests.configs import example_config

T0_US = 1_601_863_200_000_000  # 2020-10-05T02:00:00Z = 09:00 in Hưng Yên
S = 1_000_000


def _event(kind: str, rule: str, sensor: str, t_s: int, value: float) -> AlarmEvent:
    return AlarmEvent(kind, rule, "minh-khai", "line-1", sensor, value, 300.0, T0_US + t_s * S, "m")


def test_list_ack_and_list_again(tmp_path, capsys):
    path = example_config(tmp_path, broker_url="mqtt://127.0.0.1:1", prefix="a", client_id="a")
    log = AlarmLog(load_config(path).alarms.path)
    log.add_many(
        [
            _event("raised", "overheat", "zone4_temp", 60, 312.0),
            _event("raised", "stuck", "melt_temp", 90, 120.0),
            _event("cleared", "overheat", "zone4_temp", 120, 290.0),
            _event("raised", "overheat", "zone3_temp", 130, 305.0),
        ]
    )
    log.close()

    assert main(["--config", str(path), "alarms", "list"]) == 0
    out = capsys.readouterr().out
    assert "Active, not acknowledged: 2" in out
    assert "2020-10-05 09:01:30" in out  # the stuck alarm, in local time
    assert "Recent events (last 20): 4" in out

    assert main(["--config", str(path), "alarms", "ack", "2", "--by", "Nguyễn Lan"]) == 0
    assert "acknowledged" in capsys.readouterr().out
    assert main(["--config", str(path), "alarms", "list", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    acked = {a["id"]: a["acked_by"] for a in doc["active"]}
    assert acked == {2: "Nguyễn Lan", 4: None}
    assert doc["active"][0]["acked_at"].endswith("Z")
    assert [r["event"] for r in doc["recent"]] == ["raised", "raised", "cleared", "raised"]

    # Twice, or a clearing event, or an unknown id: a message, exit code 3.
    assert main(["--config", str(path), "alarms", "ack", "2", "--by", "Minh"]) == EXIT_ERROR
    assert "already acknowledged by Nguyễn Lan" in capsys.readouterr().err
    assert main(["--config", str(path), "alarms", "ack", "3", "--by", "Minh"]) == EXIT_ERROR
    assert main(["--config", str(path), "alarms", "ack", "99", "--by", "Minh"]) == EXIT_ERROR
    assert "pilot alarms list" in capsys.readouterr().err
