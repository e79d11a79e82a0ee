"""Progress bars of long CLI work, on stderr (data go to stdout)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm

__all__ = ["steps"]


@contextmanager
def steps(total: int, desc: str, *, enabled: bool) -> Iterator[Callable[[str], None]]:
    """A bar of ``total`` named steps; yields ``step(name)``, which advances it by one."""
    bar = tqdm(total=total, desc=desc, unit="step", disable=not enabled)

    def step(name: str) -> None:
        bar.set_postfix_str(name)
        bar.update(1)

    try:
        yield step
    finally:
        bar.close()
