"""The vocabulary of the report pages: messages in Vietnamese (the default) and English,
and the way each report writes a number.

The household summary speaks both languages (:data:`MESSAGES`); the evaluator and the
daily line reports are written for engineers in English and print numbers with
:func:`fmt` (three significant figures), so an evaluator can recompute them.

Households read their page, so the Vietnamese is plain: ``Hộ``, ``Tháng``, ``nhựa phế
thải``, ``đốt lộ thiên``. Every string is stored in Unicode NFC (precomposed letters
such as ``ộ``), which the PDF font draws as one glyph and text extraction gives back
unchanged. Numbers follow each language's convention: Vietnamese writes a decimal comma
and a dot between thousands.

>>> message("month", "vi", month=10, year=2020)
'Tháng 10/2020'
>>> message("month", "en", month=10, year=2020)
'October 2020'
>>> number(1234.5, "vi", 1), number(1234.5, "en", 1)
('1.234,5', '1,234.5')
>>> fmt(1234.5), fmt(0.012345), fmt(float("nan")), interval(2.0, 1.0, 3.5)
('1.23e+03', '0.0123', '–', '2 [1, 3.5]')
"""

from __future__ import annotations

import calendar
import math
import re
import unicodedata

__all__ = [
    "LANGUAGES",
    "MESSAGES",
    "fmt",
    "interval",
    "message",
    "number",
    "percent",
    "significant",
]

#: Languages of the catalogue; the first is the default.
LANGUAGES: tuple[str, ...] = ("vi", "en")

_VI: dict[str, str] = {
    "doc_title": "Bản tin hằng tháng cho hộ gia đình",
    "heading": "Bản tin hằng tháng: tái chế nhựa thay cho đốt lộ thiên",
    "month": "Tháng {month:02d}/{year}",
    "household": "{name} (mã {code}), {site}",
    "line": "Dây chuyền: {line}",
    "sec_delivered": "1. Nhựa phế thải hộ đã mang đến dây chuyền",
    "delivered_total": "{kg} kg",
    "delivered_detail": "trong {n} lần cân, vào {days} ngày của tháng",
    "delivered_share": "Bằng {pct} % tổng lượng nhựa của mọi hộ mang đến dây chuyền trong tháng.",
    "chart_title": "Nhựa mang đến mỗi ngày (kg)",
    "chart_xlabel": "Ngày trong tháng {month:02d}/{year}",
    "sec_burning": "2. Lượng nhựa thải không bị đốt lộ thiên",
    "burning_main": "Khoảng {kg} kg nhựa thải không bị đốt lộ thiên",
    "burning_interval": (
        "Ước tính; theo mô hình, 95 % khả năng nằm trong khoảng {low} đến {high} kg."
    ),
    "burning_how": (
        "Cách tính: giả định {r} % (từ {r_low} đến {r_high} %) lượng nhựa mang đến là phần "
        "thải không tái chế được; trước khi có dây chuyền, khoảng {b} % (từ {b_low} đến "
        "{b_high} %) phần thải ấy bị đốt lộ thiên. Nay dây chuyền xử lý phần thải này, "
        "không đốt."
    ),
    "sec_dioxin": "3. Dioxin tránh được",
    "dioxin_main": "Khoảng {air} µg TEQ dioxin không bay vào không khí",
    "dioxin_interval": (
        "Đây là ước tính của mô hình, không phải số đo. Theo mô hình, 95 % khả năng nằm "
        "trong khoảng {low} đến {high} µg TEQ ({draws} lần mô phỏng Monte Carlo). "
        "Ngoài ra khoảng {land} µg TEQ lẽ ra nằm lại trong tro trên đất."
    ),
    "dioxin_unit": (
        "Dioxin ở đây là dioxin và furan (PCDD/F). µg TEQ là microgam (một phần triệu gam) "
        "quy theo độ độc của dioxin độc nhất."
    ),
    "dioxin_compare": (
        "Để dễ hình dung: theo hệ số dưới đây, mỗi kg nhựa thải đốt lộ thiên thải vào không "
        "khí khoảng {per_kg} µg TEQ."
    ),
    "dioxin_factor": (
        "Hệ số phát thải: {value} µg TEQ cho mỗi tấn nhựa thải đốt ({document} {edition}, "
        "nhóm {category} loại {klass}, mã {factor_id})."
    ),
    "verified": "Hệ số này đã được đối chiếu với tài liệu gốc.",
    "secondary": "Hệ số này lấy từ nguồn thứ cấp, chưa được đối chiếu với tài liệu gốc.",
    "unverified": "Hệ số này chưa được đối chiếu với tài liệu gốc.",
    "sec_energy": "4. Năng lượng cho mỗi kg nhựa (kWh/kg)",
    "energy_line": "Dây chuyền thí điểm, tháng này",
    "energy_own": "Hộ của bạn, trước dự án (số liệu khảo sát)",
    "energy_village": "Mức giữa (trung vị) của {n} hộ trong làng, trước dự án (khảo sát)",
    "energy_village_none": "Mức giữa (trung vị) của các hộ trong làng, trước dự án (khảo sát)",
    "energy_measured": "Lò nấu trước dự án, đo bằng cảm biến ({period})",
    "no_line": "chưa đủ số liệu trong tháng",
    "no_own": "chưa có số liệu trước dự án của hộ bạn",
    "no_village": "chưa có số liệu khảo sát",
    "no_measured": "chưa có số liệu đo",
    "energy_note": (
        "Năng lượng gồm điện và nhiên liệu (than, củi, nhựa thải...) quy ra kWh. "
        "Số càng nhỏ, càng tốn ít năng lượng cho mỗi kg nhựa."
    ),
    "footer": (
        "Nguồn số liệu: cân nhập liệu của dây chuyền; giờ Việt Nam ({tz}). Mô hình phát "
        "thải: bộ hệ số {factor_set}, {draws} lần mô phỏng, hạt giống {seed}. Lập ngày {made}."
    ),
}

