"""Review of R21's video and colmap changes: the histogram blur kept a grey clip with coloured
specks colourless; TV snow does not set the contrast that makes a frame dim; the RIFF walk and the
repeated-timestamp spread on malformed input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry.colmap import DIM_CONTRAST, dim_frames
from camerabench.baselines.geometry.fast import blank_frame
from camerabench.baselines.geometry.shots import COLOURLESS_SHARE, detect_cuts, grey_texture
from camerabench.video import _spread_repeats, _webp_animation_frames


def _grey_scene(seed: int, sigma: float, h: int = 240, w: int = 400) -> NDArray[np.uint8]:
    import cv2

    noise = np.random.default_rng(seed).integers(0, 256, (h, w)).astype(np.uint8)
    return np.asarray(cv2.normalize(cv2.GaussianBlur(noise, (0, 0), sigma), None, 0, 255, cv2.NORM_MINMAX), np.uint8)


def test_a_grey_cut_with_coloured_specks_is_still_found() -> None:
    # black-and-white footage with 3% coloured specks (dust, dropouts): colourless unblurred; the
    # blur spread the specks' colour over most of the frame and the grey cut at frame 6 was missed
    rng = np.random.default_rng(1)
    frames = []
    for k in range(12):
        grey = (_grey_scene(0, 4.0) if k < 6 else _grey_scene(7, 1.2))[:, 4 * k : 4 * k + 320]
        frame = np.repeat(grey[..., None], 3, axis=2)
        frame[rng.random(grey.shape) < 0.03] = (200, 40, 40)
        frames.append(frame)
    clip = np.stack(frames)
    specks = np.all(clip == (200, 40, 40), axis=-1).mean()
    assert specks < 1 - COLOURLESS_SHARE  # colourless by the definition, before any blur
    # the cut is one by grey texture (the independent cue for colourless frames)
    assert (
        np.abs(grey_texture(clip[5]) - grey_texture(clip[6])).sum()
        > 10 * np.abs(grey_texture(clip[4]) - grey_texture(clip[5])).sum()
    )
    assert detect_cuts(clip) == [6]


def test_tv_snow_does_not_make_a_foggy_scene_dim() -> None:
    rng = np.random.default_rng(0)
    fog = (_grey_scene(3, 2.0, 270, 700).astype(np.float32) * 0.25 + 100).astype(np.uint8)
    grays = [np.ascontiguousarray(fog[:, 6 * k : 6 * k + 480]) for k in range(30)]
    for k in range(12, 16):  # 4 frames of snow: blank, but far more spread than the fog
        grays[k] = rng.integers(0, 256, (270, 480)).astype(np.uint8)
    assert [blank_frame(g) for g in grays] == [12 <= k < 16 for k in range(30)]
    assert grays[12].std() * DIM_CONTRAST > grays[0].std()  # the snow would have made the fog dim
    assert not dim_frames(grays).any()
    # a dip to black in the same scene is still dim
    grays[20] = (grays[20].astype(np.float32) * 0.1).astype(np.uint8)
    assert dim_frames(grays).tolist() == [k == 20 for k in range(30)]


def _riff(path: Path, body: bytes) -> Path:
    path.write_bytes(b"RIFF" + (len(body) + 4).to_bytes(4, "little") + b"WEBP" + body)
    return path


def _chunk(fourcc: bytes, size: int, data: bytes = b"") -> bytes:
    return fourcc + size.to_bytes(4, "little") + data


def test_the_riff_walk_ends_on_malformed_chunks(tmp_path: Path) -> None:
    # a size past the end of the file, zero-length chunks, an odd size (padded), a truncated chunk
    assert _webp_animation_frames(_riff(tmp_path / "huge.webp", _chunk(b"VP8X", 0xFFFFFFFF, b"x" * 10))) is None
    zero = _chunk(b"ANMF", 0) * 500 + _chunk(b"ANIM", 0)
    assert _webp_animation_frames(_riff(tmp_path / "zero.webp", zero)) == 500
    odd = _chunk(b"VP8X", 3, b"abc\0") + _chunk(b"ANIM", 6, b"\0" * 6) + _chunk(b"ANMF", 1, b"z\0")
    assert _webp_animation_frames(_riff(tmp_path / "odd.webp", odd)) == 1
    cut = _chunk(b"ANIM", 6, b"\0" * 6) + _chunk(b"ANMF", 100, b"z" * 10)
    assert _webp_animation_frames(_riff(tmp_path / "cut.webp", cut)) == 1
    (tmp_path / "short.webp").write_bytes(b"RIFF\0\0")
    assert _webp_animation_frames(tmp_path / "short.webp") is None


@pytest.mark.parametrize(
    "times",
    [
        [0.0, 1.0, 2.0, 2.0],  # a repeat at the very end
        [0.0, 0.0, 1.0],  # all but one frame share a time
        [0.0, 1.0, 1.0, 1.0, 5.0],
        [2.0, 1.0, 1.0, 0.0],  # unsorted
        [0.0, 0.5, 0.5, 30.0, 30.04],  # a repeat before a pause
    ],
)
def test_spread_repeats_are_distinct_in_place_and_keep_the_others(times: list[float]) -> None:
    ts = np.array(times)
    out, placed = _spread_repeats(ts)
    assert len(np.unique(out)) == len(out)
    unique, counts = np.unique(ts, return_counts=True)
    assert placed == [float(t) for t in unique[counts > 1]]
    first = np.array([times.index(t) == i for i, t in enumerate(times)])
    assert out[first] == pytest.approx(ts[first])  # the first frame of each time keeps it
    # a repeat lies after its time and before the next larger one, in decoding order
    for t in placed:
        spread = out[ts == t]
        assert np.all(np.diff(spread) > 0) and spread[0] == t
        later = unique[unique > t]
        if len(later):
            assert spread[-1] < later[0]
