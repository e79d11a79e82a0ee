"""The configuration reference, generated from the sections' declarations.

``pilot config reference > docs/configuration.md`` (or ``python -m
pilot.config.reference``) writes it; a test fails when the committed file differs, so
the reference cannot drift from what the checks accept.

>>> text = reference()
>>> text.startswith("# Configuration reference")
True
>>> "| `running_min_kg_h` | float | 1.0 | kg/h | > 0 |" in text
True
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

from pydantic.fields import FieldInfo

from pilot.config.declaration import (
    allowed_text,
    default_text,
    fields_of,
    item_type,
    strip_annotation,
    type_text,
    unit_of,
)
from pilot.config.document import SECTIONS, SectionSpec

__all__ = ["COMMAND", "main", "reference"]

#: The command that regenerates ``docs/configuration.md``.
COMMAND = "pilot config reference > docs/configuration.md"

_INTRO = f"""\
# Configuration reference

<!-- Generated from the declarations in pilot/config/ by `{COMMAND}`;
     edit the declarations, not this file. -->

One TOML file describes a deployment: its broker and store, the sites with their
households, lines and sensors, the measurement periods, and the settings of each
service. `pilot config check FILE` reports every problem of a file at once, each with its
key path (`sites[0].lines[1].sensors[3].valid`); `pilot config example` prints the
example configuration of the two pilot lines.

- Relative paths are relative to the folder of the configuration file; `~` is expanded.
- Secrets never appear in the file: a `*_env` key names an environment variable holding
  the secret, a `*_file` key a UTF-8 file holding it (its trailing newline is stripped).
  A literal `password` or `token` key is refused.
- Sections marked optional may be left out; their defaults apply. Unknown keys are
  errors, so a typo cannot silently drop a setting.
- Key names end in their unit (`_c` °C, `_s` seconds, `_kg_h` kg/h, `_mb` megabytes,
  `_kw` kW); the Unit column gives it for every key, `-` for a dimensionless one.
"""


def _markdown(text: str) -> str:
    """Declaration text (reStructuredText literals) as a Markdown table cell."""
    return " ".join(text.split()).replace("``", "`").replace("|", "\\|")


def _description(declared: Any) -> str:
    doc = inspect.getdoc(declared) or ""
    return _markdown(doc.split("\n\n")[0])


def _row(name: str, info: FieldInfo) -> str:
    cells = [
        f"`{name}`",
        type_text(info),
        default_text(info).replace("``", "`"),
        unit_of(info) or "",
        allowed_text(info).replace("``", "`"),
        _markdown(info.description or ""),
    ]
    return "| " + " | ".join(cells) + " |"


def _nested(info: FieldInfo) -> tuple[Any, bool] | None:
    """The section type of a key holding a table (False) or array of tables (True)."""
    item = item_type(info.annotation)
    if item is not None and fields_of(strip_annotation(item)[0]):
        return strip_annotation(item)[0], True
    table = strip_annotation(info.annotation)[0]
    if fields_of(table):
        return table, False
    return None


def _section(title: str, declared: Any, status: str) -> list[str]:
    lines = [f"## `{title}`{status}", "", _description(declared), ""]
    moved = getattr(declared, "moved_keys", {})
    for old, new in moved.items():
        lines += [f"`{old}` moved to `{new}`; the old key is refused with that hint.", ""]
    lines += [
        "| Key | Type | Default | Unit | Allowed | Meaning |",
        "|---|---|---|---|---|---|",
    ]
    children = []
    for name, info in fields_of(declared).items():
        lines.append(_row(name, info))
        nested = _nested(info)
        if nested is not None:
            children.append((name, *nested))
    lines.append("")
    path = title.strip("[]")
    for name, child, array in children:
        child_title = f"[[{path}.{name}]]" if array else f"[{path}.{name}]"
        lines += _section(child_title, child, "")
    return lines


def _top(spec: SectionSpec) -> list[str]:
    title = f"[[{spec.name}]]" if spec.array else f"[{spec.name}]"
    status = " (required)" if spec.required else " (optional)"
    if spec.note:
        return [f"## `{title}`{status}", "", _markdown(spec.note), ""]
    return _section(title, spec.type, status)


def reference() -> str:
    """The Markdown reference of every section, in file order."""
    lines = [_INTRO]
    for spec in SECTIONS:
        lines += _top(spec)
    return "\n".join(lines).rstrip("\n") + "\n"


def main() -> int:
    """Print the reference (``python -m pilot.config.reference``)."""
    sys.stdout.write(reference())
    return 0


if __name__ == "__main__":
    sys.exit(main())
