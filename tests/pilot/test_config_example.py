"""The shipped example configuration, its lookups and its paths."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pilot.config import default_config_path, load_config, parse_config
from sensors.catalog import KINDS
from sensors.lines import Line
from tests.configs import EXAMPLE, write

# --- The shipped example ---------------------------------------------------------------


def test_example_loads_with_two_lines_of_ten_sensors() -> None:
    config = load_config(default_config_path(), environ={})
    catalog = config.catalog()
    assert catalog.lines() == [("minh-khai", "line-1"), ("phan-boi", "line-1")]
    assert len(catalog) == 20
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
            "residue",  # the pilot line's residue scale (issue 12)
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


def test_lines_are_the_sensors_layer_line_type() -> None:
    config = load_config(default_config_path(), environ={})
    lines = config.lines()
    assert [line.key for line in lines] == [("minh-khai", "line-1"), ("phan-boi", "line-1")]
    line = config.line("phan-boi", "line-1")
    assert isinstance(line, Line)
    assert line is lines[1] is config.site("phan-boi").lines[0]
    assert line.id == line.line == "line-1"
    assert line.households == tuple(h.id for h in config.site("phan-boi").households)
    assert line.timezone == config.timezone == "Asia/Ho_Chi_Minh"
    assert line.name_vi.startswith("Dây chuyền")
    assert [spec.sensor for spec in line.zones()] == [f"zone{n}_temp" for n in range(1, 5)]


def test_line_name_vi_defaults_to_its_name(tmp_path: Path) -> None:
    text = EXAMPLE
    start = text.index("[[sites.lines]]")
    name_vi = text.index("name_vi", start)
    text = text[:name_vi] + text[text.index("\n", name_vi) + 1 :]
    config = load_config(write(tmp_path, text), environ={})
    line = config.line("minh-khai", "line-1")
    assert line.name_vi == line.name
