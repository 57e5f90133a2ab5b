import numpy as np
import pytest

from camerabench.errors import VideoError
from camerabench.video import probe_video, read_video, sample_indices, write_video


def _frames(n=20, h=48, w=64):
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([128 + 100 * np.sin(xx / 5.0), 128 + 100 * np.cos(yy / 7.0), (xx + yy) % 256], axis=-1)
    base = base.astype(np.uint8)
    frames = np.stack([np.roll(base, 2 * i, axis=1) for i in range(n)])
    frames[:, :8, :8] = (np.arange(n) * 12)[:, None, None, None]  # frame counter patch
    return frames


def test_round_trip_timestamps_and_content(tmp_path):
    frames = _frames()
    path = tmp_path / "clip.mp4"
    write_video(path, frames, fps=10)
    clip = read_video(path)
    assert clip.frames.shape == frames.shape and clip.frames.dtype == np.uint8
    np.testing.assert_allclose(clip.timestamps, np.arange(20) / 10, atol=1e-6)
    assert clip.native_fps == pytest.approx(10)
    # lossy but close (crf 18), and frames stay in order
    assert np.abs(clip.frames.astype(int) - frames.astype(int)).mean() < 6
    np.testing.assert_allclose(clip.frames[:, 2:6, 2:6].mean(axis=(1, 2, 3)), np.arange(20) * 12, atol=4)
    info = probe_video(path)
    assert (info.num_frames, info.width, info.height) == (20, 64, 48)
    assert info.duration_s == pytest.approx(2.0)


def test_sampling_and_resize(tmp_path):
    path = tmp_path / "clip.mp4"
    write_video(path, _frames(30, 60, 80), fps=30)
    by_fps = read_video(path, fps=10)
    assert by_fps.indices.tolist() == [0, 3, 6, 9, 12, 15, 18, 21, 24, 27]
    assert by_fps.sampled_fps == pytest.approx(10)
    by_count = read_video(path, num_frames=4, max_side=40)
    assert by_count.indices.tolist() == [0, 10, 19, 29]
    assert by_count.frames.shape == (4, 30, 40, 3)
    assert len(read_video(path, fps=1000)) == 30
    with pytest.raises(ValueError, match="not both"):
        sample_indices(np.arange(5.0), fps=1, num_frames=2)


def test_odd_sizes_are_cropped_to_even(tmp_path):
    path = tmp_path / "odd.mp4"
    write_video(path, _frames(3, 47, 63), fps=5)
    assert read_video(path).frames.shape == (3, 46, 62, 3)


def test_bad_files_raise_naming_the_file(tmp_path):
    with pytest.raises(VideoError, match=r"missing\.mp4: video file not found"):
        read_video(tmp_path / "missing.mp4")
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(np.random.default_rng(1).bytes(5000))
    with pytest.raises(VideoError, match=r"corrupt\.mp4"):
        read_video(corrupt)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(VideoError, match=r"empty\.mp4"):
        read_video(empty)
    import av

    zero = tmp_path / "zero.mp4"
    with open(zero, "wb") as fh, av.open(fh, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        container.start_encoding()  # header only, no frames
    assert zero.stat().st_size > 0
    with pytest.raises(VideoError, match=r"zero\.mp4: .*(no decodable frames|no video stream|cannot open)"):
        read_video(zero)
    with pytest.raises(ValueError, match="non-empty"):
        write_video(tmp_path / "x.mp4", np.zeros((0, 8, 8, 3), np.uint8), fps=5)


@pytest.mark.parametrize("seed", range(6))
def test_streaming_choice_matches_sample_indices(seed):
    """The frame-by-frame choice of read_video equals sample_indices on the whole timeline."""
    from camerabench.video import _TickPicker

    rng = np.random.default_rng(seed)
    steps = rng.choice([0.0, 1 / 30, 1 / 24, 0.04, 0.1], size=int(rng.integers(1, 120)))
    times = np.cumsum(np.concatenate([[rng.uniform(0, 2)], steps]))  # with repeated timestamps
    for fps in (None, 0.7, 1.0, 5.0, 8.0, 29.97, 1000.0):
        picker = _TickPicker(fps)
        chosen = [pos for t in times for pos in picker.push(float(t))] + picker.finish()
        assert sorted(set(chosen)) == sample_indices(times, fps=fps).tolist(), fps
        assert chosen == sorted(chosen)  # settled in order: frames can be kept as they come


def test_one_pass_and_two_pass_decoding_agree(tmp_path, monkeypatch):
    from camerabench import video

    path = tmp_path / "clip.mp4"
    write_video(path, _frames(30, 60, 80), fps=30)
    monkeypatch.setattr(video, "_RESERVE_BYTES", 1)  # the frame buffer starts at one frame and grows
    for kw in ({"fps": 7.0, "max_side": 40}, {}, {"fps": 1000.0}):
        one = video._read_streaming(path, kw.get("fps"), kw.get("max_side"), None)
        two = video._read_two_pass(path, kw.get("fps"), None, kw.get("max_side"), None)
        assert one is not None
        np.testing.assert_array_equal(one.frames, two.frames)
        np.testing.assert_array_equal(one.timestamps, two.timestamps)
        np.testing.assert_array_equal(one.indices, two.indices)


def test_invalid_sampling_is_rejected_before_decoding(tmp_path):
    for kw, msg in [
        ({"fps": 0.0}, "fps must be positive"),
        ({"fps": float("nan")}, "fps must be positive"),
        ({"num_frames": 0}, "num_frames must be positive"),
        ({"fps": 1.0, "num_frames": 2}, "not both"),
    ]:
        with pytest.raises(ValueError, match=msg):
            read_video(tmp_path / "never-opened.mp4", **kw)
