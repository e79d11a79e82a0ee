r"""The residue of one line and period: measured, surveyed or assumed; its fates; the check.

The release model (:mod:`models.releases`) takes the residue :math:`R` of a line and
period from the best evidence its activity table holds:

``measured``
    the line's residue scale (activity quantity ``residue_kg`` from the sensors,
    :mod:`models.residue_scale`);
``surveyed``
    a ``residue_kg`` row of a survey or logbook (source ``surveyed: ...``);
``assumed``
    :math:`R = r\,I` with the residue share :math:`r` of ``[assumptions]``, flagged
    ``assumed residue share`` in every output that uses it.

The fates of the residue (open burning, landfill, the pilot line) stay assumed shares
(``assumed fate shares``) unless the burned residue itself is given
(``residue_burned_kg``, weighed or surveyed), which is then used as given
(:func:`models.mass_balance.residue_fates`).

Check (intake − processed): where both the intake :math:`I` and the processed mass
:math:`P` are measured, :math:`D = I - P` is the residue plus the change of stock. It is
set against the residue :math:`R` (measured, surveyed or assumed) of the same line and
period, and flagged when

.. math::

    |D - R| > \tau\,I

with the tolerance :math:`\tau` (:attr:`~models.mass_balance.Assumptions.residue_check_tolerance`,
``[assumptions] residue_check_tolerance``). Known answer: :math:`I` = 10 t,
:math:`P` = 8.5 t, :math:`R` = 1 t gives :math:`D - R` = 0.5 t, 5 % of the intake:
agrees at :math:`\tau` = 0.10, disagrees at 0.04.

>>> check_row(intake_t=10.0, processed_t=8.5, residue_t=1.0, tolerance=0.10)["agreement"]
'agrees'
>>> row = check_row(intake_t=10.0, processed_t=8.5, residue_t=1.0, tolerance=0.04)
>>> row["agreement"]
'disagrees'
>>> check = pd.DataFrame([row | {"period": "post", "site": "mk", "line": "line-1",
...     "residue_basis": "measured"}])
>>> check_lines(check)[0]  # doctest: +NORMALIZE_WHITESPACE
'mk/line-1 post: intake − processed 1.5 t against residue 1 t (measured): difference
 0.5 t = 5.0 % of intake, tolerance 4.0 %: disagrees'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from emission_factors.units import convert
from models.draws import triangular_draws
from models.errors import ModelError
from models.furnace_fuels import fuel_of_quantity
from models.mass_balance import BURNED_FLOW, Assumptions, Uncertain, residue_fates
from models.vocabulary import (
    ASSUMED,
    ELECTRICITY_KWH,
    ENERGY_KWH,
    INTAKE_KG,
    MEASURED,
    PERIOD_DAYS,
    PROCESSED_KG,
    RESIDUE_BURNED_KG,
    RESIDUE_KG,
    SURVEYED,
)

__all__ = [
    "AGREES",
    "CHECK_COLUMNS",
    "DISAGREES",
    "LineBalance",
    "activity_value",
    "check_lines",
    "check_row",
    "line_balance",
    "provenance",
]

#: The check's verdicts.
AGREES, DISAGREES = "agrees", "disagrees"
#: Columns of the check table (:attr:`models.releases.Estimate.residue_check`); masses [t].
CHECK_COLUMNS: list[str] = [
    "period",
    "site",
    "line",
    "intake_t",
    "processed_t",
    "intake_minus_processed_t",
    "residue_t",
    "residue_basis",
    "difference_t",
    "difference_share",
    "tolerance",
    "agreement",
]
#: Evidence tags of a line and period (the ``evidence`` column of the totals).
ASSUMED_RESIDUE_SHARE = f"{ASSUMED} residue share"
ASSUMED_FATE_SHARES = f"{ASSUMED} fate shares"


@dataclass(frozen=True)
class LineBalance:
    """The mass balance of one line and period.

    Attributes
    ----------
    fates, fates_det
        Flows of :func:`~models.mass_balance.residue_fates` [t]: Monte Carlo draws, and
        the deterministic value (one-element arrays).
    residue_basis
        Where the residue comes from: ``measured``, ``surveyed``, ``assumed`` (the residue
        share) or ``none`` (nothing processed, nothing weighed).
    burned_basis
        Where the burned residue comes from: ``measured`` or ``surveyed`` (given), or
        ``assumed`` (the fate shares applied to the residue), or ``none``.
    check
        The intake − processed check (:data:`CHECK_COLUMNS` but the identity), or None
        when intake and processed are not both measured.
    """

    fates: dict[str, np.ndarray]
    fates_det: dict[str, np.ndarray]
    residue_basis: str
    burned_basis: str
    check: dict[str, object] | None

    def evidence(self, rows: pd.DataFrame) -> str:
        """Where the numbers of the line and period come from, ``; ``-joined: the
        activity rows' sources (``measured``, ``surveyed``, a file's own), the residue
        (``residue measured``/``residue surveyed``/``assumed residue share``) when the
        burned residue comes from the mass balance, and ``assumed fate shares``. The
        check's verdict is not a tag: it has its own table (:attr:`check`)."""
        tags = set()
        for source in rows.loc[rows["quantity"] != PERIOD_DAYS, "source"].astype(str):
            tags.add(SURVEYED if source.startswith(SURVEYED) else source)
        if self.burned_basis == ASSUMED:
            residue = self.residue_basis
            tags.add(ASSUMED_RESIDUE_SHARE if residue == ASSUMED else f"residue {residue}")
            tags.add(ASSUMED_FATE_SHARES)
        return "; ".join(sorted(tags))

    def flow_basis(self, flow: str) -> str:
        """The ``basis`` of a flow in the mass-balance table."""
        if flow == "residue_t":
            return f"{ASSUMED} share" if self.residue_basis == ASSUMED else self.residue_basis
        if flow == BURNED_FLOW:
            return f"{ASSUMED} shares" if self.burned_basis == ASSUMED else self.burned_basis
        return "mass balance"


