"""Every preset clip's binary labels agree with its own exact camera path.

The motion is measured independently of the labels, in the package's conventions
(``camerabench.synth.specs``: ``R_rel = R_0.T @ R_i`` decomposed as ``R_y(pan) R_x(tilt) R_z(roll)``,
``t_rel = R_0.T @ (C_i - C_0)``, Move_Up = -t_y, Zoom_In = focal grows), as the travel along each
primitive's direction over the clip (a there-and-back move travels both ways). A Yes label needs
travel above the largest move too small to name (``MINOR_MAGNITUDES``), a No label travel at most
that, and Static Yes no motion at all. Shake is left out: a shaking camera that makes no
intentional move is labelled No for every direction by rule (the taxonomy's rule 2).
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from camerabench.synth.presets import preset_specs
from camerabench.synth.specs import MINOR_MAGNITUDES, ClipSpec, camera_path, raw_annotation
from camerabench.taxonomy import Primitive, derive_labels

_THRESHOLD = {**MINOR_MAGNITUDES, "zoom": float(np.log(MINOR_MAGNITUDES["zoom"]))}
_FRAMES = 61


def _relative(spec: ClipSpec) -> dict[str, NDArray[np.float64]]:
    """Per-frame motion relative to the first frame, per axis (zoom: log focal ratio)."""
    path = camera_path(spec, _FRAMES, (_FRAMES - 1) / 2.5)
    c2w = path.cam_c2w
    r0 = c2w[0, :3, :3]
    rel = np.einsum("ji,njk->nik", r0, c2w[:, :3, :3])
    t = (c2w[:, :3, 3] - c2w[0, :3, 3]) @ r0
    pan, tilt, roll = Rotation.from_matrix(rel).as_euler("YXZ", degrees=True).T
    zoom = np.log(path.focal_scale / path.focal_scale[0])
    return {"tx": t[:, 0], "ty": t[:, 1], "tz": t[:, 2], "yaw": pan, "pitch": tilt, "roll": roll, "zoom": zoom}


def _travel(series: NDArray[np.float64], sign: int) -> float:
    return float(np.clip(np.diff(sign * series), 0.0, None).sum())


def _disagreements(preset: str, clips: int) -> list[str]:
    out: list[str] = []
    for spec in preset_specs(preset, clips, 0, (64, 48)):
        labels = derive_labels(raw_annotation(spec))
        motion = _relative(spec)
        for prim, label in labels.items():
            if label is None:
                continue
            if prim is Primitive.STATIC:
                moved = {a: _travel(v, 1) + _travel(v, -1) for a, v in motion.items()}
                if label and any(m > 1e-9 for m in moved.values()):
                    out.append(f"{spec.name}: Static Yes but it moves {moved}")
                continue
            travel = _travel(motion[prim.axis], prim.sign)
            if label != (travel > _THRESHOLD[prim.axis]):
                out.append(f"{spec.name}: {prim.value} {'Yes' if label else 'No'}, travel {travel:.4f} {prim.axis}")
    return out


@pytest.mark.parametrize(("preset", "clips"), [("standard", 57), ("hard", 87)])
def test_preset_labels_match_ground_truth_motion(preset: str, clips: int) -> None:
    assert _disagreements(preset, clips) == []


def test_check_catches_a_wrong_direction(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check is not vacuous: a pan labelled the wrong way round is reported."""
    real = raw_annotation

    def flipped(spec: ClipSpec) -> object:
        ann = real(spec)
        if Primitive.PAN_LEFT in ann.directions and spec.profile == "ease":
            directions = dict(ann.directions)
            directions[Primitive.PAN_RIGHT] = directions.pop(Primitive.PAN_LEFT)
            return dataclasses.replace(ann, directions=directions)
        return ann

    monkeypatch.setattr(sys.modules[__name__], "raw_annotation", flipped)
    found = _disagreements("standard", 57)
    assert any("Pan_Right Yes" in f for f in found) and any("Pan_Left No" in f for f in found)
