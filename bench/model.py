"""Model benchmark (issue 7): a year of 1 Hz data for 2 lines x 8 sensors, and the Monte Carlo.

Run from the repository root: ``python bench/model.py`` (``--frame`` extracts from the
store's long DataFrame instead of per-sensor arrays). It runs
:mod:`bench.bench_estimate` (issue 3), which holds the synthetic data and the targets;
this entry point exists so that every bench of issue 7 is ``python bench/<name>.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # runnable as `python bench/model.py` from a clean clone

from bench.bench_estimate import main  # noqa: E402  (needs the path above)

if __name__ == "__main__":
    main()
