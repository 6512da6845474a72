"""Progress rate of a target (« taux d'avancement »): one pure function, no I/O.

The dashboard's /objectifs and a later API publish the same number. With a baseline it is
the rate of the Baromètre des résultats de l'action publique (DITP):
(current − initial) ÷ (target − initial) × 100, so 0 at the baseline and 100 at the target,
whichever the direction, and exactly 100 once the current value meets the target (the
Baromètre publishes 100 for every zone past its target, even where the formula would give
more, or a negative rate for a target set below its baseline). Without a baseline it is
current ÷ target × 100 for a higher-is-better target and is not computed for a
lower-is-better one (a share of the target means nothing when less is better).
"""

from __future__ import annotations

from core.catalog import Direction


def progress_rate(
    *, current: float, target: float, baseline: float | None, direction: Direction
) -> float | None:
    """The progress rate in percent, or None where it is not defined.

    With a baseline, a target met gives 100 (as DITP publishes it) and otherwise the rate
    is not clamped: a value below its baseline gives a negative rate. When the baseline
    already equals the target (DITP sets 100 % for départements already at 100 %) and the
    value has fallen under it, there is no rate (None).
    """
    if baseline is not None:
        met = current >= target if direction == "higher_is_better" else current <= target
        if met:
            return 100.0
        gap = target - baseline
        if gap == 0:
            return None
        return 100.0 * (current - baseline) / gap
    if direction == "lower_is_better" or target == 0:
        return None
    return 100.0 * current / target
