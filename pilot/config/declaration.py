"""How a section is declared: once, as data, for the checks and for the reference.

A section is a pydantic model (:class:`Section`) or, when other code keeps it as its
settings type, a pydantic dataclass (:data:`settings_type`). Each key is declared with
:func:`setting`: its type (one of :mod:`pilot.config.fields`), default, unit, allowed
range and meaning. Pydantic checks the values from that declaration; the same
declaration gives the messages their units (:func:`unit_of`) and writes
``docs/configuration.md`` (:mod:`pilot.config.reference`).

>>> class Example(Section):
...     '''An example.'''
...     rate_kg_h: float = setting(1.0, unit="kg/h", gt=0, meaning="A rate.")
>>> info = Example.model_fields["rate_kg_h"]
>>> unit_of(info), type_text(info), allowed_text(info), default_text(info)
('kg/h', 'float', '> 0', '1.0')
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import annotated_types
import pydantic.dataclasses
from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo

__all__ = [
    "Section",
    "TomlType",
    "allowed_text",
    "default_text",
    "field_owner",
    "fields_of",
    "item_type",
    "setting",
    "settings_type",
    "strip_annotation",
    "type_text",
    "unit_of",
]

#: Unknown keys are errors, so a typo cannot silently drop a setting; defaults are
#: checked too, so default paths are resolved against the file's folder as given ones.
_CONFIG = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class Section(BaseModel):
    """A table of the configuration file, checked against its declared keys.

    ``moved_keys`` maps a key that used to belong here to where it is now, so an old
    file gets a message that says where to write it.
    """

    model_config = _CONFIG
    moved_keys: ClassVar[dict[str, str]] = {}


#: Decorator of a section that other code keeps as its settings type: a frozen
#: dataclass (``dataclasses.replace`` works) checked like a :class:`Section`.
settings_type = pydantic.dataclasses.dataclass(
    frozen=True, config=ConfigDict(extra="forbid", validate_default=True)
)


@dataclass(frozen=True, slots=True)
class TomlType:
    """How the reference names a value type (``string``, ``array of two floats``...),
    and the values it allows when they are a fixed list."""

    text: str
    choices: tuple[str, ...] = ()


def setting(
    default: Any = ...,
    *,
    meaning: str,
    unit: str | None = None,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
    shown_default: str | None = None,
    repr: bool = True,
) -> Any:
    """Declare one key: ``default`` (``...`` when required), unit, bounds and meaning.

    ``shown_default`` replaces the default in the reference when it is computed (for
    example "the site's ``name``").
    """
    extra: dict[str, Any] = {}
    if unit is not None:
        extra["unit"] = unit
    if shown_default is not None:
        extra["shown_default"] = shown_default
    return Field(
        default,
        description=meaning,
        ge=ge,
        gt=gt,
        le=le,
        lt=lt,
        repr=repr,
        json_schema_extra=extra or None,
    )


def fields_of(cls: type) -> dict[str, FieldInfo]:
    """The declared keys of a section (model or settings dataclass), in order."""
    return dict(getattr(cls, "__pydantic_fields__", {}))


def strip_annotation(annotation: Any) -> tuple[Any, list[Any]]:
    """The annotation without ``Annotated`` and ``None`` alternatives, and its metadata."""
    metadata: list[Any] = []
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            args = typing.get_args(annotation)
            annotation, metadata = args[0], [*metadata, *args[1:]]
        elif typing.get_origin(annotation) in (typing.Union, types.UnionType):
            rest = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            if len(rest) != 1:
                return annotation, metadata
            annotation = rest[0]
        else:
            return annotation, metadata


def item_type(annotation: Any) -> Any:
    """The element type of a ``list[X]`` or ``tuple[X, ...]`` annotation, else None."""
    annotation, _ = strip_annotation(annotation)
    if typing.get_origin(annotation) in (list, tuple):
        args = [arg for arg in typing.get_args(annotation) if arg is not Ellipsis]
        if len(args) == 1:
            return args[0]
    return None


def field_owner(root: type, loc: tuple[str | int, ...]) -> tuple[type | None, FieldInfo | None]:
    """The section holding the key at ``loc`` below ``root``, and that key's declaration.

    For an unknown key the section is found and the declaration is None.
    """
    current: Any = root
    owner: type | None = None
    info: FieldInfo | None = None
    for part in loc:
        if isinstance(part, int):
            current = item_type(current)
            continue
        current, _ = strip_annotation(current)
        fields = fields_of(current) if isinstance(current, type) else {}
        if part not in fields:
            return (current if fields else None), None
        owner, info = current, fields[part]
        current = info.annotation
    return owner, info


def unit_of(info: FieldInfo | None) -> str | None:
    """The declared unit of a key, or None."""
    extra = info.json_schema_extra if info is not None else None
    unit = extra.get("unit") if isinstance(extra, dict) else None
    return unit if isinstance(unit, str) else None


def _toml_type(info: FieldInfo) -> TomlType | None:
    _, metadata = strip_annotation(info.annotation)
    for item in [*info.metadata, *metadata]:
        if isinstance(item, TomlType):
            return item
    return None


_BASE_NAMES = {str: "string", int: "integer", float: "float", bool: "boolean", Path: "path"}


def type_text(info: FieldInfo) -> str:
    """The value type as the reference names it."""
    declared = _toml_type(info)
    if declared is not None:
        return declared.text
    annotation, _ = strip_annotation(info.annotation)
    item = item_type(annotation)
    if item is not None:
        element, metadata = strip_annotation(item)
        if fields_of(element):
            return "array of tables"
        named = next((m.text for m in metadata if isinstance(m, TomlType)), None)
        return f"array of {named or _BASE_NAMES.get(element, 'value')}s"
    if fields_of(annotation):
        return "table"
    return _BASE_NAMES.get(annotation, str(annotation))


def allowed_text(info: FieldInfo) -> str:
    """The allowed values or range of a key, e.g. ``>= 1``, ``0-65535``, ``tcp, rtu``."""
    declared = _toml_type(info)
    if declared is not None and declared.choices:
        return ", ".join(f"``{choice}``" for choice in declared.choices)
    bounds = {}
    for item in info.metadata:
        for name in ("ge", "gt", "le", "lt"):
            if isinstance(item, getattr(annotated_types, name.capitalize())):
                bounds[name] = getattr(item, name)
    if "ge" in bounds and "le" in bounds:
        return f"{bounds['ge']}-{bounds['le']}"
    symbols = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    return ", ".join(f"{symbols[name]} {value}" for name, value in bounds.items())


def default_text(info: FieldInfo) -> str:
    """The default as written in TOML, or ``required``."""
    extra = info.json_schema_extra
    if isinstance(extra, dict) and "shown_default" in extra:
        return str(extra["shown_default"])
    if info.is_required():
        return "required"
    return _toml_literal(info.default)


def _toml_literal(value: object) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | Path):
        return f'"{value}"'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_literal(item) for item in value) + "]"
    return repr(value)
