"""Value types of configuration keys: TOML values checked as the file gives them.

Each type is an ``Annotated`` pydantic type: strict (a TOML string is never read as a
number), with its own message when a value is wrong, and a :class:`TomlType` that names
it in the reference. :class:`Problems` collects what the named rules (``rule_*``) of a
section find, so a section reports all of them at once.

>>> from pydantic import TypeAdapter
>>> TypeAdapter(pair("°C")).validate_python([180, 230.0])
(180.0, 230.0)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, AllowInfNan, BeforeValidator, Strict, ValidationInfo
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from pilot.config.declaration import TomlType
from pilot.config.problems import toml_type_name
from sensors.errors import TopicError
from sensors.topics import check_id

__all__ = [
    "Boolean",
    "ConfigPath",
    "EnvName",
    "ExistingFile",
    "Integer",
    "Number",
    "OffsetDateTime",
    "Problems",
    "TemperatureWindow",
    "Text",
    "choice",
    "ident",
    "invalid",
    "pair",
    "refuse",
]

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DATETIME_EXAMPLE = "2019-06-03T00:00:00+07:00"


def invalid(message: str) -> PydanticCustomError:
    """The error a validator raises for a wrong value; ``message`` is shown as written."""
    # Through the context, so braces in the message are never read as placeholders.
    return PydanticCustomError("config", "{message}", {"message": message})


def refuse(message: str | None) -> None:
    """Raise the problem a rule found (its message), if it found one.

    Rules between two keys of a table run as a validator of the later key, with the
    earlier one from ``info.data``: it is there only when it checked out, so a rule
    runs whenever its keys are right, whatever else the table gets wrong.
    """
    if message is not None:
        raise invalid(message)


class Problems:
    """Problems found by the rules of one section, raised together at the end.

    >>> problems = Problems()
    >>> problems.add(("zone",), "barrel_temp sensors need a zone")
    >>> problems.add(("event",), "a sensor cannot be both a counter and an event sensor")
    >>> try:
    ...     problems.raise_any("sensor")
    ... except ValidationError as err:
    ...     [item["loc"] for item in err.errors()]
    [('zone',), ('event',)]
    """

    def __init__(self) -> None:
        self._items: list[InitErrorDetails] = []

    def add(self, loc: tuple[str | int, ...], message: str) -> None:
        """Record a problem at ``loc``, relative to the section being checked."""
        self._items.append(InitErrorDetails(type=invalid(message), loc=loc, input=None))

    def raise_any(self, title: str) -> None:
        """Raise every recorded problem as one :class:`ValidationError`, if any."""
        if self._items:
            raise ValidationError.from_exception_data(title, self._items)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise invalid("must not be empty")
    return value


#: A non-empty string.
Text = Annotated[str, Strict(), AfterValidator(_not_blank), TomlType("string")]
#: A TOML integer (never a boolean, never a float).
Integer = Annotated[int, Strict(), TomlType("integer")]
#: A finite number; a TOML integer is read as a float.
Number = Annotated[float, Strict(), AllowInfNan(False), TomlType("float")]
#: ``true`` or ``false``.
Boolean = Annotated[bool, Strict(), TomlType("boolean")]


def ident(what: str) -> Any:
    """An id that can be an MQTT topic level (:func:`sensors.topics.check_id`)."""

    def rule_valid_id(value: str) -> str:
        """Ids become MQTT topic levels, so they follow :func:`sensors.topics.check_id`."""
        try:
            return check_id(value, what)
        except TopicError as err:
            raise invalid(str(err)) from None

    checks = (AfterValidator(_not_blank), AfterValidator(rule_valid_id))
    return Annotated[str, Strict(), *checks, TomlType("string (id)")]


def choice(values: Sequence[str], what: str | None = None) -> Any:
    """One of ``values``; ``what`` names the vocabulary in the message."""
    allowed = tuple(values)

    def rule_known_choice(value: str) -> str:
        if value in allowed:
            return value
        if what is None:
            raise invalid(f"{value!r} is not one of: {', '.join(allowed)}")
        raise invalid(f"unknown {what} {value!r}; expected one of: {', '.join(allowed)}")

    checks = (AfterValidator(_not_blank), AfterValidator(rule_known_choice))
    return Annotated[str, Strict(), *checks, TomlType("string", allowed)]


def pair(unit: str | None, *, names: tuple[str, str] = ("low", "high")) -> Any:
    """An array of two finite numbers ``[low, high]`` with low < high, as a tuple;
    ``unit`` None when another key gives it."""
    shown_unit = f" [{unit}]" if unit else ""
    expected = f"an array of two numbers [{names[0]}, {names[1]}]{shown_unit}"

    def rule_range_ordered(value: object) -> tuple[float, float]:
        """A [low, high] range has low < high."""
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise invalid(f"expected {expected}")
        numbers = [_as_float(item) for item in value]
        if numbers[0] is None or numbers[1] is None:
            raise invalid(f"expected {expected}")
        low, high = numbers[0], numbers[1]
        if not low < high:
            raise invalid(
                f"{names[0]} must be less than {names[1]}, got [{low:g}, {high:g}]{shown_unit}"
            )
        return (low, high)

    shown = TomlType(f"array of two floats [{names[0]}, {names[1]}]")
    return Annotated[tuple[float, float], BeforeValidator(rule_range_ordered), shown]


def _as_float(value: object) -> float | None:
    """``value`` as a finite float, or None if it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if number - number == 0 else None


