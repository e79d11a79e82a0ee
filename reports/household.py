"""Monthly household summary: one A4 portrait page per household, Vietnamese first.

The page tells a household, in plain words (:mod:`reports.i18n`):

1. how much waste plastic it delivered to the pilot line in the month [kg], per day
   (the page's one chart) and in total, and its share of all deliveries;
2. how much residue that kept out of open burning [kg], with the assumptions of
   :data:`models.mass_balance.DEFAULT_ASSUMPTIONS` stated;
3. the PCDD/F release avoided [µg TEQ] (:mod:`models.avoided_burning`), as an estimate
   with its 95 % Monte Carlo interval, the factor behind it and whether that factor was
   checked against its primary document;
4. the energy per kg of the pilot line this month against the household's own baseline,
   the village median and the measured baseline furnaces [kWh/kg], saying where a value
   is missing rather than inventing one.

The inputs are DataFrames and plain values (:class:`HouseholdMonth`); the caller reads
the store. Text is drawn in DejaVu Sans, shipped with matplotlib itself, which has every
Vietnamese letter; TrueType embedding (``pdf.fonttype`` 42) keeps the text extractable.

>>> from zoneinfo import ZoneInfo
>>> start, end = month_bounds(2020, 10, ZoneInfo("Asia/Ho_Chi_Minh"))
>>> start.isoformat(), end.isoformat()
('2020-10-01T00:00:00+07:00', '2020-11-01T00:00:00+07:00')
"""

from __future__ import annotations

import calendar
import textwrap
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from models.avoided_burning import AvoidedBurning
from reports.i18n import message, number, percent, significant

__all__ = [
    "EnergyComparison",
    "FactorNote",
    "HouseholdMonth",
    "daily_deliveries",
    "font_path",
    "month_bounds",
    "write_household_pdf",
]

_PAGE_IN = (8.27, 11.69)  # A4 portrait [in]
_LEFT, _RIGHT = 0.08, 0.95  # text margins [figure fraction]
_GREEN, _BLUE, _ORANGE, _GREY = "#2e7d32", "#1f5f99", "#b35900", "0.35"


@dataclass(frozen=True)
class FactorNote:
    """The emission factor behind the avoided release, as the page names it.

    ``value`` [µg TEQ/t burned]; ``verification`` is ``verified``, ``secondary`` or
    ``unverified``.
    """

    factor_id: str
    value: float
    document: str
    edition: str
    category: str
    klass: str
    verification: str


@dataclass(frozen=True)
class EnergyComparison:
    """Energy per kg of plastic [kWh/kg]; ``None`` or NaN where there are no data.

    Parameters
    ----------
    line_kwh_per_kg
        The pilot line (or lines) the household delivered to, over the month.
    own_baseline_kwh_per_kg
        The household's own baseline (survey), median of its days.
    village_median_kwh_per_kg, village_households
        Median over the village's surveyed households of their own medians, and how many.
    measured_baseline_kwh_per_kg, measured_period
        The baseline regime's furnaces measured by the sensors, and the period as text.
    """

    line_kwh_per_kg: float
    own_baseline_kwh_per_kg: float | None
    village_median_kwh_per_kg: float | None
    village_households: int
    measured_baseline_kwh_per_kg: float | None
    measured_period: str


@dataclass(frozen=True)
class HouseholdMonth:
    """Everything one household's page shows.

    Parameters
    ----------
    household_id, household_name
        Configured code (``mk-h01``) and display name (``Hộ 01``).
    site_name, site_name_vi, line_name, line_name_vi
        Display names in English and Vietnamese.
    year, month
        The month shown (local time).
    deliveries
        The household's intake weighings in the month: columns ``time`` (UTC, aware) and
        ``value`` [kg].
    line_delivered_kg
        Deliveries of every household to the same line(s) in the month [kg].
    avoided
        Result of :func:`models.avoided_burning.avoided_open_burning` for the month's
        deliveries.
    factor
        The PCDD/F-to-air factor used.
    energy
        Energy per kg comparison.
    """

    household_id: str
    household_name: str
    site_name: str
    site_name_vi: str
    line_name: str
    line_name_vi: str
    year: int
    month: int
    deliveries: pd.DataFrame
    line_delivered_kg: float
    avoided: AvoidedBurning
    factor: FactorNote
    energy: EnergyComparison


