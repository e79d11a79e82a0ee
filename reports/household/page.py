"""The household's monthly page, drawn on the shared frame (:mod:`reports.layout`): a
header, four numbered sections and a footer naming the data and the model run."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from emission_factors.units import convert
from reports.household.data import HouseholdMonth, daily_deliveries
from reports.i18n import message, number, percent, significant
from reports.layout import A4_PORTRAIT, GREY, Document, Flow, Margins, fonts, wrap

__all__ = ["write_household_pdf"]

#: Text edges, top of the header and bottom above the footer [page fraction].
MARGINS = Margins(left=0.08, right=0.95, top=0.965, bottom=0.06)
_GREEN, _BLUE, _ORANGE = "#2e7d32", "#1f5f99", "#b35900"
_NOTE = {"size": 9, "width": 110, "color": "0.2"}  # the small print under a section


def write_household_pdf(
    page: HouseholdMonth, *, lang: str, tz: ZoneInfo, out: Path, made: date
) -> Path:
    """Write ``page`` as a one-page PDF to ``out`` and return the path.

    ``made`` is the date printed in the footer (local date of the run).
    """
    avoided = page.avoided
    footer = message(
        "footer",
        lang,
        tz=tz.key,
        factor_set=avoided.factor_set_version,
        draws=number(avoided.draws, lang, 0),
        seed=avoided.seed,
        made=made.strftime("%d/%m/%Y") if lang == "vi" else made.isoformat(),
    )
    doc = Document(
        A4_PORTRAIT,
        MARGINS,
        footer=lambda number, total: wrap(footer, 130),
        numbered=False,
        footer_size=7,
    )
    with fonts():
        flow = doc.blank_page().flow()
        _header(flow, page, lang)
        _deliveries(flow, page, lang, tz)
        _burning(flow, page, lang)
        _dioxin(flow, page, lang)
        _energy(flow, page, lang)
        doc.save(
            out,
            title=f"{message('doc_title', lang)} - {page.household_name} ({page.household_id}) - "
            f"{message('month', lang, month=page.month, year=page.year)}",
            subject=f"{page.household_id} {page.year}-{page.month:02d}",
        )
    return out


def _header(flow: Flow, page: HouseholdMonth, lang: str) -> None:
    vi = lang == "vi"
    month_text = message("month", lang, month=page.month, year=page.year)
    flow.page.figure.text(
        flow.page.margins.right,
        flow.y,
        month_text,
        fontsize=17,
        weight="bold",
        ha="right",
        va="top",
    )
    flow.text(page.household_name, size=20, weight="bold", gap=0.15)
    site = page.site_name_vi if vi else page.site_name
    flow.text(
        message("household", lang, name=page.household_name, code=page.household_id, site=site),
        size=10,
        gap=0.1,
    )
    flow.text(page.line_name_vi if vi else page.line_name, size=8.5, color=GREY, gap=0.1)
    flow.text(message("heading", lang), size=8.5, color=GREY, style="italic", gap=0.0)
    flow.rule()


def _section(flow: Flow, key: str, lang: str, gap: float = 0.3) -> None:
    flow.text(message(key, lang), size=12, weight="bold", color=_BLUE, gap=gap)


def _headline(flow: Flow, text: str) -> None:
    """The section's result in one large green line."""
    flow.text(text, size=14, weight="bold", color=_GREEN, gap=0.2)


def _deliveries(flow: Flow, page: HouseholdMonth, lang: str, tz: ZoneInfo) -> None:
    """1. Deliveries in the month, with the page's one chart beside them."""
    per_day = daily_deliveries(page.deliveries, page.year, page.month, tz)
    total = float(page.deliveries["value"].sum())
    _section(flow, "sec_delivered", lang)
    top = flow.y
    flow.text(
        message("delivered_total", lang, kg=number(total, lang, 1)),
        size=24,
        weight="bold",
        color=_GREEN,
        gap=0.1,
    )
    days = int((per_day > 0).sum())
    flow.text(message("delivered_detail", lang, n=len(page.deliveries), days=days), gap=0.3)
    if page.line_delivered_kg > 0:
        share = percent(total / page.line_delivered_kg, lang)
        flow.text(message("delivered_share", lang, pct=share), size=9.5, width=40)
    ax = flow.page.axes(0.47, top - 0.01, 0.17)
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
    flow.y = min(flow.y, top - 0.215)
    flow.rule()


