"""Progress rate of a target (« taux d'avancement »): one pure function, no I/O.

The dashboard's /objectifs and a later API publish the same number. With a baseline it is
the rate of the Baromètre des résultats de l'action publique (DITP):
(current − initial) ÷ (target − initial) × 100, so 0 at the baseline and 100 at the target,
whichever the direction. Without a baseline it is current ÷ target × 100 for a
higher-is-better target and is not computed for a lower-is-better one (a share of the
target means nothing when less is better).
"""

from __future__ import annotations

from core.catalog import Direction


def progress_rate(
    *, current: float, target: float, baseline: float | None, direction: Direction
) -> float | None:
    """The progress rate in percent, or None where it is not defined.

    Not clamped: a value below its baseline gives a negative rate, beyond the target more
    than 100. When the baseline already equals the target (DITP sets 100 % for départements
    already at 100 %), the rate is 100 if the current value meets the target, else None.
    """
    if baseline is not None:
        gap = target - baseline
        if gap == 0:
            met = current >= target if direction == "higher_is_better" else current <= target
            return 100.0 if met else None
        return 100.0 * (current - baseline) / gap
    if direction == "lower_is_better" or target == 0:
        return None
    return 100.0 * current / target
