"""95% intervals for the figures HERA reports: Wilson for shares, a seeded percentile
bootstrap for means. One definition for the benchmark, the emergency check's evaluation
and the library's retrieval metrics. Torch-free.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

BOOTSTRAP_SAMPLES = 2000


def wilson(successes: int, total: int, z: float = 1.959964) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion (0, 0 for an empty count)."""
    if total == 0:
        return 0.0, 0.0
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def bootstrap_mean_ci(
    values: Sequence[float], samples: int = BOOTSTRAP_SAMPLES, seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values``, reproducible by seed."""
    n = len(values)
    if n == 0:
        return (0.0, 0.0)
    rng = random.Random(seed)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(samples))
    tail = (1 - level) / 2
    return means[int(tail * samples)], means[min(samples - 1, int((1 - tail) * samples))]
