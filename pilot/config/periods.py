"""``[[periods]]``: measurement campaigns before (``baseline``) and after (``post``) the
pilot lines, and ``[[factors]]``: site-measured emission factors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationInfo, field_validator

from models.vocabulary import PERIOD_KINDS
from pilot.config.declaration import Section, setting
from pilot.config.fields import OffsetDateTime, Problems, Text, choice, ident, refuse

__all__ = ["PERIOD_KINDS", "Period", "PeriodSection", "check_factor"]


@dataclass(frozen=True, slots=True)
class Period:
    """A measurement campaign.

    Parameters
    ----------
    id
        Period id.
    kind
        ``baseline`` or ``post``.
    start, end
        Aware UTC datetimes; ``start <= t < end``.
    sites
        Ids of the sites the period covers.
    """

    id: str
    kind: str
    start: datetime
    end: datetime
    sites: tuple[str, ...]


PeriodId = ident("period")
PeriodKind = choice(PERIOD_KINDS, "period kind")


class PeriodSection(Section):
    """A measurement campaign: readings from ``start`` (inclusive) to ``end``
    (exclusive)."""

    id: PeriodId = setting(meaning="Period id, as site ids; unique.")
    kind: PeriodKind = setting(
        meaning="Before the pilot lines (``baseline``) or after them (``post``)."
    )
    start: OffsetDateTime = setting(
        meaning="First instant, e.g. ``2019-06-03T00:00:00+07:00``; a date-time without "
        "offset is an error. Converted to UTC."
    )
    end: OffsetDateTime = setting(meaning="End (exclusive), after ``start``.")
    sites: tuple[Text, ...] | None = setting(
        None,
        shown_default="all sites",
        meaning="Ids of the sites the period covers; each must be a ``[[sites]]`` id.",
    )

    @field_validator("end")
    @classmethod
    def check_end(cls, end: datetime, info: ValidationInfo) -> datetime:
        refuse(rule_period_order(info.data.get("start"), end))
        return end

    @field_validator("sites")
    @classmethod
    def check_sites(cls, sites: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if sites is not None and not sites:
            refuse("must not be empty; leave the key out to cover every site")
        return sites

    def period(self, site_ids: Sequence[str]) -> Period:
        """The period; without ``sites`` it covers ``site_ids``."""
        sites = tuple(dict.fromkeys(site_ids)) if self.sites is None else self.sites
        return Period(id=self.id, kind=self.kind, start=self.start, end=self.end, sites=sites)


def rule_period_order(start: datetime | None, end: datetime) -> str | None:
    """A period ends after it starts."""
    if start is not None and not start < end:
        return f"end {end.isoformat()} must be after start {start.isoformat()} (both in UTC)"
    return None


def rule_period_sites_exist(
    problems: Problems, listed: Sequence[str], site_ids: Sequence[str], at: tuple[str | int, ...]
) -> None:
    """Each listed site is configured, and listed once."""
    seen: set[str] = set()
    for index, site_id in enumerate(listed):
        if site_id in seen:
            problems.add((*at, index), f"site {site_id!r} is listed twice")
        elif site_id not in site_ids:
            known = ", ".join(site_ids) or "none"
            problems.add((*at, index), f"no site {site_id!r} in [[sites]]; configured: {known}")
        seen.add(site_id)


def check_factor(table: dict[str, Any]) -> dict[str, Any]:
    """A ``[[factors]]`` entry, checked by the emission-factor library's own rules."""
    from emission_factors.errors import FactorError
    from emission_factors.library import factor_from_mapping

    try:
        factor_from_mapping(table)
    except FactorError as err:
        problems = Problems()
        problems.add((err.field,) if err.field else (), err.reason)
        problems.raise_any("factor")
    return table
