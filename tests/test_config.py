"""Tests of :mod:`pilot.config`: the shipped example, every rule, secrets and robustness."""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pilot.config import (
    Config,
    ConfigError,
    ConfigProblem,
    check_config,
    default_config_path,
    load_config,
    parse_config,
)
from sensors.catalog import KINDS

EXAMPLE = default_config_path().read_text(encoding="utf-8")
SECRET = "s3cret-Value-42"


def replace_nth(text: str, old: str, new: str, n: int = 1) -> str:
    """``text`` with the ``n``-th occurrence of ``old`` replaced; fails if there is none."""
    start = -1
    for _ in range(n):
        start = text.find(old, start + 1)
        assert start >= 0, f"{old!r} occurs fewer than {n} times"
    return text[:start] + new + text[start + len(old) :]


def write(folder: Path, text: str, name: str = "pilot.toml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problem_keys(text: str, folder: Path, environ: dict[str, str] | None = None) -> list[str]:
    return [p.key for p in check_config(write(folder, text), environ=environ or {})]


# --- The shipped example ---------------------------------------------------------------


def test_example_loads_with_two_lines_of_nine_sensors() -> None:
    config = load_config(default_config_path(), environ={})
    catalog = config.catalog()
    assert catalog.lines() == [("minh-khai", "line-1"), ("phan-boi", "line-1")]
    assert len(catalog) == 18
    for site_id, line_id in catalog.lines():
        specs = catalog.for_line(site_id, line_id)
        assert [s.sensor for s in specs] == [
            "zone1_temp",
            "zone2_temp",
            "zone3_temp",
            "zone4_temp",
            "melt_temp",
            "mould_temp",
            "throughput",
            "energy",
            "intake",
        ]
        assert all(s.unit == KINDS[s.kind] for s in specs)
        assert [s.zone for s in specs if s.kind == "barrel_temp"] == [1, 2, 3, 4]
    assert catalog.max_future_s == config.collector.max_future_s == 300.0


def test_example_values() -> None:
    config = load_config(default_config_path(), environ={})
    minh_khai, phan_boi = config.sites
    assert minh_khai.name_vi == "Làng nghề tái chế nhựa Minh Khai, Như Quỳnh, Văn Lâm, Hưng Yên"
    assert phan_boi.name_vi == "Làng nghề tái chế nhựa Phan Bôi, Dị Sử, Mỹ Hào, Hưng Yên"
    assert [h.id for h in minh_khai.households] == [f"mk-h{n:02d}" for n in range(1, 9)]
    assert [h.name for h in phan_boi.households] == [f"Hộ {n:02d}" for n in range(1, 9)]
    line = config.line("minh-khai", "line-1")
    assert line.process_window_c == (180.0, 230.0)
    assert line.degradation_c == 300.0
    setpoints = [s.setpoint for s in line.sensors if s.kind == "barrel_temp"]
    assert setpoints == sorted(setpoints)
    energy = next(s for s in line.sensors if s.kind == "energy")
    intake = next(s for s in line.sensors if s.kind == "intake")
    assert (energy.counter, energy.interval_s) == (True, 10.0)
    assert (intake.event, intake.interval_s) == (True, 3600.0)
    assert config.broker.url == "mqtt://127.0.0.1:1883"
    assert config.broker.username is None
    assert config.store.kind == "sqlite"
    assert config.store.sqlite_path == default_config_path().parent / "data" / "readings.sqlite"
    assert config.simulation.seed == 2019
    assert config.simulation.batch_size == 10
    assert str(config.tzinfo) == "Asia/Ho_Chi_Minh"


def test_example_periods_are_utc() -> None:
    config = load_config(default_config_path(), environ={})
    (baseline,) = config.periods_of("baseline")
    (post,) = config.periods_of("post")
    assert baseline.start == datetime(2019, 6, 2, 17, tzinfo=UTC)
    assert baseline.end == datetime(2019, 6, 16, 17, tzinfo=UTC)
    assert post.start == datetime(2020, 10, 4, 17, tzinfo=UTC)
    assert baseline.sites == post.sites == ("minh-khai", "phan-boi")
    assert config.period("post-2020") is post


def test_lookups_name_what_is_configured() -> None:
    config = load_config(default_config_path(), environ={})
    with pytest.raises(KeyError, match="minh-khai, phan-boi"):
        config.site("dong-mai")
    with pytest.raises(KeyError, match="line-1"):
        config.line("phan-boi", "line-2")
    with pytest.raises(KeyError, match="baseline-2019"):
        config.period("post-2021")
    with pytest.raises(ValueError, match="baseline, post"):
        config.periods_of("after")


# --- All problems at once, with exact key paths -----------------------------------------


def test_check_config_returns_every_mistake(tmp_path: Path) -> None:
    text = EXAMPLE
    text = text.replace('timezone = "Asia/Ho_Chi_Minh"', 'timezone = "Asia/Hanoi_City"')
    text = text.replace("keepalive_s = 30", 'keepalive_s = "30"')
    text = text.replace('kind = "sqlite"', 'kind = "sqlite3"')
    text = text.replace("batch_max_readings = 5000", "batch_max_readings = 0")
    zone4 = "valid = [0.0, 500.0], interval_s = 1.0, zone = 4"
    text = replace_nth(text, zone4, zone4.replace("[0.0, 500.0]", "[500.0, 0.0]"))
    text = text.replace('{ id = "pb-h03"', '{ id = "PB H03"')
    text = replace_nth(text, "heater_kw = 25.0", 'heater_kw = 25.0\n  nmae = "typo"')
    text = replace_nth(text, "degradation_c = 300.0", "degradation_c = 220.0", 2)
    text = text.replace("end = 2019-06-17T00:00:00+07:00", "end = 2019-06-01T00:00:00+07:00")
    text = text.replace("start = 2020-10-05T00:00:00+07:00", "start = 2020-10-05T00:00:00")
    text = replace_nth(
        text, "interval_s = 10.0, counter = true", "interval_s = 0.0, counter = true"
    )
    problems = check_config(write(tmp_path, text), environ={})
    assert sorted(p.key for p in problems) == sorted(
        [
            "deployment.timezone",
            "broker.keepalive_s",
            "store.kind",
            "collector.batch_max_readings",
            "sites[0].lines[0].sensors[3].valid",
            "sites[0].lines[0].nmae",
            "sites[0].lines[0].sensors[7].interval_s",
            "sites[1].households[2].id",
            "sites[1].lines[0].degradation_c",
            "periods[0].end",
            "periods[1].start",
        ]
    )
    assert all(p.path == str(tmp_path / "pilot.toml") for p in problems)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "pilot.toml", environ={})
    assert caught.value.problems == problems
    message = str(caught.value)
    assert message.startswith("11 configuration problems:")
    assert all(str(p) in message for p in problems)


