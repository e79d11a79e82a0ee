"""Every rule of the configuration: all problems at once, each with its exact key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from pilot.config import ConfigError, ConfigProblem, check_config, load_config
from tests.configs import EXAMPLE, SECRET, problem_keys, replace_nth, write

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


def test_unknown_top_level_key_alone_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '"" = false\n' + EXAMPLE)
    assert [p.key for p in check_config(path, environ={})] == ['""']
    with pytest.raises(ConfigError):
        load_config(path, environ={})


def test_rules_between_keys_run_whatever_else_the_table_gets_wrong(tmp_path: Path) -> None:
    # The throughput sensor: a wrong unit (a rule between kind and unit) next to a wrong
    # interval; the line: a degradation below its window next to a wrong heater power.
    throughput = 'unit = "kg/h", valid = [0.0, 500.0], interval_s = 1.0'
    wrong = 'unit = "t/h", valid = [0.0, 500.0], interval_s = -1.0'
    text = replace_nth(EXAMPLE, throughput, wrong)
    text = replace_nth(text, "degradation_c = 300.0", "degradation_c = 200.0")
    text = replace_nth(text, "heater_kw = 25.0", 'heater_kw = "25"')
    assert problem_keys(text, tmp_path) == [
        "sites[0].lines[0].degradation_c",
        "sites[0].lines[0].heater_kw",
        "sites[0].lines[0].sensors[6].unit",
        "sites[0].lines[0].sensors[6].interval_s",
    ]
