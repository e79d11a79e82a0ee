"""Capped exponential backoff with jitter: the one retry schedule of every reconnecting part.

Devices, the collector and the alarm publisher retry a broker, a store or a Modbus device
after a failure: ``base_s`` doubling per consecutive failure up to ``cap_s``, each wait
spread by ±``jitter`` so that clients which failed together (a village power cut) do not
retry in step (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015,
https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).

>>> backoff = Backoff(base_s=0.5, cap_s=30.0, jitter=0.0)
>>> [backoff.failed() for _ in range(8)]
[0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
>>> backoff.succeeded(); backoff.failed()
0.5
"""

from __future__ import annotations

import random

__all__ = ["Backoff"]


class Backoff:
    """Capped exponential backoff with jitter.

    Parameters
    ----------
    base_s
        Wait after the first failure [s], > 0.
    cap_s
        Longest wait [s], >= ``base_s``.
    jitter
        Relative spread of each wait, 0 <= jitter < 1 [-]: the wait is multiplied by a
        uniform factor in [1 - jitter, 1 + jitter].
    rng
        Random source (seeded in tests).
    """

    def __init__(
        self,
        *,
        base_s: float = 0.5,
        cap_s: float = 30.0,
        jitter: float = 0.2,
        rng: random.Random | None = None,
    ) -> None:
        if not 0 < base_s <= cap_s:
            raise ValueError(f"need 0 < base_s <= cap_s, got {base_s} and {cap_s}")
        if not 0 <= jitter < 1:
            raise ValueError(f"jitter must lie in [0, 1), got {jitter}")
        self.base_s = base_s
        self.cap_s = cap_s
        self.jitter = jitter
        self.failures = 0
        self._rng = rng or random.Random()

    def failed(self) -> float:
        """Record a failure; the wait before the next try [s]."""
        self.failures += 1
        wait = min(self.cap_s, self.base_s * 2.0 ** min(self.failures - 1, 62))
        if self.jitter:
            wait *= self._rng.uniform(1 - self.jitter, 1 + self.jitter)
        return wait

    def succeeded(self) -> None:
        """Record a good reply: the next failure waits ``base_s`` again."""
        self.failures = 0
