"""Parts joined end to end whose timestamps start again: a shot boundary (red team R83).

Two copies of one pan right joined end to end (``cat a.ts b.ts``, an HLS recording) came out of
``fast`` with Pan_Left as high as Pan_Right (0.57/0.57), status ok, no cut: the picture jumps back
to the pan's start at the joint, which the chain read as a pan left, and the colour cue sees one
scene. Where both parts carry the same timestamps, ``read_video`` took them for a broken muxer's
repeats (``timestamps_repeated``) and timed the frames by the frame rate, the joint hidden. Now
the restart is found on the times as decoded, each part keeps its own timing, the clip notes where
the later part starts (``timestamps_reset_s``), and ``fast`` takes the first sampled frame there
for a cut: the longest shot (one pan right) is estimated.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from numpy.typing import NDArray

from camerabench.baselines.geometry import fast
from camerabench.dataset import Question
from camerabench.taxonomy import Primitive
from camerabench.video import read_video

N = 15  # frames a part: 1.5 s at 10 fps
STEP_PX = 6  # the window slides right this much a frame: a pan right


def _world() -> NDArray[np.uint8]:
    """A textured image (noise at several scales, smoothed), 160 x 400 px."""
    rng = np.random.default_rng(0)
    img = np.zeros((160, 400, 3), np.float64)
    for cell in (2, 5, 13, 31):
        coarse = rng.random((160 // cell + 2, 400 // cell + 2, 3))
        img += np.kron(coarse, np.ones((cell, cell, 1)))[:160, :400] / 4
    # a 3x3 box blur, so the texture is not blocky at the finest cell edges only
    padded = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="edge")
    img = sum(padded[i : i + 160, j : j + 400] for i in range(3) for j in range(3)) / 9
    return np.asarray(np.clip(img * 255, 0, 255), dtype=np.uint8)


PAN = np.stack([_world()[16:144, STEP_PX * i : STEP_PX * i + 192] for i in range(N)])  # 192x128 frames


def _part(path: Path, pts: list[int], tb: Fraction) -> bytes:
    with av.open(str(path), "w", format="mpegts") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = PAN.shape[2], PAN.shape[1], "yuv420p"
        s.options = {"x264-params": "bframes=0", "crf": "18"}
        s.codec_context.time_base = tb
        for img, t in zip(PAN, pts, strict=True):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            frame.pts, frame.time_base = t, tb
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    return path.read_bytes()


@pytest.fixture(scope="module", params=["same_times", "half_frame_later"])
def joined(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two copies of the pan joined end to end (``cat a.ts b.ts``): the second part's clock restarts
    at the first's times, or half a frame after them."""
    tmp = tmp_path_factory.mktemp(request.param)
    tb = Fraction(1, 20)
    second = 0 if request.param == "same_times" else 1
    path = tmp / "joined.ts"
    path.write_bytes(
        _part(tmp / "a.ts", [2 * i for i in range(N)], tb) + _part(tmp / "b.ts", [second + 2 * i for i in range(N)], tb)
    )
    return path


def _decoded_times(path: Path) -> list[float]:
    """Independent reference: the frame times as FFmpeg's decoder gives them, in its order."""
    with av.open(str(path)) as c:
        return [float(f.time) for f in c.decode(video=0)]


def _nearest(frame: NDArray[np.uint8]) -> int:
    """The pan frame ``frame`` shows (least mean absolute difference)."""
    diff = np.abs(PAN.astype(np.int16) - frame[None].astype(np.int16)).mean(axis=(1, 2, 3))
    return int(diff.argmin())


def test_read_video_notes_where_the_second_part_starts(joined: Path) -> None:
    times = _decoded_times(joined)
    back = [i for i in range(1, len(times)) if times[i] < times[i - 1]]
    assert len(back) == 1  # the clock restarts once
    clip = read_video(joined)
    assert "timestamps_repeated" not in clip.notes  # each part keeps its own timing (was: timed by the frame rate)
    assert clip.notes["timestamps_reset"] == 1
    shows = [_nearest(f) for f in clip.frames]
    # the parts one after the other, each in its order: the picture jumps back once, to the pan's start
    joint = next(i for i in range(1, len(shows)) if shows[i] < shows[i - 1])
    assert shows[:joint] == sorted(shows[:joint]) and shows[joint:] == sorted(shows[joint:])
    assert shows[joint] == 0 and shows[joint - 1] >= N - 3 and len(clip) >= 2 * N - 2
    (reset,) = clip.notes["timestamps_reset_s"]
    assert reset == clip.timestamps[joint]  # in the clip's own timeline (from the first frame shown)
    # each part timed by its own clock, not by the frame rate in decoding order: the first part's
    # frames at the container's times of the first part (the demuxer flags one packet at the join
    # damaged: it is skipped); the second part, intact, one frame interval after the first's last
    own = np.array(times[: back[0]]) - times[0]
    assert np.isin(np.round(clip.timestamps[:joint], 6), np.round(own, 6)).all() and joint >= N - 1
    assert clip.timestamps[joint - 1] == pytest.approx(own[-1], abs=1e-6)
    assert shows[joint:] == list(range(N))
    assert clip.timestamps[joint:] == pytest.approx(reset + 0.1 * np.arange(N), abs=1e-6)
    assert reset == pytest.approx(own[-1] + 0.1, abs=1e-6)
    for sampling in ({"fps": 5.0}, {"num_frames": 8}, {"fps": 5.0, "max_frames": 40}):
        sampled = read_video(joined, **sampling)
        assert sampled.notes["timestamps_reset_s"] == [reset], sampling
        after = int(np.searchsorted(sampled.timestamps, reset))
        assert 0 < after < len(sampled)
        # the first sampled frame at or after the restart is the second part's; the one before, the first's
        assert sampled.indices[after] >= joint > sampled.indices[after - 1], sampling


PANS = [Question(p.question, p) for p in (Primitive.PAN_LEFT, Primitive.PAN_RIGHT)]


def test_fast_cuts_at_the_joint_and_reads_the_pan_right(joined: Path) -> None:
    # before: no cut, Pan_Left as high as Pan_Right (R83: 0.54-0.57 each)
    reset = read_video(joined).notes["timestamps_reset_s"][0]
    result = fast.FastPredictor().predict(joined, PANS)
    cut = result.info["cuts_from_timestamp_resets"]
    assert len(cut) == 1 and reset <= cut[0] < reset + 0.2 + 1e-3  # the first 5 fps frame at or after it
    assert result.info["cuts_s"] == cut
    first, last = result.info["shot_s"]
    assert last < cut[0] or first >= cut[0]  # one part only
    left, right = (result.scores[q.text] for q in PANS)
    assert right > 0.3 and right - left > 0.3, (left, right)