_EN: dict[str, str] = {
    "doc_title": "Monthly household summary",
    "heading": "Monthly summary: recycling plastic instead of burning it in the open",
    "month": "{month_name} {year}",
    "household": "{name} (code {code}), {site}",
    "line": "Line: {line}",
    "sec_delivered": "1. Waste plastic your household delivered to the line",
    "delivered_total": "{kg} kg",
    "delivered_detail": "in {n} weighing{s_n}, on {days} day{s_days} of the month",
    "delivered_share": (
        "That is {pct} % of all plastic the households delivered to the line this month."
    ),
    "chart_title": "Plastic delivered per day (kg)",
    "chart_xlabel": "Day of {month_name} {year}",
    "sec_burning": "2. Waste plastic kept out of open burning",
    "burning_main": "About {kg} kg of waste plastic not burned in the open",
    "burning_interval": "An estimate; by the model, 95 % likely between {low} and {high} kg.",
    "burning_how": (
        "How: we assume {r} % ({r_low} to {r_high} %) of the plastic delivered is residue "
        "that cannot be recycled; before the line existed, about {b} % ({b_low} to {b_high} %) "
        "of that residue was burned in the open. Now the line takes it; it is not burned."
    ),
    "sec_dioxin": "3. Dioxin avoided",
    "dioxin_main": "About {air} µg TEQ of dioxin kept out of the air",
    "dioxin_interval": (
        "This is a model estimate, not a measurement. By the model, 95 % likely between "
        "{low} and {high} µg TEQ ({draws} Monte Carlo draws). Another {land} µg TEQ or so "
        "would have stayed in the ash on the ground."
    ),
    "dioxin_unit": (
        "Dioxin here means dioxins and furans (PCDD/F). µg TEQ is micrograms (millionths of "
        "a gram) counted at the toxicity of the most toxic dioxin."
    ),
    "dioxin_compare": (
        "To picture it: by the factor below, each kg of waste plastic burned in the open "
        "releases about {per_kg} µg TEQ into the air."
    ),
    "dioxin_factor": (
        "Emission factor: {value} µg TEQ per tonne of waste burned ({document} {edition}, "
        "category {category} class {klass}, id {factor_id})."
    ),
    "verified": "This factor has been checked against the primary document.",
    "secondary": (
        "This factor comes from a secondary source, not checked against the primary document."
    ),
    "unverified": "This factor has not been checked against the primary document.",
    "sec_energy": "4. Energy per kg of plastic (kWh/kg)",
    "energy_line": "Pilot line, this month",
    "energy_own": "Your household, before the project (survey)",
    "energy_village": (
        "Middle value (median) of {n} village households, before the project (survey)"
    ),
    "energy_village_none": (
        "Middle value (median) of the village households, before the project (survey)"
    ),
    "energy_measured": "Furnaces before the project, measured by sensors ({period})",
    "no_line": "not enough data this month",
    "no_own": "no baseline data for your household",
    "no_village": "no survey data",
    "no_measured": "no measured data",
    "energy_note": (
        "Energy counts electricity and fuel (coal, wood, waste plastic...) as kWh. "
        "Smaller means less energy for each kg of plastic."
    ),
    "footer": (
        "Data: the line's intake weighings; Vietnam time ({tz}). Emission model: factor set "
        "{factor_set}, {draws} draws, seed {seed}. Made on {made}."
    ),
}