def provenance(rows: pd.DataFrame, quantity: str) -> str | None:
    """``measured``, ``surveyed`` or the rows' own source of ``quantity``; None if absent.

    A quantity given by survey rows counts as surveyed even if sensors gave some too.
    """
    sources = set(rows.loc[rows["quantity"] == quantity, "source"].astype(str))
    if not sources:
        return None
    if any(s.startswith(SURVEYED) for s in sources):
        return SURVEYED
    if sources == {MEASURED}:
        return MEASURED
    return "; ".join(sorted(sources))


def activity_value(
    rows: pd.DataFrame, quantity: str, draws: int, rng: np.random.Generator
) -> tuple[np.ndarray, float] | None:
    """Draws and deterministic value of a quantity summed over its rows; None if absent
    (then nothing is drawn, so the generator's stream is unchanged)."""
    part = rows[rows["quantity"] == quantity]
    if part.empty:
        return None
    value, low, high = (float(part[c].sum()) for c in ("value", "low", "high"))
    return triangular_draws(Uncertain(value, low, high), draws, rng), value


def check_row(
    *, intake_t: float, processed_t: float, residue_t: float, tolerance: float
) -> dict[str, object]:
    """The intake − processed check of one line and period (module docstring) [t]."""
    measured_t = intake_t - processed_t
    difference_t = measured_t - residue_t
    share = difference_t / intake_t if intake_t > 0 else float("nan")
    agrees = abs(difference_t) <= tolerance * intake_t
    return {
        "intake_t": intake_t,
        "processed_t": processed_t,
        "intake_minus_processed_t": measured_t,
        "residue_t": residue_t,
        "difference_t": difference_t,
        "difference_share": share,
        "tolerance": tolerance,
        "agreement": AGREES if agrees else DISAGREES,
    }


def check_lines(check: pd.DataFrame) -> list[str]:
    """One sentence per row of a check table (:data:`CHECK_COLUMNS`)."""
    return [
        f"{r.site}/{r.line} {r.period}: intake − processed "
        f"{r.intake_minus_processed_t:.4g} t against residue {r.residue_t:.4g} t "
        f"({r.residue_basis}): difference {r.difference_t:.4g} t = "
        f"{100 * r.difference_share:.1f} % of intake, tolerance {100 * r.tolerance:.1f} %: "
        f"{r.agreement}"
        for r in check.itertuples(index=False)
    ]


def _has_energy(rows: pd.DataFrame) -> bool:
    quantities = set(rows["quantity"].astype(str))
    return bool(
        quantities & {ENERGY_KWH, ELECTRICITY_KWH}
        or any(fuel_of_quantity(q) is not None for q in quantities)
    )


def line_balance(
    rows: pd.DataFrame,
    assume: Assumptions,
    draws: int,
    rng: np.random.Generator,
    key: tuple[str, str, str],
) -> LineBalance:
    """The mass balance of one line and period (``key`` = period, site, line) from its
    activity rows, under the period's assumptions (module docstring).

    Raises
    ------
    ModelError
        Neither processed mass, burned residue nor energy is given.
    """
    processed = activity_value(rows, PROCESSED_KG, draws, rng)
    burned = activity_value(rows, RESIDUE_BURNED_KG, draws, rng)
    if processed is None and burned is None and not _has_energy(rows):
        raise ModelError(
            f"{key[1]}/{key[2]} {key[0]}: the activity table gives neither processed_kg, "
            "residue_burned_kg nor energy; give at least one"
        )
    residue_basis, check = "none", None
    if processed is None:
        fates = {BURNED_FLOW: np.zeros(draws)}
        fates_det = {BURNED_FLOW: np.zeros(1)}
    else:
        intake = activity_value(rows, INTAKE_KG, draws, rng)
        modes = (assume.residue_share, assume.open_burn_share, assume.landfill_share)
        shares = [triangular_draws(u, draws, rng) for u in modes]
        residue = activity_value(rows, RESIDUE_KG, draws, rng)
        intake_draws = intake[0] if intake else np.full(draws, np.nan)
        intake_det = intake[1] if intake else float("nan")
        fates = residue_fates(intake_draws, processed[0], *shares, residue[0] if residue else None)
        fates_det = residue_fates(
            np.array([intake_det]),
            np.array([processed[1]]),
            *(np.array([u.mode]) for u in modes),
            np.array([residue[1]]) if residue else None,
        )
        residue_basis = provenance(rows, RESIDUE_KG) or ASSUMED
        if intake and provenance(rows, INTAKE_KG) == provenance(rows, PROCESSED_KG) == MEASURED:
            check = check_row(
                intake_t=convert(intake[1], "kg", "t"),
                processed_t=convert(processed[1], "kg", "t"),
                residue_t=float(fates_det["residue_t"][0]),
                tolerance=assume.residue_check_tolerance,
            ) | {"residue_basis": residue_basis}
    if burned is None:
        burned_basis = ASSUMED if processed is not None else "none"
        return LineBalance(fates, fates_det, residue_basis, burned_basis, check)
    fates[BURNED_FLOW] = convert(burned[0], "kg", "t")
    fates_det[BURNED_FLOW] = np.array([convert(burned[1], "kg", "t")])
    burned_basis = provenance(rows, RESIDUE_BURNED_KG) or MEASURED
    return LineBalance(fates, fates_det, residue_basis, burned_basis, check)