def _burning(flow: Flow, page: HouseholdMonth, lang: str) -> None:
    """2. Residue kept out of open burning, with the mass-balance shares assumed."""
    burned = page.avoided.burned_kg
    r, b = page.avoided.residue_share, page.avoided.open_burn_share
    _section(flow, "sec_burning", lang)
    _headline(flow, message("burning_main", lang, kg=significant(burned.value, lang)))
    low, high = significant(burned.low, lang), significant(burned.high, lang)
    flow.text(message("burning_interval", lang, low=low, high=high), gap=0.3)
    shares = {
        name: percent(value, lang)
        for name, value in (
            ("r", r.mode),
            ("r_low", r.low),
            ("r_high", r.high),
            ("b", b.mode),
            ("b_low", b.low),
            ("b_high", b.high),
        )
    }
    flow.text(message("burning_how", lang, **shares), **_NOTE)  # type: ignore[arg-type]
    flow.rule()


def _dioxin(flow: Flow, page: HouseholdMonth, lang: str) -> None:
    """3. Dioxin avoided: an estimate, its interval and the factor behind it."""
    avoided, factor = page.avoided, page.factor
    air, land = avoided.pcddf_air, avoided.pcddf_land
    _section(flow, "sec_dioxin", lang)
    _headline(flow, message("dioxin_main", lang, air=significant(air.value, lang)))
    flow.text(
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
    flow.text(message("dioxin_unit", lang), gap=0.2, **_NOTE)  # type: ignore[arg-type]
    # The factor is per tonne burned [µg TEQ/t]; the page says it per kg.
    per_kg = factor.value * convert(1.0, "kg", "t")
    flow.text(
        message("dioxin_compare", lang, per_kg=significant(per_kg, lang)),
        gap=0.2,
        **_NOTE,  # type: ignore[arg-type]
    )
    flow.text(
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
        gap=0.1,
        **_NOTE,  # type: ignore[arg-type]
    )
    checked = factor.verification == "verified"
    flow.text(
        message(factor.verification, lang),
        **{**_NOTE, "color": "0.2" if checked else _ORANGE},  # type: ignore[arg-type]
        weight="bold",
    )
    flow.rule()


def _energy(flow: Flow, page: HouseholdMonth, lang: str) -> None:
    """4. Energy per kg this month against the baselines; say so where data are missing."""
    _section(flow, "sec_energy", lang, gap=0.4)
    energy = page.energy
    village = (
        message("energy_village", lang, n=energy.village_households)
        if energy.village_households
        else message("energy_village_none", lang)
    )
    rows = [
        (message("energy_line", lang), energy.line_kwh_per_kg, "no_line", True),
        (message("energy_own", lang), energy.own_baseline_kwh_per_kg, "no_own", False),
        (village, energy.village_median_kwh_per_kg, "no_village", False),
        (
            message("energy_measured", lang, period=energy.measured_period),
            energy.measured_baseline_kwh_per_kg,
            "no_measured",
            False,
        ),
    ]
    for label, value, missing, main in rows:
        if value is not None and bool(np.isfinite(value)):
            flow.pair(
                label,
                f"{number(float(value), lang, 2)} kWh/kg",
                size=9.5,
                value_size=10.5,
                label_weight="bold" if main else None,
                value_weight="bold",
                value_color=_GREEN if main else "0.1",
            )
        else:
            flow.pair(
                label,
                message(missing, lang),
                size=9.5,
                value_size=9,
                label_weight="bold" if main else None,
                value_color=GREY,
                value_style="italic",
            )
        flow.skip(0.024)
    flow.skip(0.004)
    flow.text(message("energy_note", lang), **_NOTE)  # type: ignore[arg-type]
