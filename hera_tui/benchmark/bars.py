"""A block-character bar chart of accuracies, with the interval and the majority baseline.

Plain text, so it renders in any terminal and in snapshot tests::

    gemma-3-270m.gguf raw   ████████████▌·············|·······  41.2%  [36.8-45.6]
    hera-q4_k_m.gguf gemma  ████████████████████████▊·|·······  73.0%  [69.0-76.8]

``|`` marks the majority baseline (always answering the most common label).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

_PARTIAL = " ▏▎▍▌▋▊▉"


@dataclass(frozen=True)
class Bar:
    label: str
    accuracy: float
    ci: tuple[float, float]
    baseline: float


def bar_text(value: float, width: int, baseline: float | None = None) -> str:
    """``value`` in [0, 1] as ``width`` cells of blocks (eighths), with a baseline mark."""
    value = min(1.0, max(0.0, value))
    eighths = round(value * width * 8)
    full, part = divmod(eighths, 8)
    cells = ["█"] * full + ([_PARTIAL[part]] if part else [])
    cells += ["·"] * (width - len(cells))
    if baseline is not None:
        mark = min(width - 1, int(baseline * width))
        if cells[mark] == "·":
            cells[mark] = "|"
    return "".join(cells[:width])


def render_bars(bars: Sequence[Bar], width: int = 40) -> str:
    """One line per bar, labels padded to the longest."""
    if not bars:
        return "no runs yet"
    pad = max(len(b.label) for b in bars)
    return "\n".join(
        f"{b.label:<{pad}}  {bar_text(b.accuracy, width, b.baseline)}  {b.accuracy:6.1%}  "
        f"[{b.ci[0]:.1%}-{b.ci[1]:.1%}]"
        for b in bars
    )
