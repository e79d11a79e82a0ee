"""Files that are not valid TOML, and random documents: problems, never crashes."""

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

from pilot.config import Config, ConfigError, ConfigProblem, check_config, load_config
from tests.configs import EXAMPLE, SECRET, write

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
