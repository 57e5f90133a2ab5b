"""A translating pair's free zoom is not taken where its refinement ends on the zoom's bound.

On the real dolly to a cube on its poster flipped upside down (``visp_cube_move_in``, a
metamorphic test), one pair of consecutive frames got x1.3499 (``fast.MAX_LOG_ZOOM``'s bound)
and the clip read Move_Out 0.31 and Zoom_In 0.30 beside Move_In 0.19 (unflipped Move_In 0.24, no
zoom). Here a sideways move whose free-zoom refinement is made to end on the bound with a lower
cost (as the degenerate fit did) keeps the fixed-zoom pose.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from camerabench.baselines.geometry import fast

K = np.array([[250.0, 0, 160], [0, 250.0, 96], [0, 0, 1]])


def _sideways_pair() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    pts = np.c_[rng.uniform(-3, 3, (400, 2)), rng.uniform(4, 10, 400)]

    def project(p: np.ndarray) -> np.ndarray:
        uv = p @ K.T
        return uv[:, :2] / uv[:, 2:]

    noise = np.random.default_rng(1)
    a = project(pts) + noise.normal(0, 0.2, (len(pts), 2))
    b = project(pts - np.array([0.4, 0.0, 0.0])) + noise.normal(0, 0.2, (len(pts), 2))
    return a, b


@pytest.mark.parametrize("log_zoom", [fast.MAX_LOG_ZOOM, -fast.MAX_LOG_ZOOM])
def test_a_zoom_on_its_bound_is_not_taken(monkeypatch: pytest.MonkeyPatch, log_zoom: float) -> None:
    real = fast.refine_pose_zoom

    def refine(*args: Any, free_zoom: bool = False, **kwargs: Any) -> Any:
        rot, t, zoom, cost = real(*args, free_zoom=free_zoom, **kwargs)
        if free_zoom:  # as the degenerate fit: on the bound, at a much lower cost
            return rot, t, float(np.exp(log_zoom)), 0.5 * cost
        return rot, t, zoom, cost

    monkeypatch.setattr(fast, "refine_pose_zoom", refine)
    a, b = _sideways_pair()
    pair = fast.estimate_pair(a, b, K)
    assert not pair.rotation_only
    assert pair.zoom == 1.0  # old: 1.3499 (or 0.7408)


def test_a_zoom_inside_its_bound_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule leaves the zoom gain test alone inside the bound."""
    real = fast.refine_pose_zoom

    def refine(*args: Any, free_zoom: bool = False, **kwargs: Any) -> Any:
        rot, t, zoom, cost = real(*args, free_zoom=free_zoom, **kwargs)
        return (rot, t, 1.1, 0.5 * cost) if free_zoom else (rot, t, zoom, cost)

    monkeypatch.setattr(fast, "refine_pose_zoom", refine)
    a, b = _sideways_pair()
    assert fast.estimate_pair(a, b, K).zoom == pytest.approx(1.1)
