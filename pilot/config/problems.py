"""Problems of a configuration: what is wrong, at which key path, in which file.

Pydantic reports a wrong value as an error with a location tuple
(``("sites", 0, "lines", 1, "valid")``); :func:`problems_from` turns each into a
:class:`ConfigProblem` with the key path written as in the file
(``sites[0].lines[1].valid``) and a message in TOML's words (a *table*, an *array*, an
*integer*), with the unit of the key where the declaration gives one.

>>> key_path(("sites", 0, "lines", 1, "valid"))
'sites[0].lines[1].valid'
>>> key_path(("store", "a key"))
'store."a key"'
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from pydantic import ValidationError
from pydantic.fields import FieldInfo

from pilot.config.declaration import field_owner, type_text, unit_of

__all__ = [
    "ConfigError",
    "ConfigProblem",
    "key_path",
    "problems_from",
    "toml_type_name",
    "unknown_key_message",
]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong with a configuration.

    Parameters
    ----------
    path
        The configuration file (or the ``source`` given to :func:`parse_config`).
    key
        Key path of the offending value, e.g. ``sites[0].lines[1].sensors[3].valid``;
        empty for problems of the whole document (unreadable file, TOML syntax).
    message
        What is wrong and what is expected. Never contains a secret.
    line, column
        Position in the file [1-based], for TOML syntax errors only.
    """

    path: str
    key: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if not self.key:
            return f"{self.path}: {self.message}"
        return f"{self.path}: {self.key}: {self.message}"


class ConfigError(Exception):
    """A configuration has problems; ``problems`` lists all of them.

    Parameters
    ----------
    problems
        Every problem found, in file order as far as the checks allow.
    """

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        self.problems: list[ConfigProblem] = list(problems)
        count = len(self.problems)
        head = f"{count} configuration problem{'' if count == 1 else 's'}:"
        super().__init__("\n".join([head, *(f"  {problem}" for problem in self.problems)]))


def key_path(loc: Sequence[str | int]) -> str:
    """The key path of a location tuple, as a reader finds the key in the file."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        # Quote names that TOML could not write bare, so the key path stays unambiguous.
        name = part if _BARE_KEY.match(part) else json.dumps(part)
        text = f"{text}.{name}" if text else name
    return text


def toml_type_name(value: object) -> str:
    """The TOML name of a value's type ("an integer", "a local date"...)."""
    # TOML's own names, since the reader is editing a TOML file.
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime):
        return "an offset date-time" if value.tzinfo else "a local date-time"
    if isinstance(value, date):
        return "a local date"
    if isinstance(value, time):
        return "a local time"
    return type(value).__name__


def unknown_key_message(name: str, allowed: Sequence[str], moved: dict[str, str]) -> str:
    """Why ``name`` is refused in a table whose keys are ``allowed``.

    A literal secret (``password`` next to ``password_env``) and a key that moved to
    another section (``moved``: old key → new place) get their own message, a typo the
    closest known key.
    """
    if name in moved:
        return f"this key moved to {moved[name]}; write it there"
    if f"{name}_env" in allowed:
        return (
            f"a literal {name} is not allowed in the file; give {name}_env (name of an "
            f"environment variable holding it) or {name}_file (path to a file holding it)"
        )
    close = difflib.get_close_matches(name, allowed, n=1)
    if close:
        return f"unknown key; did you mean {close[0]!r}?"
    return f"unknown key; expected one of: {', '.join(allowed)}"


def problems_from(
    error: ValidationError, *, source: str, root: type, prefix: Sequence[str | int] = ()
) -> list[ConfigProblem]:
    """Every error of a validation of ``root`` as problems, unknown keys first per table.

    ``prefix`` is the location of the validated table in the document.
    """
    errors = error.errors(include_url=False)
    ordered = sorted(range(len(errors)), key=lambda index: _order(errors, index))
    problems = []
    for index in ordered:
        item = errors[index]
        loc = tuple(item["loc"])
        problems.append(ConfigProblem(source, key_path((*prefix, *loc)), _message(item, root, loc)))
    return problems


def _order(errors: list[Any], index: int) -> tuple[int, int, int]:
    """Unknown keys of a table come before its other problems, as a reader fixes them."""
    loc = tuple(errors[index]["loc"])
    if errors[index]["type"] not in _UNKNOWN:
        return (index, 1, index)
    parent = loc[:-1]
    first = next(i for i, e in enumerate(errors) if tuple(e["loc"])[: len(parent)] == parent)
    return (first, 0, index)


_UNKNOWN = ("extra_forbidden", "unexpected_keyword_argument")
_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "bool_type": "true or false",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "dataclass_type": "a table",
    "dict_type": "a table",
    "list_type": "an array",
    "tuple_type": "an array",
}
_BOUNDS = {
    "greater_than_equal": ("ge", "must be at least"),
    "greater_than": ("gt", "must be greater than"),
    "less_than_equal": ("le", "must be at most"),
    "less_than": ("lt", "must be below"),
}


def _message(item: Any, root: type, loc: tuple[str | int, ...]) -> str:
    kind = item["type"]
    owner, info = field_owner(root, loc)
    unit = unit_of(info)
    shown_unit = f" [{unit}]" if unit else ""
    value = item.get("input")
    if kind in _UNKNOWN and owner is not None and isinstance(loc[-1], str):
        fields = list(getattr(owner, "__pydantic_fields__", {}))
        return unknown_key_message(loc[-1], fields, getattr(owner, "moved_keys", {}))
    if kind in ("missing", "missing_argument"):
        return f"required key is missing; expected {_expected(info)}"
    if kind in _EXPECTED:
        expected = _EXPECTED[kind]
        if expected == "an array" and info is not None and _is_tables(info):
            expected = "an array of tables"
        return f"expected {expected}, got {toml_type_name(value)}"
    if kind == "float_type":
        return f"expected a finite number{shown_unit}, got {toml_type_name(value)}"
    if kind == "finite_number":
        return f"expected a finite number{shown_unit}, got a non-finite number"
    if kind == "too_short" and item.get("ctx", {}).get("actual_length") == 0:
        return "must not be empty"
    if kind in _BOUNDS:
        name, words = _BOUNDS[kind]
        bound = item.get("ctx", {}).get(name)
        return f"{words} {_number(bound)}{shown_unit}, got {_number(value)}"
    return str(item["msg"])


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _expected(info: FieldInfo | None) -> str:
    if info is None:
        return "a value"
    text = type_text(info)
    article = "an" if text[0] in "aeiou" else "a"
    return f"{article} {text}"


def _is_tables(info: FieldInfo) -> bool:
    return type_text(info).startswith("array of tables")