def test_problem_str_is_file_key_message() -> None:
    problem = ConfigProblem("pilot.toml", "sites[0].id", "must not be empty")
    assert str(problem) == "pilot.toml: sites[0].id: must not be empty"


# One rule per case: a single edit of the example gives exactly one problem at that key.
SINGLE_MISTAKES = [
    pytest.param(
        'name = "UPOPs',
        'nmae = "UPOPs',
        ["deployment.nmae", "deployment.name"],
        "did you mean 'name'",
        id="typo-is-unknown-key",
    ),
    pytest.param(
        'topic_prefix = "upops"',
        'topic_prefix = "upops/#"',
        ["deployment.topic_prefix"],
        "topic prefix",
        id="topic-prefix",
    ),
    pytest.param(
        'url = "mqtt://127.0.0.1:1883"',
        'url = "http://127.0.0.1:1883"',
        ["broker.url"],
        "mqtt://host:1883",
        id="broker-scheme",
    ),
    pytest.param(
        'url = "mqtt://127.0.0.1:1883"',
        'url = "mqtt://127.0.0.1:99999"',
        ["broker.url"],
        "out of range",
        id="broker-port",
    ),
    pytest.param(
        "keepalive_s = 30",
        'keepalive_s = 30\nca_file = "tls/none.crt"',
        ["broker.ca_file"],
        "does not exist",
        id="tls-file-missing",
    ),
    pytest.param(
        "keepalive_s = 30",
        'keepalive_s = 30\nkey_file = "pilot.toml"',
        ["broker.cert_file"],
        "key_file needs cert_file",
        id="key-needs-cert",
    ),
    pytest.param(
        'measurement = "readings"',
        'measurement = "read ings"',
        ["store.measurement"],
        "letters, digits",
        id="measurement-name",
    ),
    pytest.param(
        'kind = "sqlite"',
        'kind = "influxdb2"',
        ["store.influxdb2"],
        "section is missing",
        id="store-section-missing",
    ),
    pytest.param("seed = 2019", "seed = -1", ["simulation.seed"], "at least 0", id="negative-seed"),
    pytest.param(
        "batch_size = 10",
        "batch_size = 5001",
        ["simulation.batch_size"],
        "at most 5000",
        id="batch-too-large",
    ),
    pytest.param(
        'id = "phan-boi"',
        'id = "minh-khai"',
        ["sites[1].id", "periods[0].sites[1]", "periods[1].sites[1]"],
        "duplicate site id",
        id="duplicate-site",
    ),
    pytest.param(
        'id = "phan-boi"',
        'id = "Phan Boi"',
        ["sites[1].id", "periods[0].sites[1]", "periods[1].sites[1]"],
        "site id 'Phan Boi' must be",
        id="invalid-site-id",
    ),
    pytest.param(
        '{ id = "mk-h02"',
        '{ id = "mk-h01"',
        ["sites[0].households[1].id"],
        "duplicate household id",
        id="duplicate-household",
    ),
    pytest.param(
        '{ id = "zone2_temp"',
        '{ id = "zone1_temp"',
        ["sites[0].lines[0].sensors[1].id"],
        "duplicate sensor id",
        id="duplicate-sensor",
    ),
    pytest.param(
        "zone = 2,",
        "zone = 1,",
        ["sites[0].lines[0].sensors[1].zone"],
        "distinct zones",
        id="duplicate-zone",
    ),
    pytest.param(
        'kind = "melt_temp"',
        'kind = "mould_temp"',
        ["sites[0].lines[0].sensors[5].kind"],
        "already has a mould_temp",
        id="two-sensors-of-a-kind",
    ),
    pytest.param(
        ", zone = 3, setpoint = 190.0",
        ", setpoint = 190.0",
        ["sites[0].lines[0].sensors[2].zone"],
        "need a zone",
        id="barrel-needs-zone",
    ),
    pytest.param(
        'kind = "melt_temp", unit = "degC", valid = [0.0, 500.0], interval_s = 1.0',
        'kind = "melt_temp", unit = "degC", valid = [0.0, 500.0], interval_s = 1.0, zone = 5',
        ["sites[0].lines[0].sensors[4].zone"],
        "only barrel_temp",
        id="zone-on-melt",
    ),
    pytest.param(
        'kind = "throughput", unit = "kg/h"',
        'kind = "throughput", unit = "t/h"',
        ["sites[0].lines[0].sensors[6].unit"],
        "expected 'kg/h'",
        id="wrong-unit",
    ),
    pytest.param(
        'kind = "energy"',
        'kind = "electricity"',
        ["sites[0].lines[0].sensors[7].kind"],
        "unknown sensor kind",
        id="unknown-kind",
    ),
    pytest.param(
        "setpoint = 40.0",
        "setpoint = 400.0",
        ["sites[0].lines[0].sensors[5].setpoint"],
        "outside the valid range",
        id="setpoint-out-of-range",
    ),
    pytest.param(
        "interval_s = 3600.0, event = true",
        "interval_s = 3600.0, event = true, counter = true",
        ["sites[0].lines[0].sensors[8].event"],
        "both",
        id="counter-and-event",
    ),
    pytest.param(
        "process_window_c = [180.0, 230.0]",
        "process_window_c = [230.0, 180.0]",
        ["sites[0].lines[0].process_window_c"],
        "low must be less than high",
        id="window-order",
    ),
    pytest.param(
        "process_window_c = [180.0, 230.0]",
        "process_window_c = [180.0]",
        ["sites[0].lines[0].process_window_c"],
        "two numbers",
        id="window-shape",
    ),
    pytest.param(
        "nominal_throughput_kg_h = 60.0",
        "nominal_throughput_kg_h = 0",
        ["sites[0].lines[0].nominal_throughput_kg_h"],
        "greater than 0",
        id="throughput-positive",
    ),
    pytest.param(
        "heater_kw = 25.0", "heater_kw = nan", ["sites[0].lines[0].heater_kw"], "finite", id="nan"
    ),
    pytest.param(
        'product = "bricks, tiles"',
        "product = true",
        ["sites[0].lines[0].product"],
        "expected a string, got a boolean",
        id="type",
    ),
    pytest.param(
        'product = "bricks, tiles"\n',
        "",
        ["sites[0].lines[0].product"],
        "required key is missing",
        id="missing-key",
    ),
    pytest.param(
        'kind = "baseline"',
        'kind = "before"',
        ["periods[0].kind"],
        "baseline, post",
        id="period-kind",
    ),
    pytest.param(
        'id = "post-2020"',
        'id = "baseline-2019"',
        ["periods[1].id"],
        "duplicate period id",
        id="duplicate-period",
    ),
    pytest.param(
        "start = 2019-06-03T00:00:00+07:00",
        "start = 2019-06-03",
        ["periods[0].start"],
        "got a local date",
        id="period-date-only",
    ),
    pytest.param(
        'sites = ["minh-khai", "phan-boi"]',
        'sites = ["minh-khai", "dong-mai"]',
        ["periods[0].sites[1]"],
        "no site 'dong-mai'",
        id="period-site-unknown",
    ),
]


