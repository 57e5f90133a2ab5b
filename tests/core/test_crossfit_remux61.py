"""F61b: content fingerprints of training clips survive a remux (red team R57).

A copy of the training dataset whose clips were remuxed (stream copy: ``ffmpeg -i a.mp4 -c copy
-movflags +faststart b.mp4``, or mp4 -> mkv) has other bytes: the byte fingerprint took its clips
for other clips, which got the full (fitted-on-them) maps. The remux here is PyAV's stream copy
(the libavformat muxers ``ffmpeg -c copy`` uses; there is no ffmpeg binary on the test machines).
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from camerabench.crossfit import content_prints, held_out_videos, same_print, scored_prints, training_prints
from camerabench.frameprint import packet_fingerprint
from camerabench.runfolder import video_fingerprint
from camerabench.video import read_video, write_video

NAMES = ["a.mp4", "b.mp4", "c.mp4"]


def _clip(path: Path, seed: int, n: int = 12) -> Path:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, (32, 48, 3), dtype=np.uint8)
    frames = np.stack([np.roll(base, 2 * i, axis=1) for i in range(n)])
    write_video(path, frames, fps=6)
    return path


def remux(
    src: Path, dst: Path, options: dict[str, str] | None = None, keep: int | None = None, fmt: str | None = None
) -> Path:
    """Stream copy of ``src``'s video into ``dst`` (container ``fmt``, else from the suffix); ``keep``:
    only the first packets (a cut copy)."""
    with av.open(str(src)) as i, av.open(str(dst), "w", format=fmt, options=options or {}) as o:
        stream = i.streams.video[0]
        out = o.add_stream_from_template(stream)
        packets = [p for p in i.demux(stream) if p.dts is not None]
        for p in packets[:keep]:
            p.stream = out
            o.mux(p)
    return dst


@pytest.fixture
def train(tmp_path: Path) -> Path:
    d = tmp_path / "train"
    d.mkdir()
    for k, name in enumerate(NAMES):
        _clip(d / name, seed=k)
    return d


@pytest.mark.parametrize(("fmt", "options"), [("mp4", {"movflags": "+faststart"}), ("matroska", {})])
def test_remuxed_copy_is_the_training_clip(train: Path, tmp_path: Path, fmt: str, options: dict[str, str]) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in NAMES:  # the names kept, the container changed (an .mp4 holding Matroska for "matroska")
        remux(train / name, copy / name, options, fmt=fmt)
        with av.open(str(copy / name)) as c:
            assert fmt in c.format.name.split(",")  # the demuxer that reads it back
    # independent reference: same decoded frames, other bytes (the old fingerprint differs)
    for name in NAMES:
        np.testing.assert_array_equal(read_video(train / name).frames, read_video(copy / name).frames)
        assert video_fingerprint(train / name) != video_fingerprint(copy / name)
    fitted = content_prints({n: train / n for n in NAMES})
    now = content_prints({n: copy / n for n in NAMES})
    assert all(v.startswith("packets:") for v in fitted.values())
    folds = {"a.mp4": 0, "b.mp4": 1, "c.mp4": 0}
    labels = {n: f"L{k}" for k, n in enumerate(NAMES)}
    relabelled = {n: "other" for n in NAMES}  # labels corrected since: the clips still are the fitted ones
    assert held_out_videos(folds, labels, False, relabelled, fitted, now) == set(NAMES)
    # the old byte fingerprints took them for other clips: none held out (the bug)
    old = {n: video_fingerprint(train / n) or "" for n in NAMES}
    old_now = {n: video_fingerprint(copy / n) or "" for n in NAMES}
    assert held_out_videos(folds, labels, False, relabelled, old, old_now) == set()
    # under other names: each copy is its training clip
    renamed = content_prints({f"x_{n}": copy / n for n in NAMES})
    assert training_prints(fitted, renamed) == {f"x_{n}": n for n in NAMES}


def test_reencoded_and_cut_clips_are_other_clips(train: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    for k, name in enumerate(NAMES):
        _clip(other / name, seed=100 + k)  # another seed under the same names
    cut = remux(train / "a.mp4", tmp_path / "cut.mkv", keep=6)
    assert read_video(cut).frames.shape[0] < read_video(train / "a.mp4").frames.shape[0]
    fitted = content_prints({n: train / n for n in NAMES})
    now = content_prints({n: other / n for n in NAMES})
    folds = {"a.mp4": 0, "b.mp4": 1, "c.mp4": 0}
    labels = {n: f"L{k}" for k, n in enumerate(NAMES)}
    assert held_out_videos(folds, labels, False, labels, fitted, now) == set()
    assert held_out_videos(folds, labels, True, labels, fitted, now) == set()  # regenerated in place
    assert training_prints(fitted, content_prints({"cut.mkv": cut}) | now) == {}
    assert same_print(content_prints({"c": cut})["c"], fitted["a.mp4"]) is False


def test_old_model_prints_match_as_before(train: Path, tmp_path: Path) -> None:
    """A model file saved before keeps bare byte fingerprints: matched by bytes, as ever."""
    old_fitted = {n: video_fingerprint(train / n) or "" for n in NAMES}
    now = content_prints({n: train / n for n in NAMES})
    folds = {"a.mp4": 0, "b.mp4": 1, "c.mp4": 0}
    labels = {n: f"L{k}" for k, n in enumerate(NAMES)}
    assert held_out_videos(folds, labels, False, {n: "new" for n in NAMES}, old_fitted, now) == set(NAMES)
    copy = tmp_path / "b_copy.mp4"
    copy.write_bytes((train / "b.mp4").read_bytes())
    assert training_prints(old_fitted, content_prints({"b_copy.mp4": copy})) == {"b_copy.mp4": "b.mp4"}
    other = _clip(tmp_path / "a.mp4", seed=50)  # another clip under a's name: b and c matched by labels
    held = held_out_videos(folds, labels, False, labels, old_fitted, content_prints({"a.mp4": other}))
    assert held == {"b.mp4", "c.mp4"}
    # the same as with the byte fingerprints the code compared before
    assert held == held_out_videos(folds, labels, False, labels, old_fitted, {"a.mp4": video_fingerprint(other) or ""})


def test_recorded_byte_print_of_a_remux_is_not_known(train: Path, tmp_path: Path) -> None:
    """run.json's video_sha256 (bytes only) of a remuxed copy may be the clip or another: matched by
    name and labels then, never taken for another clip."""
    fitted = content_prints({n: train / n for n in NAMES})
    copy = tmp_path / "copy"
    copy.mkdir()
    recorded = {n: video_fingerprint(remux(train / n, copy / n)) or "" for n in NAMES}
    assert all(same_print(recorded[n], fitted[n]) is None for n in NAMES)
    assert all(same_print(video_fingerprint(train / n) or "", fitted[n]) is True for n in NAMES)
    folds = {"a.mp4": 0, "b.mp4": 1, "c.mp4": 0}
    labels = {n: f"L{k}" for k, n in enumerate(NAMES)}
    assert held_out_videos(folds, labels, False, labels, fitted, recorded) == set(NAMES)
    assert held_out_videos(folds, labels, False, {n: "x" for n in NAMES}, fitted, recorded) == set()


def test_unreadable_empty_and_non_video_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    text = tmp_path / "text.mp4"
    text.write_bytes(b"not a video at all" * 100)
    assert packet_fingerprint(empty) is None
    assert packet_fingerprint(text) is None
    assert packet_fingerprint(tmp_path / "missing.mp4") is None
    prints = content_prints({"e": empty, "t": text, "m": tmp_path / "missing.mp4"})
    assert prints == {"t": f"bytes:{video_fingerprint(text)}"}


def test_a_run_record_of_the_remuxed_file_now_gets_its_coded_frames(train: Path, tmp_path: Path) -> None:
    """run.json recorded the bytes of the remuxed copy it scored, and the file still has them: the
    fingerprint compared is the file's, with its coded frames (a remuxed training clip is known)."""
    copy = tmp_path / "copy"
    copy.mkdir()
    recorded = {n: video_fingerprint(remux(train / n, copy / n, fmt="matroska")) or "" for n in NAMES}
    fitted = content_prints({n: train / n for n in NAMES})
    # a.mp4 changed since it was scored: the record (bytes only) stands for the clip scored
    _clip(copy / "a.mp4", seed=9)
    got = scored_prints(recorded, {n: copy / n for n in NAMES} | {"d.mp4": train / "a.mp4"})
    assert got["a.mp4"] == recorded["a.mp4"] and same_print(got["a.mp4"], fitted["a.mp4"]) is None
    assert got["b.mp4"] == content_prints({"b": copy / "b.mp4"})["b"] and same_print(got["b.mp4"], fitted["b.mp4"])
    assert got["d.mp4"] == fitted["a.mp4"]  # no record: the file now
    folds = {"a.mp4": 0, "b.mp4": 1, "c.mp4": 0}
    relabelled = {n: "other" for n in NAMES}
    assert held_out_videos(folds, {n: "L" for n in NAMES}, False, relabelled, fitted, got) == {"b.mp4", "c.mp4"}