def _prepare(text: str) -> str:
    """NFC, and no-break spaces that keep a number with its unit on one wrapped line."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"\} (kg|µg|%)", "}\u00a0\\1", text)
    return text.replace("µg TEQ", "µg\u00a0TEQ")


#: Language -> message id -> text with :meth:`str.format` fields.
MESSAGES: dict[str, dict[str, str]] = {
    lang: {key: _prepare(text) for key, text in table.items()}
    for lang, table in (("vi", _VI), ("en", _EN))
}


def message(key: str, lang: str, **fields: object) -> str:
    """The message ``key`` in ``lang``, formatted with ``fields``.

    ``month_name`` is filled in from ``month`` for English.

    Raises
    ------
    KeyError
        An unknown language or message id.
    """
    if lang not in MESSAGES:
        raise KeyError(f"no messages in language {lang!r}; languages: {', '.join(LANGUAGES)}")
    # English plurals of counts: fields n and days give s_n and s_days ("" or "s");
    # Vietnamese nouns do not change.
    for name in ("n", "days"):
        if name in fields:
            fields[f"s_{name}"] = "" if fields[name] == 1 else "s"
    if "month" in fields and "month_name" not in fields:
        fields["month_name"] = calendar.month_name[int(str(fields["month"]))]
    return MESSAGES[lang][key].format(**fields)


def number(value: float, lang: str, digits: int = 1) -> str:
    """``value`` with ``digits`` decimals in the convention of ``lang``; ``-`` for NaN.

    >>> number(0.04, "vi", 2), number(float("nan"), "en")
    ('0,04', '-')
    """
    if not math.isfinite(value):
        return "-"
    text = f"{value:,.{digits}f}"
    if lang == "vi":
        # Swap the separators: 1,234.5 -> 1.234,5
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def percent(share: float, lang: str) -> str:
    """A share [-] as a percentage without decimals when whole, else one decimal.

    >>> percent(0.1, "vi"), percent(0.125, "vi")
    ('10', '12,5')
    """
    value = share * 100.0
    return number(value, lang, 0 if abs(value - round(value)) < 1e-9 else 1)


def significant(value: float, lang: str, figures: int = 2) -> str:
    """``value`` rounded to ``figures`` significant figures (at least whole units shown).

    >>> significant(3.2149, "vi"), significant(0.04567, "en"), significant(1234.6, "vi")
    ('3,2', '0.046', '1.235')
    """
    if not math.isfinite(value) or value == 0.0:
        return number(value, lang, 0)
    digits = max(0, figures - 1 - math.floor(math.log10(abs(value))))
    return number(value, lang, digits)


def fmt(value: float | None) -> str:
    """A number as the evaluator report prints it: three significant figures, ``–`` for
    NaN or None."""
    if value is None or not math.isfinite(float(value)):
        return "–"
    return f"{float(value):.3g}"


def interval(mean: float, low: float, high: float) -> str:
    """``mean [low, high]`` with :func:`fmt`."""
    return f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]"