@pytest.mark.parametrize(("old", "new", "keys", "fragment"), SINGLE_MISTAKES)
def test_each_rule(tmp_path: Path, old: str, new: str, keys: list[str], fragment: str) -> None:
    problems = check_config(write(tmp_path, replace_nth(EXAMPLE, old, new)), environ={})
    assert [p.key for p in problems] == keys
    assert fragment in problems[0].message


def test_missing_sections_and_empty_document(tmp_path: Path) -> None:
    assert problem_keys("", tmp_path) == ["deployment", "broker", "store", "sites"]
    assert problem_keys("sites = []\nperiods = 3\n", tmp_path) == [
        "deployment",
        "broker",
        "store",
        "sites",
        "periods",
    ]


def test_unselected_store_section_is_checked_but_not_required(tmp_path: Path) -> None:
    extra = '[store.influxdb2]\nurl = "http://127.0.0.1:8086"\ntoken_env = "UNSET_TOKEN"\n'
    text = EXAMPLE.replace("[store.sqlite]", extra + "\n[store.sqlite]")
    assert problem_keys(text, tmp_path) == []
    typo = text.replace("token_env =", "tokn_env =")
    assert problem_keys(typo, tmp_path) == ["store.influxdb2.tokn_env"]


def test_influxdb2_store(tmp_path: Path) -> None:
    section = (
        '[store.influxdb2]\nurl = "http://127.0.0.1:8086"\norg = "vncpc"\nbucket = "upops"\n'
        'token_env = "PILOT_INFLUX_TOKEN"\n'
    )
    text = EXAMPLE.replace('kind = "sqlite"', 'kind = "influxdb2"').replace(
        "[store.sqlite]", section + "\n[store.sqlite]"
    )
    config = load_config(write(tmp_path, text), environ={"PILOT_INFLUX_TOKEN": SECRET})
    assert (config.store.kind, config.store.org, config.store.bucket) == (
        "influxdb2",
        "vncpc",
        "upops",
    )
    assert config.store.token == SECRET
    assert SECRET not in repr(config.store)
    assert SECRET not in repr(config)


