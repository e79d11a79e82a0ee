"""The emission-factor library: sourced factors with provenance, loaded from CSV.

The bundled file ``emission_factors/data/factors-2025-06.csv`` holds the factors of the
UNEP Toolkit (2013 edition) for the source classes closest to the craft villages'
practices, the IPCC 2006 open-burning defaults for CO2, CH4 and N2O, the measured
literature range for open burning of plastics and the Vietnamese grid factor. Every
number names its public source in its own row (``document``, ``edition``, ``table``,
``url``), and the ``verification`` column says how far it was checked there:
``verified`` (read in that document), ``secondary`` (read in a third-party source only)
or ``unverified`` (from general knowledge of the document; check it before publishing).
Every result that uses a factor carries the factor's status.

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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from emission_factors.errors import FactorError
from emission_factors.factor import (
    ACTIVITY_BASES,
    CONFIDENCE_LEVELS,
    FACTOR_FIELDS,
    POLLUTANTS,
    VECTORS,
    VERIFICATION_STATUSES,
    EmissionFactor,
    factor_from_mapping,
)

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
    "factor_data_digest",
    "factor_from_mapping",
    "gwp_verification",
    "load_factors",
    "load_gwp",
]

#: Name of the bundled factor set; the library version adds a content hash.
FACTOR_SET = "upops-ef-2025-06"
_DATA = Path(__file__).parent / "data"
#: The bundled factor file.
DEFAULT_FACTORS_PATH = _DATA / "factors-2025-06.csv"
_GWP_PATH = _DATA / "gwp-100.csv"


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


def factor_data_digest(text: str) -> str:
    """SHA-256 (hex) of a factor file's data: its lines that are not ``#`` comments.

    >>> factor_data_digest("# a comment\\nid,value\\n") == factor_data_digest("id,value\\n")
    True
    """
    data = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


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
    FactorLibrary whose ``version`` is ``<set>+<sha256 of the factor data, 12 hex>``,
    plus ``+site<sha256 of the site factors, 8 hex>`` when there are site factors. The
    factor data are the file's lines that are not ``#`` comments, so a corrected
    citation in a comment leaves the version as it was; any change to a factor's row
    (its value, unit, document, note...) gives a new one.

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
    version = f"{name}+{factor_data_digest(text)[:12]}"
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

    Values, tables and their verification status are in
    ``emission_factors/data/gwp-100.csv`` (see :func:`gwp_verification`).

    >>> load_gwp("AR5")
    {'CO2': 1.0, 'CH4': 28.0, 'N2O': 265.0}
    """
    sets: dict[str, dict[str, float]] = {}
    for _, row in _rows(_GWP_PATH.read_text(encoding="utf-8")):
        sets.setdefault(row["gwp_set"], {})[row["gas"]] = float(row["value"])
    if gwp_set not in sets:
        raise FactorError(f"unknown GWP set {gwp_set!r}; use one of {', '.join(sets)}")
    return sets[gwp_set]


def gwp_verification(gwp_set: str) -> str:
    """The weakest verification status among the GWPs of ``gwp_set``.

    ``verified``, ``secondary`` or ``unverified`` (the order of
    :data:`VERIFICATION_STATUSES`), from the ``verification`` column of
    ``emission_factors/data/gwp-100.csv``.

    >>> gwp_verification("AR5")
    'unverified'
    """
    statuses: dict[str, list[str]] = {}
    for _, row in _rows(_GWP_PATH.read_text(encoding="utf-8")):
        statuses.setdefault(row["gwp_set"], []).append(row["verification"])
    if gwp_set not in statuses:
        raise FactorError(f"unknown GWP set {gwp_set!r}; use one of {', '.join(statuses)}")
    return max(statuses[gwp_set], key=VERIFICATION_STATUSES.index)
