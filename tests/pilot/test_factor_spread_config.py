"""The fallback spread of factors without their own range is configuration, not code:
``[assumptions] factor_spread_<confidence>`` sets it, the draws follow it, and the
evaluator's assumption table lists it with its source."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.draws import factor_draws, factor_spread
from pilot.config import ConfigError, default_config_path, load_config
from pilot.pipeline.assumptions import assumptions_table
from pilot.pipeline.estimate import factor_library


def _config(tmp_path: Path, assumptions: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "pilot.toml"
    text = default_config_path().read_text(encoding="utf-8")
    path.write_text(f"{text}\n[assumptions]\n{assumptions}\n", encoding="utf-8")
    return load_config(path)


def test_configured_spread_sets_the_range_of_a_factor_without_its_own(tmp_path: Path) -> None:
    # IPCC 2006 Vol. 5 Sect. 5.4.2: CH4 6.5 kg/t, low confidence, no range in the data.
    library = factor_library(_config(tmp_path, "factor_spread_low = 8"))
    ch4 = library["ipcc-ob-ch4"]
    shape, low, high, reason = factor_spread(ch4)
    assert (shape, low, high) == ("lognormal", pytest.approx(6.5 / 8), pytest.approx(52.0))
    assert "[assumptions] factor_spread_low" in reason
    draws = factor_draws(ch4, 200_000, np.random.default_rng(1))
    assert np.percentile(draws, 97.5) == pytest.approx(52.0, rel=0.02)
    # A factor with its own range keeps it (Toolkit 6b class 3: 4-400 µg TEQ/t).
    assert factor_spread(library["6b3-pcddf-air"])[1:3] == (4.0, 400.0)


def test_default_spread_is_the_models_fallback_and_is_listed_with_its_source(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path, "")
    library = factor_library(config)
    assert factor_spread(library["ipcc-ob-ch4"])[2] == pytest.approx(65.0)  # ×/÷10, low
    table = assumptions_table(library, "AR5", config.assumptions).set_index("name")
    row = table.loc["[assumptions] factor_spread_medium"]
    assert row["value"] == 5.0
    assert "our assumption" in row["source"]


def test_a_wider_range_for_higher_confidence_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="factor_spread_high"):
        _config(tmp_path, "factor_spread_high = 6")