def test_influxdb1_store(tmp_path: Path) -> None:
    section = (
        '[store.influxdb1]\nurl = "http://127.0.0.1:8086"\ndatabase = "upops"\n'
        'username = "writer"\npassword_file = "influx-password"\n'
    )
    text = EXAMPLE.replace('kind = "sqlite"', 'kind = "influxdb1"').replace(
        "[store.sqlite]", section + "\n[store.sqlite]"
    )
    write(tmp_path, SECRET + "\n", "influx-password")
    config = load_config(write(tmp_path, text), environ={})
    assert (config.store.database, config.store.retention_policy) == ("upops", None)
    assert (config.store.username, config.store.password) == ("writer", SECRET)
    assert SECRET not in repr(config)


# --- Secrets -------------------------------------------------------------------------------

CREDENTIALS = 'client_id = "upops-collector"\nusername = "collector"\n'


def with_broker_lines(lines: str) -> str:
    return EXAMPLE.replace('client_id = "upops-collector"\n', CREDENTIALS + lines)


def test_password_from_env(tmp_path: Path) -> None:
    text = with_broker_lines('password_env = "PILOT_MQTT_PASSWORD"\n')
    config = load_config(write(tmp_path, text), environ={"PILOT_MQTT_PASSWORD": SECRET})
    assert (config.broker.username, config.broker.password) == ("collector", SECRET)
    assert SECRET not in repr(config)


