"""Activity tables written by hand for the release-model tests: exact quantities of one
line (site ``s``, line ``l``), so a test can compute the expected release on paper."""

from __future__ import annotations


def activity_rows(period: str, quantities: dict[str, tuple[float, str]]) -> list[dict[str, object]]:
    """Rows of an activity table (``models.activity_table.ACTIVITY_COLUMNS``) with
    ``low == value == high``: quantity -> (value, unit)."""
    return [
        {
            "period": period,
            "site": "s",
            "line": "l",
            "quantity": quantity,
            "value": value,
            "low": value,
            "high": value,
            "unit": unit,
            "source": "test",
        }
        for quantity, (value, unit) in quantities.items()
    ]
