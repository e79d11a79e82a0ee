"""Rules several sections share: one named check per invariant.

Each rule records what it finds in a :class:`~pilot.config.fields.Problems`, at a
location relative to the section being checked.
"""

from __future__ import annotations

from collections.abc import Iterable

from pilot.config.fields import Problems
from pilot.config.problems import key_path

__all__ = ["rule_needs_username", "rule_not_both", "rule_unique_ids"]

Loc = tuple[str | int, ...]


def rule_unique_ids(problems: Problems, entries: Iterable[tuple[Loc, str]], what: str) -> None:
    """No id appears twice among ``entries`` of (location, id).

    >>> from pydantic_core import ValidationError
    >>> problems = Problems()
    >>> rule_unique_ids(problems, [(("sites", 0, "id"), "a"), (("sites", 1, "id"), "a")], "site")
    >>> try:
    ...     problems.raise_any("sites")
    ... except ValidationError as err:
    ...     [(item["loc"], item["msg"]) for item in err.errors()]
    [(('sites', 1, 'id'), "duplicate site id 'a'; first used at sites[0].id")]
    """
    first: dict[str, Loc] = {}
    for loc, value in entries:
        if value in first:
            where = key_path(first[value])
            problems.add(loc, f"duplicate {what} id {value!r}; first used at {where}")
        else:
            first[value] = loc


def rule_not_both(problems: Problems, given: set[str], first: str, second: str) -> bool:
    """Only one of two alternative keys; False (and a problem) if both are ``given``."""
    if first in given and second in given:
        problems.add((second,), f"give either {first} or {second}, not both")
        return False
    return True


def rule_needs_username(problems: Problems, given: set[str]) -> None:
    """A password without a user name would be silently ignored by the clients."""
    has_secret = bool({"password_env", "password_file"} & given)
    has_username = bool({"username", "username_env"} & given)
    if has_secret and not has_username:
        problems.add(("username",), "required key is missing; a password needs a username")