def test_password_from_file_with_trailing_newline(tmp_path: Path) -> None:
    write(tmp_path, SECRET + "\n", "secrets/mqtt-password")
    text = with_broker_lines('password_file = "secrets/mqtt-password"\n')
    config = load_config(write(tmp_path, text), environ={})
    assert config.broker.password == SECRET


def test_username_from_env(tmp_path: Path) -> None:
    text = EXAMPLE.replace(
        'client_id = "upops-collector"\n',
        'client_id = "upops-collector"\nusername_env = "MQTT_USER"\npassword_env = "MQTT_PW"\n',
    )
    config = load_config(write(tmp_path, text), environ={"MQTT_USER": "u1", "MQTT_PW": SECRET})
    assert (config.broker.username, config.broker.password) == ("u1", SECRET)


def test_missing_env_var_is_named_without_any_secret(tmp_path: Path) -> None:
    # The broker password is set; the InfluxDB token is not. Neither value may leak.
    section = (
        '[store.influxdb2]\nurl = "http://127.0.0.1:8086"\norg = "vncpc"\nbucket = "upops"\n'
        'token_env = "PILOT_INFLUX_TOKEN"\n'
    )
    text = with_broker_lines('password_env = "PILOT_MQTT_PASSWORD"\n')
    text = text.replace('kind = "sqlite"', 'kind = "influxdb2"')
    text = text.replace("[store.sqlite]", section + "\n[store.sqlite]")
    environ = {"PILOT_MQTT_PASSWORD": SECRET, "OTHER": SECRET}
    problems = check_config(write(tmp_path, text), environ=environ)
    assert [p.key for p in problems] == ["store.influxdb2.token_env"]
    assert "PILOT_INFLUX_TOKEN" in problems[0].message
    assert "not set" in problems[0].message
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "pilot.toml", environ=environ)
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value.problems)


def test_secret_pasted_as_env_name_is_not_echoed(tmp_path: Path) -> None:
    text = with_broker_lines(f'password_env = "{SECRET}!"\n')
    problems = check_config(write(tmp_path, text), environ={})
    assert [p.key for p in problems] == ["broker.password_env"]
    assert SECRET not in str(problems[0])


def test_empty_env_var_and_missing_or_empty_file(tmp_path: Path) -> None:
    text = with_broker_lines('password_env = "PILOT_MQTT_PASSWORD"\n')
    (problem,) = check_config(write(tmp_path, text), environ={"PILOT_MQTT_PASSWORD": ""})
    assert "set but empty" in problem.message
    text = with_broker_lines('password_file = "nowhere/password"\n')
    (problem,) = check_config(write(tmp_path, text), environ={})
    assert (problem.key, "does not exist" in problem.message) == ("broker.password_file", True)
    write(tmp_path, "\n", "empty-password")
    text = with_broker_lines('password_file = "empty-password"\n')
    (problem,) = check_config(write(tmp_path, text), environ={})
    assert "is empty" in problem.message


