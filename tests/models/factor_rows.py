"""Factor rows for known-answer tests: PCDD/F to air with a triangular spread."""

from __future__ import annotations


def pcddf_factor(
    factor_id: str, value: float, basis: str, *, low: float | None = None, high: float | None = None
) -> dict[str, str]:
    """A factor mapping (``load_factors(site_factors=...)``) of ``value`` µg TEQ/t per
    ``basis``, triangular between ``low`` and ``high`` (exact when they are not given)."""
    return {
        "id": factor_id,
        "source_category": "test",
        "toolkit_class": "none",
        "pollutant": "PCDD/F",
        "vector": "air",
        "value": str(value),
        "unit": "µg TEQ/t",
        "activity_basis": basis,
        "teq_scheme": "WHO-2005 TEQ",
        "confidence": "high",
        "verification": "unverified",
        "document": "test factor",
        "edition": "none",
        "table": "none",
        "distribution": "triangular",
        "low": str(value if low is None else low),
        "high": str(value if high is None else high),
        "spread_reason": "a known answer",
    }