def _with_cover(src: Path, dst: Path, grey: int) -> Path:
    """A Matroska stream copy of ``src`` with a 64x64 JPEG cover picture stored as the first video stream."""
    with av.open(str(src)) as i, av.open(str(dst), "w", format="matroska") as o:
        cover = o.add_stream("mjpeg", rate=1)
        cover.width = cover.height = 64
        cover.pix_fmt = "yuvj420p"
        cover.disposition = av.stream.Disposition.attached_pic
        stream = i.streams.video[0]
        out = o.add_stream_from_template(stream)
        picture = av.VideoFrame.from_ndarray(np.full((64, 64, 3), grey, np.uint8), format="rgb24")
        for p in [*cover.encode(picture.reformat(format="yuvj420p")), *cover.encode()]:
            o.mux(p)
        for p in i.demux(stream):
            if p.size:
                p.stream = out
                o.mux(p)
    return dst


def test_a_cover_picture_stored_first_is_not_the_clip(train: Path, tmp_path: Path) -> None:
    """Red team R64: the print hashed the first video stream, a cover picture here, so two clips
    behind one cover had one print and one clip behind two covers two."""
    a1 = _with_cover(train / "a.mp4", tmp_path / "a1.mkv", 10)
    a2 = _with_cover(train / "a.mp4", tmp_path / "a2.mkv", 200)
    b1 = _with_cover(train / "b.mp4", tmp_path / "b1.mkv", 10)
    with av.open(str(a1)) as c:
        assert c.streams.video[0].codec_context.name == "mjpeg"  # the premise: the cover first
    prints = content_prints({"a": train / "a.mp4", "a1": a1, "a2": a2, "b1": b1})
    assert same_print(prints["a1"], prints["a"]) and same_print(prints["a2"], prints["a1"])
    assert same_print(prints["b1"], prints["a1"]) is False