def test_env_and_file_together_and_password_without_username(tmp_path: Path) -> None:
    text = with_broker_lines('password_env = "A"\npassword_file = "b"\n')
    assert problem_keys(text, tmp_path) == ["broker.password_file"]
    text = EXAMPLE.replace("keepalive_s = 30", 'keepalive_s = 30\npassword_env = "A"')
    assert problem_keys(text, tmp_path, {"A": SECRET}) == ["broker.username"]


@pytest.mark.parametrize(
    ("section", "key", "alternatives"),
    [
        ('password = "{}"\n', "broker.password", ("password_env", "password_file")),
        ('token = "{}"\n', "store.influxdb2.token", ("token_env", "token_file")),
    ],
)
def test_literal_secret_is_refused(
    tmp_path: Path, section: str, key: str, alternatives: tuple[str, str]
) -> None:
    literal = section.format(SECRET)
    if key.startswith("broker"):
        text = with_broker_lines(literal)
    else:
        influx = (
            '[store.influxdb2]\nurl = "http://127.0.0.1:8086"\norg = "o"\nbucket = "b"\n'
            'token_env = "T"\n' + literal
        )
        text = EXAMPLE.replace("[store.sqlite]", influx + "\n[store.sqlite]")
    problems = check_config(write(tmp_path, text), environ={})
    assert [p.key for p in problems] == [key]
    assert all(name in problems[0].message for name in alternatives)
    assert SECRET not in str(problems[0])


def test_credentials_in_broker_url_are_not_echoed(tmp_path: Path) -> None:
    text = EXAMPLE.replace("mqtt://127.0.0.1:1883", f"mqtt://collector:{SECRET}@127.0.0.1:1883")
    (problem,) = check_config(write(tmp_path, text), environ={})
    assert problem.key == "broker.url"
    assert SECRET not in str(problem)


# --- Paths ---------------------------------------------------------------------------------


def test_relative_paths_are_relative_to_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "site" / "conf"
    write(folder, "ca\n", "tls/ca.crt")
    text = EXAMPLE.replace("keepalive_s = 30", 'keepalive_s = 30\nca_file = "tls/ca.crt"')
    text = text.replace('"data/quarantine.sqlite"', f'"{tmp_path / "abs" / "q.sqlite"}"')
    write(folder, text)
    monkeypatch.chdir(tmp_path)
    config = load_config(Path("site/conf/pilot.toml"), environ={})
    assert config.path == folder / "pilot.toml"
    assert config.store.sqlite_path == folder / "data" / "readings.sqlite"
    assert config.broker.ca_file == folder / "tls" / "ca.crt"
    assert config.collector.quarantine_path == tmp_path / "abs" / "q.sqlite"


def test_parse_config_uses_base_dir() -> None:
    config = parse_config(EXAMPLE, base_dir=Path("/srv/pilot"), environ={})
    assert config.path is None
    assert config.store.sqlite_path == Path("/srv/pilot/data/readings.sqlite")


# --- Files that are not valid TOML ---------------------------------------------------------


def test_toml_syntax_error_reports_line_and_column(tmp_path: Path) -> None:
    lines = EXAMPLE.splitlines()
    index = lines.index("[store]")
    lines.insert(index + 1, "kind = = 1")
    path = write(tmp_path, "\n".join(lines))
    (problem,) = check_config(path, environ={})
    assert (problem.key, problem.line, problem.column) == ("", index + 2, 8)
    assert f"line {index + 2}, column 8" in problem.message
    assert str(problem).startswith(f"{path}: TOML syntax error at line {index + 2}")


def test_unclosed_array_is_reported_at_end_of_document(tmp_path: Path) -> None:
    (problem,) = check_config(write(tmp_path, "a = 1\nb = [1,\n"), environ={})
    assert problem.line == 3
    assert "end of document" in problem.message


def test_unreadable_files(tmp_path: Path) -> None:
    (problem,) = check_config(tmp_path / "missing.toml", environ={})
    assert "cannot read" in problem.message
    (tmp_path / "latin1.toml").write_bytes(b'name = "Ph\xe2n"\n')
    (problem,) = check_config(tmp_path / "latin1.toml", environ={})
    assert "not UTF-8" in problem.message


