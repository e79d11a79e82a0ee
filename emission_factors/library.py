"""The emission-factor library: sourced factors with provenance, loaded from CSV.

The bundled file ``emission_factors/data/factors-2025-06.csv`` holds the factors of the
UNEP Toolkit (2013 edition) for the source classes closest to the craft villages'
practices, the IPCC 2006 open-burning defaults for CO2, CH4 and N2O, the measured
literature range for open burning of plastics and the Vietnamese grid factor. Every
number and its verification status come from the project's reference notes
(``shared/reference/emission-factors.md``), which tag each value [V] verified, [S]
secondary or [U] unverified; the ``verification`` column carries that tag, and every
result that uses a factor carries the factor's status.

Columns (all required unless noted)
-----------------------------------
``id``
    Unique id, 1-64 of ``a-z 0-9 - _ .``.
``source_category``, ``toolkit_class``
    Toolkit source category and class in the Toolkit's own codes (``6b``, ``3``), or
    the IPCC/literature equivalent.
``description`` (optional)
    What the class covers.
``pollutant``
    One of :data:`POLLUTANTS`.
``vector``
    Release vector, one of :data:`VECTORS`.
``value``
    Non-negative number in ``unit``.
``unit``
    One of :data:`emission_factors.units.FACTOR_UNITS` (``µg TEQ/t``, ``µg TEQ/TJ`` ...).
``activity_basis``
    What the activity counts, one of :data:`ACTIVITY_BASES`; its unit must be the
    factor unit's denominator.
``teq_scheme`` (optional; required for TEQ units)
    ``WHO-2005 TEQ``, ``I-TEQ`` ...
``confidence``
    The Toolkit's level of confidence (or ours for other sources): ``high``,
    ``medium``, ``low``. It sets the Monte Carlo spread (:mod:`models.releases`).
``verification``
    ``verified``, ``secondary`` or ``unverified`` (see the file header).
``document``, ``edition``, ``table``
    Citation: the document, its edition or year, and the table, annex or section.
``url``, ``note`` (optional)
    Where the number was read, and remarks.

Lines starting with ``#`` are comments. Row numbers in messages are file line numbers.

>>> library = load_factors()
>>> factor = library["6b3-pcddf-air"]
>>> factor.value, factor.unit, factor.vector, factor.verification
(40.0, 'µg TEQ/t', 'air', 'unverified')
>>> library.version
'upops-ef-2025-06+...'
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from emission_factors.errors import FactorError
from emission_factors.units import FACTOR_UNITS

__all__ = [
    "ACTIVITY_BASES",
    "CONFIDENCE_LEVELS",
    "DEFAULT_FACTORS_PATH",
    "FACTOR_FIELDS",
    "FACTOR_SET",
    "POLLUTANTS",
    "VECTORS",
    "VERIFICATION_STATUSES",
    "EmissionFactor",
    "FactorLibrary",
    "factor_from_mapping",
    "load_factors",
    "load_gwp",
]

#: Name of the bundled factor set; the library version adds a content hash.
FACTOR_SET = "upops-ef-2025-06"
_DATA = Path(__file__).parent / "data"
#: The bundled factor file.
DEFAULT_FACTORS_PATH = _DATA / "factors-2025-06.csv"
_GWP_PATH = _DATA / "gwp-100.csv"

#: Release vectors of the Toolkit (Annex 4).
VECTORS: tuple[str, ...] = ("air", "water", "land", "product", "residue")
#: Pollutants a factor may give.
POLLUTANTS: tuple[str, ...] = (
    "PCDD/F",
    "dl-PCB",
    "HCB",
    "PeCBz",
    "CO2-fossil",
    "CO2",
    "CH4",
    "N2O",
)
CONFIDENCE_LEVELS: tuple[str, ...] = ("high", "medium", "low")
VERIFICATION_STATUSES: tuple[str, ...] = ("verified", "secondary", "unverified")
#: Activity bases and the unit the activity is counted in.
ACTIVITY_BASES: dict[str, str] = {
    "burned_t": "t",  # material burned in the open
    "waste_t": "t",  # waste fed to a combustion unit
    "coal_t": "t",  # coal burned
    "ash_t": "t",  # ash produced
    "fuel_tj": "TJ",  # fuel energy (lower heating value)
    "electricity_mwh": "MWh",  # electricity consumed
}
#: Every column of a factor, in file order.
FACTOR_FIELDS: tuple[str, ...] = (
    "id",
    "source_category",
    "toolkit_class",
    "description",
    "pollutant",
    "vector",
    "value",
    "unit",
    "activity_basis",
    "teq_scheme",
    "confidence",
    "verification",
    "document",
    "edition",
    "table",
    "url",
    "note",
)
_REQUIRED = (
    "id",
    "source_category",
    "toolkit_class",
    "pollutant",
    "vector",
    "value",
    "unit",
    "activity_basis",
    "confidence",
    "verification",
    "document",
    "edition",
    "table",
)
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class EmissionFactor:
    """One emission factor with its provenance; fields as the module's columns.

    ``value`` is in ``unit``: release (µg TEQ, or kg of gas) per activity unit
    (t, TJ, MWh). ``origin`` names the file or configuration it came from.
    """

    id: str
    source_category: str
    toolkit_class: str
    description: str
    pollutant: str
    vector: str
    value: float
    unit: str
    activity_basis: str
    teq_scheme: str
    confidence: str
    verification: str
    document: str
    edition: str
    table: str
    url: str = ""
    note: str = ""
    origin: str = ""

    @property
    def release_unit(self) -> str:
        """Unit of the release this factor gives (``µg TEQ``, ``kg``)."""
        return FACTOR_UNITS[self.unit][0]

    @property
    def activity_unit(self) -> str:
        """Unit of the activity the factor multiplies (``t``, ``TJ``, ``MWh``)."""
        return FACTOR_UNITS[self.unit][1]

    @property
    def citation(self) -> str:
        """Document, edition and table in one line."""
        return f"{self.document}, {self.edition}, {self.table}"

    @property
    def class_code(self) -> str:
        """Category and class, e.g. ``6b class 3``."""
        return f"{self.source_category} class {self.toolkit_class}"


def _text(row: Mapping[str, object], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def factor_from_mapping(
    row: Mapping[str, object], *, file: str = "", row_number: int | None = None, origin: str = ""
) -> EmissionFactor:
    """Check one factor given as a mapping of the module's columns and build it.

    Parameters
    ----------
    row
        Column name -> value (strings from CSV, or typed values from TOML).
    file, row_number
        Where the mapping came from, for messages.
    origin
        Recorded on the factor (``file`` when empty).

    Raises
    ------
    FactorError
        Naming ``file``, ``row_number`` and the field, for a missing or invalid value.

    >>> factor_from_mapping({"id": "x"}, file="site.toml", row_number=1)
    Traceback (most recent call last):
    ...
    emission_factors.errors.FactorError: site.toml, row 1, field 'source_category': ...
    """

    def fail(field: str, message: str) -> FactorError:
        return FactorError(message, file=file, row=row_number, field=field)

    unknown = sorted(set(row) - set(FACTOR_FIELDS))
    if unknown:
        raise fail(unknown[0], f"unknown field; the fields are {', '.join(FACTOR_FIELDS)}")
    for name in _REQUIRED:
        if not _text(row, name):
            raise fail(
                name,
                "missing; every factor needs a unit, a vector and its source "
                "(document, edition, table), see emission_factors.library",
            )
    factor_id = _text(row, "id")
    if not _ID.match(factor_id):
        raise fail("id", f"{factor_id!r} must be 1-64 of a-z 0-9 . _ - starting alphanumeric")
    raw_value = row.get("value")
    try:
        value = float(raw_value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise fail("value", f"{raw_value!r} is not a number") from None
    if not value >= 0 or value == float("inf"):
        raise fail("value", f"{value} must be a finite number >= 0")
    checks = (
        ("pollutant", POLLUTANTS),
        ("vector", VECTORS),
        ("unit", tuple(FACTOR_UNITS)),
        ("activity_basis", tuple(ACTIVITY_BASES)),
        ("confidence", CONFIDENCE_LEVELS),
        ("verification", VERIFICATION_STATUSES),
    )
    for name, allowed in checks:
        if _text(row, name) not in allowed:
            raise fail(name, f"{_text(row, name)!r} is not one of {', '.join(allowed)}")
    unit, basis = _text(row, "unit"), _text(row, "activity_basis")
    if FACTOR_UNITS[unit][1] != ACTIVITY_BASES[basis]:
        raise fail(
            "unit",
            f"{unit} is per {FACTOR_UNITS[unit][1]} but activity_basis {basis} counts "
            f"{ACTIVITY_BASES[basis]}; make them agree",
        )
    if "TEQ" in unit and not _text(row, "teq_scheme"):
        raise fail("teq_scheme", "missing; a TEQ factor must name its TEQ scheme")
    return EmissionFactor(
        **{name: _text(row, name) for name in FACTOR_FIELDS if name != "value"},
        value=value,
        origin=origin or file,
    )


class FactorLibrary(Mapping[str, EmissionFactor]):
    """Factors by id, with the version string recorded with every result.

    Parameters
    ----------
    factors
        The factors; ids must be unique.
    version
        Factor-set version, e.g. ``upops-ef-2025-06+3f2a…``.
    """

    def __init__(self, factors: Iterable[EmissionFactor], version: str) -> None:
        self._factors: dict[str, EmissionFactor] = {}
        for factor in factors:
            if factor.id in self._factors:
                first = self._factors[factor.id].origin
                raise FactorError(
                    f"duplicate factor id {factor.id!r} (also in {first}); rename one",
                    file=factor.origin,
                    field="id",
                )
            self._factors[factor.id] = factor
        self.version = version

    def __getitem__(self, factor_id: str) -> EmissionFactor:
        try:
            return self._factors[factor_id]
        except KeyError:
            raise FactorError(
                f"unknown factor id {factor_id!r}; `pilot factors list` shows the "
                f"{len(self._factors)} known ids"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._factors)

    def __len__(self) -> int:
        return len(self._factors)

    def to_frame(self) -> pd.DataFrame:
        """All factors as a DataFrame, one row per factor, columns as the CSV + origin."""
        return pd.DataFrame([asdict(f) for f in self._factors.values()])


def _rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV text with ``#`` comment lines."""
    lines = text.splitlines()
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if not line.startswith("#")]
    numbered = [(n, line) for n, line in numbered if line.strip()]
    if not numbered:
        return
    reader = csv.reader(io.StringIO("\n".join(line for _, line in numbered)))
    header = next(reader)
    for (number, _), values in zip(numbered[1:], reader, strict=True):
        if len(values) != len(header):
            raise FactorError(
                f"has {len(values)} fields, the header has {len(header)}; quote fields "
                "that contain commas",
                row=number,
            )
        yield number, dict(zip(header, values, strict=True))