def month_bounds(year: int, month: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Local start of the month to the local start of the next, aware in ``tz``."""
    start = datetime.combine(date(year, month, 1), time(0), tz)
    following = date(year + month // 12, month % 12 + 1, 1)
    return start, datetime.combine(following, time(0), tz)


def daily_deliveries(deliveries: pd.DataFrame, year: int, month: int, tz: ZoneInfo) -> pd.Series:
    """Delivered mass per local day of the month [kg], indexed by day 1..28-31.

    >>> frame = pd.DataFrame({"time": pd.to_datetime(
    ...     ["2020-10-04T18:00Z", "2020-10-05T02:00Z", "2020-10-05T18:30Z"]),
    ...     "value": [10.0, 20.0, 5.0]})
    >>> days = daily_deliveries(frame, 2020, 10, ZoneInfo("Asia/Ho_Chi_Minh"))
    >>> days[days > 0].to_dict()  # 18:00 UTC on the 4th is 01:00 on the 5th in Vietnam
    {5: 30.0, 6: 5.0}
    """
    n_days = calendar.monthrange(year, month)[1]
    local = pd.DatetimeIndex(deliveries["time"]).tz_convert(tz)
    values = pd.Series(deliveries["value"].to_numpy(dtype=float), index=local)
    values = values[(local.year == year) & (local.month == month)]
    per_day = values.groupby(values.index.day).sum()
    return per_day.reindex(range(1, n_days + 1), fill_value=0.0).astype(float)


def font_path() -> Path:
    """DejaVu Sans as shipped with matplotlib: present wherever matplotlib is."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def write_household_pdf(
    page: HouseholdMonth, *, lang: str, tz: ZoneInfo, out: Path, made: date
) -> Path:
    """Write ``page`` as a one-page PDF to ``out`` and return the path.

    ``made`` is the date printed in the footer (local date of the run).
    """
    import logging

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    # fontTools logs every glyph of the embedded font subset at INFO, which would bury
    # the command's own messages on stderr.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    out.parent.mkdir(parents=True, exist_ok=True)
    rc = {
        "pdf.fonttype": 42,  # TrueType: text stays text, diacritics extract intact
        "font.family": "DejaVu Sans",
        "axes.unicode_minus": False,
    }
    with plt.rc_context(rc), PdfPages(out) as pdf:
        figure = _figure(page, lang=lang, tz=tz, made=made)
        pdf.savefig(figure)
        plt.close(figure)
        info = pdf.infodict()
        info["Title"] = (
            f"{message('doc_title', lang)} - {page.household_name} ({page.household_id}) - "
            f"{message('month', lang, month=page.month, year=page.year)}"
        )
        info["Subject"] = f"{page.household_id} {page.year}-{page.month:02d}"
    return out


class _Column:
    """A top-down text cursor on the page [figure fraction]."""

    def __init__(self, figure, y: float) -> None:  # type: ignore[no-untyped-def]
        self.figure = figure
        self.y = y

    def text(
        self,
        text: str,
        *,
        size: float = 10,
        width: int = 95,
        gap: float = 0.25,
        x: float = _LEFT,
        **style: object,
    ) -> None:
        """Wrap ``text`` at ``width`` characters, draw it and move below it (``gap``
        lines of space after)."""
        # Factor ids such as 6b3-pcddf-air must not break at their hyphens.
        lines = textwrap.wrap(text, width=width, break_on_hyphens=False) or [""]
        self.figure.text(x, self.y, "\n".join(lines), fontsize=size, va="top", **style)
        line_h = size * 1.32 / 72.0 / _PAGE_IN[1]  # one line at this size [fraction]
        self.y -= line_h * (len(lines) + gap)

    def rule(self) -> None:
        """A thin horizontal line across the text width."""
        self.y -= 0.006
        self.figure.add_artist(
            _line(self.figure, (_LEFT, _RIGHT), (self.y, self.y), color="0.75", lw=0.6)
        )
        self.y -= 0.012

    def skip(self, fraction: float) -> None:
        """Move down by ``fraction`` of the page height."""
        self.y -= fraction


