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
    original = video._Decoder.__iter__

    def recording(self):
        seen.append(self.stream.thread_type.name)
        yield from original(self)

    monkeypatch.setattr(video._Decoder, "__iter__", recording)
    read_video(clip_path, fps=5.0)
    assert seen == ["AUTO"]


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