def test_deeply_nested_document_is_a_problem(tmp_path: Path) -> None:
    (problem,) = check_config(write(tmp_path, "a = " + "[" * 50_000 + "]" * 50_000), environ={})
    assert "nested too deeply" in problem.message


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.encode("utf-8"))
    assert check_config(path, environ={}) == []


# --- Robustness: random documents never crash the checker ----------------------------------


def toml_string(text: str) -> str:
    escaped = []
    for char in text:
        if char in '"\\':
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def toml_key(key: str) -> str:
    bare = key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else toml_string(key)


def toml_value(value: Any) -> str:
    """TOML text of ``value``; tables and arrays are written inline."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_document(doc: dict[str, Any]) -> str:
    return "".join(f"{toml_key(key)} = {toml_value(value)}\n" for key, value in doc.items())


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def test_toml_writer_round_trips_the_example() -> None:
    doc = tomllib.loads(EXAMPLE)
    assert same(tomllib.loads(toml_document(doc)), doc)


OFFSETS = st.sampled_from(
    [UTC, timezone(timedelta(hours=7)), timezone(-timedelta(hours=9, minutes=30))]
)
INTERESTING = st.sampled_from(
    [
        "minh-khai",
        "line-1",
        "barrel_temp",
        "degC",
        "kg/h",
        "sqlite",
        "influxdb2",
        "post",
        "UNSET_VAR",
        "../..",
        "mqtts://h:8883",
        "Asia/Ho_Chi_Minh",
        "",
        " ",
        "\x00",
    ]
)
SCALARS = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats()
    | st.text(max_size=12)
    | INTERESTING
    | st.datetimes(timezones=st.none() | OFFSETS)
    | st.dates()
    | st.times()
)
KEYS = st.text(max_size=8) | st.sampled_from(["id", "kind", "zone", "valid", "password", "sites"])
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=3),
    max_leaves=8,
)


def slots(node: Any) -> Iterator[tuple[Any, Any]]:
    """(container, key or index) of every value below ``node``."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        yield node, key
        if isinstance(value, dict | list):
            yield from slots(value)


@st.composite
def mutated_examples(draw: st.DrawFn) -> dict[str, Any]:
    doc = copy.deepcopy(tomllib.loads(EXAMPLE))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        places = list(slots(doc))
        if not places:
            break
        container, key = draw(st.sampled_from(places))
        action = draw(st.sampled_from(["delete", "replace", "add"]))
        if action == "delete":
            del container[key]
        elif action == "replace":
            container[key] = draw(VALUES)
        elif isinstance(container, dict):
            container[draw(KEYS)] = draw(VALUES)
        else:
            container.append(draw(VALUES))
    return doc


def assert_only_problems(path: Path, environ: dict[str, str]) -> None:
    problems = check_config(path, environ=environ)
    assert isinstance(problems, list)
    for problem in problems:
        assert isinstance(problem, ConfigProblem)
        assert problem.path == str(path)
        assert problem.message
        assert SECRET not in str(problem)
    if problems:
        with pytest.raises(ConfigError):
            load_config(path, environ=environ)
    else:
        config = load_config(path, environ=environ)
        assert isinstance(config, Config)
        config.catalog()


ENVIRON = {"PILOT_MQTT_PASSWORD": SECRET, "PILOT_INFLUX_TOKEN": SECRET}
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.slow
@FUZZ
@given(doc=mutated_examples() | st.dictionaries(KEYS, VALUES, max_size=5))
def test_mutated_documents_give_problems_not_crashes(tmp_path: Path, doc: dict[str, Any]) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_text(toml_document(doc), encoding="utf-8")
    assert_only_problems(path, ENVIRON)


@FUZZ
@given(
    start=st.integers(min_value=0, max_value=len(EXAMPLE)),
    length=st.integers(min_value=0, max_value=40),
    insert=st.text(max_size=20) | st.sampled_from(["\n[[sites]]\n", " = ", "[", "]", '"']),
)
def test_edited_text_gives_problems_not_crashes(
    tmp_path: Path, start: int, length: int, insert: str
) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_text(EXAMPLE[:start] + insert + EXAMPLE[start + length :], encoding="utf-8")
    assert_only_problems(path, ENVIRON)
