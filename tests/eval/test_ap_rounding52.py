"""scikit-learn's AP of a perfect ranking can sum to 1.0000000000000002 (9 positives of 13, as
seed 1's standard + hard Move_Right): ``camerabench report`` then failed at its AP bar plot, which
refused any AP above 1 (it refuses APs given in percent). Rounding is drawn; percent still refused."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from camerabench.eval.ap import average_precision
from camerabench.eval.plots import plot_ap_bars


def test_a_perfect_ranking_whose_ap_rounds_above_one_is_drawn() -> None:
    y = np.array([1] * 9 + [0] * 4, bool)
    s = y + 1e-3 * np.arange(13)
    assert average_precision_score(y, s) > 1.0  # the premise: scikit-learn's rounding
    ap = average_precision(y, s)
    fig, ax = plt.subplots()
    try:
        plot_ap_bars(ax, {"m": {"Pan_Left": ap}}, ["Pan_Left"])
        heights = [p.get_height() for p in ax.patches]
        assert heights and max(heights) == pytest.approx(100.0)
        with pytest.raises(ValueError, match=r"the AP of 'Pan_Left' must lie in 0..1, got 100"):
            plot_ap_bars(ax, {"m": {"Pan_Left": 100 * ap}}, ["Pan_Left"])
    finally:
        plt.close(fig)