def _line(figure, xs, ys, **style):  # type: ignore[no-untyped-def]
    from matplotlib.lines import Line2D

    return Line2D(xs, ys, transform=figure.transFigure, **style)


def _figure(page: HouseholdMonth, *, lang: str, tz: ZoneInfo, made: date):  # type: ignore[no-untyped-def]
    import matplotlib.pyplot as plt

    vi = lang == "vi"
    fig = plt.figure(figsize=_PAGE_IN)
    col = _Column(fig, 0.965)
    month_text = message("month", lang, month=page.month, year=page.year)
    fig.text(_RIGHT, col.y, month_text, fontsize=17, weight="bold", ha="right", va="top")
    col.text(page.household_name, size=20, weight="bold", gap=0.15)
    col.text(
        message(
            "household",
            lang,
            name=page.household_name,
            code=page.household_id,
            site=page.site_name_vi if vi else page.site_name,
        ),
        size=10,
        gap=0.1,
    )
    col.text(page.line_name_vi if vi else page.line_name, size=8.5, color=_GREY, gap=0.1)
    col.text(message("heading", lang), size=8.5, color=_GREY, style="italic", gap=0.0)
    col.rule()

    # 1. Deliveries, with the page's one chart.
    per_day = daily_deliveries(page.deliveries, page.year, page.month, tz)
    total = float(page.deliveries["value"].sum())
    col.text(message("sec_delivered", lang), size=12, weight="bold", color=_BLUE, gap=0.3)
    top = col.y
    col.text(
        message("delivered_total", lang, kg=number(total, lang, 1)),
        size=24,
        weight="bold",
        color=_GREEN,
        gap=0.1,
    )
    col.text(
        message("delivered_detail", lang, n=len(page.deliveries), days=int((per_day > 0).sum())),
        size=10,
        gap=0.3,
    )
    if page.line_delivered_kg > 0:
        col.text(
            message("delivered_share", lang, pct=percent(total / page.line_delivered_kg, lang)),
            size=9.5,
            width=40,
        )
    ax = fig.add_axes((0.47, top - 0.18, _RIGHT - 0.47, 0.17))
    ax.bar(per_day.index, per_day.to_numpy(), color=_GREEN, width=0.75)
    for day, kg in per_day.items():
        if kg > 0:
            ax.text(day, kg, number(kg, lang, 0), ha="center", va="bottom", fontsize=6.5)
    ax.set_xlim(0.3, len(per_day) + 0.7)
    ax.set_ylim(0, max(1.0, float(per_day.max())) * 1.2)
    ax.set_xticks([d for d in per_day.index if d == 1 or d % 5 == 0])
    ax.tick_params(labelsize=7.5)
    ax.set_title(message("chart_title", lang), fontsize=9, loc="left")
    ax.set_xlabel(message("chart_xlabel", lang, month=page.month, year=page.year), fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="0.9", lw=0.5)
    ax.set_axisbelow(True)
    col.y = min(col.y, top - 0.215)
    col.rule()

    # 2. Residue kept out of open burning.
    avoided = page.avoided
    burned = avoided.burned_kg
    r, b = avoided.residue_share, avoided.open_burn_share
    col.text(message("sec_burning", lang), size=12, weight="bold", color=_BLUE, gap=0.3)
    col.text(
        message("burning_main", lang, kg=significant(burned.value, lang)),
        size=14,
        weight="bold",
        color=_GREEN,
        gap=0.2,
    )
    col.text(
        message(
            "burning_interval",
            lang,
            low=significant(burned.low, lang),
            high=significant(burned.high, lang),
        ),
        gap=0.3,
    )
    col.text(
        message(
            "burning_how",
            lang,
            r=percent(r.mode, lang),
            r_low=percent(r.low, lang),
            r_high=percent(r.high, lang),
            b=percent(b.mode, lang),
            b_low=percent(b.low, lang),
            b_high=percent(b.high, lang),
        ),
        size=9,
        width=110,
        color="0.2",
    )
    col.rule()

    # 3. Dioxin avoided: an estimate, its interval and the factor behind it.
    air, land = avoided.pcddf_air, avoided.pcddf_land
    factor = page.factor
    col.text(message("sec_dioxin", lang), size=12, weight="bold", color=_BLUE, gap=0.3)
    col.text(
        message("dioxin_main", lang, air=significant(air.value, lang)),
        size=14,
        weight="bold",
        color=_GREEN,
        gap=0.2,
    )
    col.text(
        message(
            "dioxin_interval",
            lang,
            low=significant(air.low, lang),
            high=significant(air.high, lang),
            draws=number(avoided.draws, lang, 0),
            land=significant(land.value, lang),
        ),
        gap=0.35,
    )
    col.text(message("dioxin_unit", lang), size=9, width=110, color="0.2", gap=0.2)
    col.text(
        message("dioxin_compare", lang, per_kg=significant(factor.value / 1000.0, lang)),
        size=9,
        width=110,
        color="0.2",
        gap=0.2,
    )
    col.text(
        message(
            "dioxin_factor",
            lang,
            value=number(factor.value, lang, 0),
            document=factor.document,
            edition=factor.edition,
            category=factor.category,
            klass=factor.klass,
            factor_id=factor.factor_id,
        ),
        size=9,
        width=110,
        color="0.2",
        gap=0.1,
    )
    col.text(
        message(factor.verification, lang),
        size=9,
        width=110,
        weight="bold",
        color=_ORANGE if factor.verification != "verified" else "0.2",
    )
    col.rule()

    # 4. Energy per kg: this month against the baselines; say so where data are missing.
    col.text(message("sec_energy", lang), size=12, weight="bold", color=_BLUE, gap=0.4)
    energy = page.energy
    rows = [
        (message("energy_line", lang), energy.line_kwh_per_kg, message("no_line", lang), True),
        (
            message("energy_own", lang),
            energy.own_baseline_kwh_per_kg,
            message("no_own", lang),
            False,
        ),
        (
            message("energy_village", lang, n=energy.village_households)
            if energy.village_households
            else message("energy_village_none", lang),
            energy.village_median_kwh_per_kg,
            message("no_village", lang),
            False,
        ),
        (
            message("energy_measured", lang, period=energy.measured_period),
            energy.measured_baseline_kwh_per_kg,
            message("no_measured", lang),
            False,
        ),
    ]
    for label, value, missing, main in rows:
        known = value is not None and bool(np.isfinite(value))
        fig.text(_LEFT, col.y, label, fontsize=9.5, va="top", weight="bold" if main else None)
        fig.text(
            _RIGHT,
            col.y,
            f"{number(float(value), lang, 2)} kWh/kg" if known and value is not None else missing,
            fontsize=10.5 if known else 9,
            ha="right",
            va="top",
            weight="bold" if known else None,
            color=(_GREEN if main else "0.1") if known else _GREY,
            style=None if known else "italic",
        )
        col.skip(0.024)
    col.skip(0.004)
    col.text(message("energy_note", lang), size=9, width=110, color="0.2")

    fig.text(
        _LEFT,
        0.03,
        "\n".join(
            textwrap.wrap(
                message(
                    "footer",
                    lang,
                    tz=tz.key,
                    factor_set=avoided.factor_set_version,
                    draws=number(avoided.draws, lang, 0),
                    seed=avoided.seed,
                    made=made.strftime("%d/%m/%Y") if vi else made.isoformat(),
                ),
                width=130,
            )
        ),
        fontsize=7,
        color=_GREY,
        va="bottom",
    )
    return fig