def _resolve_path(value: object, info: ValidationInfo) -> Path:
    """A relative path is relative to the folder of the configuration file."""
    if isinstance(value, Path):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise invalid(f"expected a string, got {toml_type_name(value)}")
    if not text.strip():
        raise invalid("must not be empty")
    if "\0" in text:
        raise invalid("a path must not contain a NUL character")
    try:
        path = Path(text).expanduser()
    except RuntimeError:
        raise invalid("cannot expand '~': the home folder is unknown") from None
    base_dir = (info.context or {}).get("base_dir")
    return path if path.is_absolute() or base_dir is None else Path(base_dir) / path


def rule_file_exists(path: Path) -> Path:
    """Files named for TLS are checked now, not when the first connection fails."""
    try:
        if not path.is_file():
            raise invalid(f"file {str(path)!r} does not exist or is not a file")
    except (OSError, ValueError) as err:
        raise invalid(f"cannot check file {str(path)!r}: {err}") from None
    return path


def rule_env_name(name: str) -> str:
    # Do not echo a malformed name: it may be the secret itself pasted in by mistake.
    if not _ENV_NAME.match(name):
        raise invalid(
            "must be the name of an environment variable (letters, digits and '_', not "
            "starting with a digit), not the secret itself"
        )
    return name


def _offset_datetime(value: object) -> datetime:
    if not isinstance(value, datetime):
        raise invalid(
            f"expected an offset date-time such as {_DATETIME_EXAMPLE}, got {toml_type_name(value)}"
        )
    if value.tzinfo is None:
        raise invalid(
            f"has no UTC offset; write it with one, e.g. {_DATETIME_EXAMPLE} for Vietnam time"
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise invalid("is out of the representable range once converted to UTC") from None


#: A temperature window [low, high] [°C].
TemperatureWindow = pair("°C")
#: A file or folder; relative to the configuration file's folder, ``~`` expanded.
ConfigPath = Annotated[Path, BeforeValidator(_resolve_path), TomlType("string (path)")]
#: A file that must exist when the configuration is checked.
ExistingFile = Annotated[
    Path,
    BeforeValidator(_resolve_path),
    AfterValidator(rule_file_exists),
    TomlType("string (path of an existing file)"),
]
#: The name of an environment variable (never the secret it holds).
EnvName = Annotated[
    str,
    Strict(),
    AfterValidator(_not_blank),
    AfterValidator(rule_env_name),
    TomlType("string (environment variable)"),
]
#: A date-time with a UTC offset, converted to UTC.
OffsetDateTime = Annotated[
    datetime, BeforeValidator(_offset_datetime), TomlType("offset date-time")
]
