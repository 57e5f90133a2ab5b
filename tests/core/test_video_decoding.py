"""How read_video decodes: threaded, and colour conversion only for the frames it keeps."""

import numpy as np
import pytest

from camerabench import video
from camerabench.video import read_video, write_video


def _frames(n=30, h=48, w=64):
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (h, w + 2 * n, 3), dtype=np.uint8)
    return np.stack([base[:, 2 * i : 2 * i + w] for i in range(n)])


@pytest.fixture
def clip_path(tmp_path):
    path = tmp_path / "clip.mp4"
    write_video(path, _frames(), fps=30)
    return path


@pytest.fixture
def conversions(monkeypatch):
    """Counts the decoded frames turned into RGB arrays."""
    calls = []
    original = video._Converter.__call__

    def counting(self, frame):
        calls.append(frame.pts)
        return original(self, frame)

    monkeypatch.setattr(video._Converter, "__call__", counting)
    return calls


@pytest.mark.parametrize(
    ("sampling", "expected"),
    [({"fps": 10.0}, [0, 3, 6, 9, 12, 15, 18, 21, 24, 27]), ({"num_frames": 4}, [0, 10, 19, 29])],
    ids=["one-pass", "two-pass"],
)
def test_only_kept_frames_are_converted(clip_path, conversions, sampling, expected):
    clip = read_video(clip_path, max_side=32, **sampling)
    assert clip.indices.tolist() == expected
    assert len(conversions) == len(clip)  # the other 20+ decoded frames never reach RGB
    everything = read_video(clip_path, max_side=32)
    np.testing.assert_array_equal(clip.frames, everything.frames[clip.indices])


def test_decoding_uses_the_decoders_threads(clip_path, monkeypatch):
    seen = []
    original = video._Decoder.frames

    def recording(self, in_full=None):
        seen.append(self.stream.thread_type.name)
        yield from original(self, in_full)

    monkeypatch.setattr(video._Decoder, "frames", recording)
    read_video(clip_path, fps=5.0)  # one pass, skipping unneeded frames
    read_video(clip_path)  # one pass, every frame
    read_video(clip_path, num_frames=4)  # two passes
    assert seen == ["AUTO"] * 4


def test_the_declared_frame_count_is_read_while_the_file_is_open(clip_path, caplog):
    # PyAV's stream reads freed memory once its container is closed: read afterwards, the frame
    # count of a clean file came out as garbage (4604300115038500291 of 151 frames on a
    # real-set clip) and the file was reported as truncated.
    with video._open(clip_path) as container:
        decoder = video._Decoder(container, clip_path)
        assert sum(1 for _ in decoder) == 30
    assert (decoder.declared, decoder.decoded) == (30, 30)
    assert decoder.notes() == {}
    for _ in range(10):  # every way of reading: one pass, two passes, probing
        assert read_video(clip_path, fps=10.0).notes == {}
        assert read_video(clip_path, num_frames=4).notes == {}
        assert video.probe_video(clip_path).num_frames == 30
    assert "declares" not in caplog.text