def load_factors(
    path: str | Path | None = None,
    *,
    site_factors: Iterable[Mapping[str, object]] = (),
    site_origin: str = "configuration",
) -> FactorLibrary:
    """Load the factor file and optional site-measured factors.

    Parameters
    ----------
    path
        CSV file; the bundled :data:`DEFAULT_FACTORS_PATH` when ``None``.
    site_factors
        Extra factors as mappings of the module's columns (``[[factors]]`` of the
        deployment configuration); provenance is required for them as for the file.
    site_origin
        Name of where the site factors come from, for messages (``factors[0]`` ...).

    Returns
    -------
    FactorLibrary whose ``version`` is ``<set>+<sha256 of the file, 12 hex>``, plus
    ``+site<sha256 of the site factors, 8 hex>`` when there are site factors.

    Raises
    ------
    FactorError
        With file, row and field, for the first invalid factor.
    """
    file = Path(path) if path is not None else DEFAULT_FACTORS_PATH
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise FactorError(f"cannot read the factor file: {exc.strerror}", file=str(file)) from None
    text = data.decode("utf-8")
    factors = []
    try:
        for number, row in _rows(text):
            factors.append(factor_from_mapping(row, file=str(file), row_number=number))
    except FactorError as exc:
        if exc.file:
            raise
        raise FactorError(str(exc).split(": ", 1)[-1], file=str(file), row=exc.row) from None
    name = FACTOR_SET if file == DEFAULT_FACTORS_PATH else file.stem
    version = f"{name}+{hashlib.sha256(data).hexdigest()[:12]}"
    extra = list(site_factors)
    if extra:
        for i, mapping in enumerate(extra):
            factors.append(
                factor_from_mapping(
                    mapping, file=site_origin, row_number=i, origin=f"{site_origin}[{i}]"
                )
            )
        digest = hashlib.sha256(repr([sorted(m.items()) for m in extra]).encode()).hexdigest()
        version += f"+site{digest[:8]}"
    return FactorLibrary(factors, version)


def load_gwp(gwp_set: str) -> dict[str, float]:
    """Global warming potentials over 100 years of ``gwp_set`` (``AR4``, ``AR5``, ``AR6``).

    Values, tables and their (unverified) status are in
    ``emission_factors/data/gwp-100.csv``.

    >>> load_gwp("AR5")
    {'CO2': 1.0, 'CH4': 28.0, 'N2O': 265.0}
    """
    sets: dict[str, dict[str, float]] = {}
    for _, row in _rows(_GWP_PATH.read_text(encoding="utf-8")):
        sets.setdefault(row["gwp_set"], {})[row["gas"]] = float(row["value"])
    if gwp_set not in sets:
        raise FactorError(f"unknown GWP set {gwp_set!r}; use one of {', '.join(sets)}")
    return sets[gwp_set]
