"""``docs/configuration.md`` is generated from the sections' declarations and kept current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pilot.cli import main
from pilot.config.declaration import fields_of, item_type, strip_annotation
from pilot.config.document import SECTIONS
from pilot.config.reference import COMMAND, reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def _declared(declared: object, path: str) -> list[tuple[str, object]]:
    """(key path, declaration) of every key below a section type."""
    keys = []
    for name, info in fields_of(declared).items():  # type: ignore[arg-type]
        keys.append((f"{path}.{name}", info))
        item = item_type(info.annotation)
        nested = strip_annotation(item if item is not None else info.annotation)[0]
        if fields_of(nested):
            keys += _declared(nested, f"{path}.{name}")
    return keys


ALL_KEYS = [key for spec in SECTIONS for key in _declared(spec.type, spec.name)]


def test_committed_reference_is_the_generated_one() -> None:
    committed = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    assert committed == reference(), (
        f"docs/configuration.md is out of date with the declarations in pilot/config/; "
        f"regenerate it with: {COMMAND}"
    )


def test_every_key_is_declared_with_a_meaning_and_listed() -> None:
    text = reference()
    assert len(ALL_KEYS) > 100
    for key, info in ALL_KEYS:
        assert info.description, f"{key} has no meaning"  # type: ignore[attr-defined]
        assert f"| `{key.rsplit('.', 1)[1]}` |" in text, key


@pytest.mark.parametrize(
    ("row"),
    [
        "| `keepalive_s` | integer | 30 | s | 1-65535 |",
        "| `hysteresis_kg_h` | float | 0.5 | kg/h | >= 0 |",
        '| `quarantine_path` | string (path) | "data/quarantine.sqlite" |',
        "| `kind` | string | required |  | `sqlite`, `influxdb2`, `influxdb1` |",
        "| `name_vi` | string | `name` |",
    ],
)
def test_rows_carry_type_default_unit_and_range(row: str) -> None:
    assert row in reference()


def test_moved_key_is_documented() -> None:
    assert "`running_min_kg_h` moved to `[line_states] running_min_kg_h`" in reference()


def test_cli_and_module_print_the_reference(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "reference"]) == 0
    assert capsys.readouterr().out == reference()
    printed = subprocess.run(
        [sys.executable, "-m", "pilot.config.reference"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert printed.stdout == reference()