def _with_picture(path, frames, fmt, disposition):
    """A file whose first video stream is one JPEG picture and whose second is the film."""
    import av

    with av.open(str(path), "w", format=fmt) as container:
        cover = container.add_stream("mjpeg", rate=1)
        cover.width, cover.height, cover.pix_fmt = 32, 24, "yuvj420p"
        if disposition:
            cover.disposition = av.stream.Disposition.attached_pic
        film = None
        if frames is not None:
            film = container.add_stream("libx264", rate=30)
            film.height, film.width = frames.shape[1:3]
            film.pix_fmt = "yuv420p"
        else:  # a song with its cover: no moving picture at all
            audio = container.add_stream("aac", rate=44100)
        picture = av.VideoFrame.from_ndarray(np.full((24, 32, 3), 200, np.uint8), format="rgb24")
        container.mux(cover.encode(picture))
        container.mux(cover.encode(None))
        if film is not None:
            for img in frames:
                container.mux(film.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")))
            container.mux(film.encode(None))
        else:
            sound = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            sound.sample_rate, sound.pts = 44100, 0
            container.mux(audio.encode(sound))
            container.mux(audio.encode(None))
    return path


def test_the_film_is_read_not_a_picture_stored_ahead_of_it(tmp_path):
    frames = np.repeat(np.repeat(_frames(h=12, w=16), 4, axis=1), 4, axis=2)  # 4x4 blocks: survives x264
    path = _with_picture(tmp_path / "cover_first.mkv", frames, "matroska", disposition=False)
    import av

    with av.open(str(path)) as container:  # the picture is the first video stream of the file
        assert [s.codec_context.name for s in container.streams.video] == ["mjpeg", "h264"]
    info = video.probe_video(path)
    assert (info.num_frames, info.width, info.height) == (30, 64, 48)
    for sampling in ({"fps": 10.0}, {"num_frames": 4}):
        clip = read_video(path, **sampling)
        assert clip.frames.shape[1:3] == (48, 64)
        assert clip.indices.tolist() == ([0, 3, 6, 9, 12, 15, 18, 21, 24, 27] if "fps" in sampling else [0, 10, 19, 29])
        # the film's pictures, not the uniform grey cover
        assert np.corrcoef(clip.frames.ravel(), frames[clip.indices].ravel())[0, 1] > 0.9


def test_a_file_with_only_a_cover_picture_is_an_error(tmp_path):
    path = _with_picture(tmp_path / "song.m4a", None, "mp4", disposition=True)
    with pytest.raises(video.VideoError, match=r"song\.m4a: no video stream, only an attached \(cover\) picture"):
        read_video(path)


@pytest.mark.parametrize("fps", [5.0, 10.0, 12.5, 29.0])
def test_frames_nothing_needs_are_not_decoded_and_the_kept_ones_are_identical(tmp_path, monkeypatch, fps):
    """x264's B-frames that no other frame refers to are skipped unless kept; the clip equals
    what decoding every frame gives (frames, times, positions, notes)."""
    path = tmp_path / "long.mp4"
    write_video(path, _frames(n=90), fps=30)
    decoded = []
    original = video._Decoder.frames

    def counting(self, in_full=None):
        for frame in original(self, in_full):
            decoded.append(frame.pts)
            yield frame

    monkeypatch.setattr(video._Decoder, "frames", counting)
    clip = read_video(path, fps=fps, max_side=48)
    skipping = len(decoded)
    monkeypatch.setattr(video, "_read_skipping", lambda *args: None)
    decoded.clear()
    full = read_video(path, fps=fps, max_side=48)
    assert len(decoded) == 90
    # measured: 46, 61, 60 and 87 frames decoded for 15, 30, 38 and 87 kept
    assert skipping < 70 if fps <= 12.5 else len(clip) <= skipping < 90
    np.testing.assert_array_equal(clip.frames, full.frames)
    np.testing.assert_array_equal(clip.timestamps, full.timestamps)
    np.testing.assert_array_equal(clip.indices, full.indices)
    assert (clip.native_fps, clip.notes) == (full.native_fps, full.notes)


def test_check_video_finds_what_read_video_would_refuse(clip_path, tmp_path):
    assert video.check_video(clip_path) == 30
    whole = clip_path.read_bytes()
    cases = {
        "empty.mp4": b"",
        "text.mp4": b"not a video at all\n" * 100,
        "cut.mp4": whole[: len(whole) // 2],  # the index (moov) at the end is gone
    }
    for name, data in cases.items():
        bad = tmp_path / name
        bad.write_bytes(data)
        with pytest.raises(video.VideoError, match=name) as checked:
            video.check_video(bad)
        with pytest.raises(video.VideoError):
            read_video(bad, fps=5.0)
        assert str(bad) in str(checked.value)
