"""benchmarks/bench_real.py, round 36: source digests, missing tools, interrupted unpacks, options.

The script is imported by path; nothing here uses the network or a real apt-get/dpkg-deb
(``shutil.which`` and ``subprocess.run`` are monkeypatched).
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_real.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_real_test36", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


br = _load()

YAML = """packages:
  vid: {registry: pypi, version: "1.0", licence: MIT}
  seq: {registry: debian, version: "2.0-1", licence: GPL}
clips:
  - id: one_video
    package: vid
    file: data/clip.bin
    frames: {start: 0, end: 4}
    sha256: %(video)s
    resolution: [8, 8]
    fps: 10
    labels: {"yes": [Static]}
  - id: two_sequence
    package: seq
    file: usr/img.%%04d.pgm
    frames: {start: 1, end: 5, step: 2}
    sha256: %(seq)s
    resolution: [8, 8]
    fps: 10
    labels: {"no": [Static]}
"""


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _cache(tmp: Path) -> tuple[Path, dict[str, str]]:
    """A cache with both packages unpacked and marked; the digests of their media."""
    vid = tmp / "cache" / "pypi" / "vid_1.0"
    (vid / "data").mkdir(parents=True)
    (vid / "data" / "clip.bin").write_bytes(b"video bytes")
    (vid / ".complete").write_text("ok\n")
    seq = tmp / "cache" / "debian" / "seq_2.0-1"
    (seq / "usr").mkdir(parents=True)
    for i in range(0, 7):
        (seq / "usr" / f"img.{i:04d}.pgm").write_bytes(f"frame {i}".encode())
    (seq / ".complete").write_text("ok\n")
    lines = "".join(f"{_sha(f'frame {i}'.encode())}  img.{i:04d}.pgm\n" for i in (1, 3, 5))
    return tmp / "cache", {"video": _sha(b"video bytes"), "seq": _sha(lines.encode())}


def _clips(tmp: Path, digests: dict[str, str]) -> list[Any]:
    path = tmp / "clips.yaml"
    path.write_text(YAML % digests)
    return list(br.load_clips(path))


@pytest.mark.parametrize("name", ["real_clips.yaml", "real_clips_heldout.yaml", "real_clips_film.yaml"])
def test_the_committed_list_records_a_digest_per_clip(name: str) -> None:
    clips = br.load_clips(br.CLIPS_FILE.with_name(name))
    assert clips and all(len(c.sha256) == 64 for c in clips)


def test_sequence_digest_is_sha256sum_of_the_used_frames(tmp_path: Path) -> None:
    cache, digests = _cache(tmp_path)
    clips = _clips(tmp_path, digests)
    good, refused = br.check_sources(clips, cache)
    assert [c.id for c in good] == ["one_video", "two_sequence"] and refused == {}
    # frames outside the used range (0, 2, 4, 6) do not count
    (cache / "debian" / "seq_2.0-1" / "usr" / "img.0002.pgm").write_bytes(b"changed")
    assert br.check_sources(clips, cache)[1] == {}


def test_changed_media_refuse_the_clip_naming_file_and_both_digests(tmp_path: Path) -> None:
    cache, digests = _cache(tmp_path)
    clips = _clips(tmp_path, digests)
    (cache / "debian" / "seq_2.0-1" / "usr" / "img.0003.pgm").write_bytes(b"rebuilt")
    good, refused = br.check_sources(clips, cache)
    assert [c.id for c in good] == ["one_video"]
    why = refused["two_sequence"]
    assert "img.%04d.pgm" in why and digests["seq"] in why
    actual = br.source_digest(cache / "debian" / "seq_2.0-1" / "usr" / "img.%04d.pgm", 1, 5, 2)
    assert actual in why and actual != digests["seq"]


def test_marked_cache_with_deleted_or_truncated_files_is_caught_before_decoding(tmp_path: Path) -> None:
    cache, digests = _cache(tmp_path)
    clips = _clips(tmp_path, digests)
    (cache / "debian" / "seq_2.0-1" / "usr" / "img.0005.pgm").unlink()
    (cache / "pypi" / "vid_1.0" / "data" / "clip.bin").write_bytes(b"video")  # truncated
    good, refused = br.check_sources(clips, cache)
    assert good == []
    assert "cannot be read" in refused["two_sequence"] and "delete" in refused["two_sequence"]
    assert digests["video"] in refused["one_video"]
    with pytest.raises(SystemExit, match=r"one_video.*clip.bin"):  # write_dataset checks too
        br.write_dataset(clips[:1], cache, tmp_path / "out")


def test_main_skips_a_mismatched_clip_counts_it_and_exits_non_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache, digests = _cache(tmp_path)
    _clips(tmp_path, digests)
    (cache / "pypi" / "vid_1.0" / "data" / "clip.bin").write_bytes(b"other")
    ran: list[list[str]] = []

    def write_dataset(clips: list[Any], cache: Path, out: Path) -> Path:
        ran.append([c.id for c in clips])
        return out

    monkeypatch.setattr(br, "write_dataset", write_dataset)
    monkeypatch.setattr(br, "bench_method", lambda method, data, root, clips: {"clips": [c.id for c in clips]})
    monkeypatch.setattr(br.shutil, "which", lambda name: "/usr/bin/" + name)
    save = tmp_path / "figures.json"
    argv = ["--clips-file", str(tmp_path / "clips.yaml"), "--cache", str(cache), "--methods", "fast"]
    argv += ["--save", str(save)]
    with pytest.raises(SystemExit, match=r"1 of 2 clips skipped.*one_video"):
        br.main(argv)
    assert ran == [["two_sequence"]]
    out, err = capsys.readouterr()
    assert "SKIPPED clip one_video" in err and "1 of 2 clips SKIPPED" in out
    assert "one_video" in save.read_text()


def test_missing_apt_get_names_the_tool_the_packages_and_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, digests = _cache(tmp_path)
    clips = _clips(tmp_path, digests)
    import shutil

    shutil.rmtree(cache / "debian" / "seq_2.0-1")
    monkeypatch.setattr(br.shutil, "which", lambda name: None)
    message = br.missing_tools(clips, cache)
    assert message is not None and "apt-get is not on PATH" in message
    assert "seq 2.0-1" in message and "snapshot.debian.org/binary/seq/" in message and "vid" not in message
    with pytest.raises(SystemExit, match=r"apt-get is not on PATH.*seq 2.0-1.*snapshot.debian.org"):
        br.fetch(clips[1].package, cache)


def _deb(path: Path, files: dict[str, bytes], member: str = "data.tar.xz") -> Path:
    """A minimal .deb: an ar archive with debian-binary, control.tar.gz and data.tar.*."""
    data = io.BytesIO()
    mode = {"data.tar.xz": "w:xz", "data.tar.gz": "w:gz"}.get(member, "w")  # zst: never decoded
    with tarfile.open(fileobj=data, mode=mode) as tar:  # type: ignore[call-overload]
        for name, content in files.items():
            info = tarfile.TarInfo("./" + name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    members = [("debian-binary", b"2.0\n"), ("control.tar.gz", b"x" * 3), (member, data.getvalue())]
    out = io.BytesIO()
    out.write(b"!<arch>\n")
    for name, content in members:
        out.write(f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(content):<10}`\n".encode())
        out.write(content + (b"\n" if len(content) % 2 else b""))
    path.write_bytes(out.getvalue())
    return path


def test_deb_put_by_hand_without_dpkg_says_how_to_unpack_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A .deb put in the downloads folder by hand on a machine without apt-get or dpkg-deb: no
    tool runs, the message names dpkg-deb, how to install it or unpack by hand into the folder
    this script reads, and no folder (marked or partial) is left."""
    downloads = tmp_path / "cache" / "debian" / "downloads"
    downloads.mkdir(parents=True)
    _deb(downloads / "seq_2.0-1_all.deb", {"usr/img.0001.pgm": b"frame 1"})
    monkeypatch.setattr(br.shutil, "which", lambda name: None)
    monkeypatch.setattr(br.subprocess, "run", lambda *a, **k: pytest.fail("no tool may run"))
    root = tmp_path / "cache" / "debian" / "seq_2.0-1"
    with pytest.raises(SystemExit, match=r"dpkg-deb is not on PATH: seq_2\.0-1_all\.deb.*brew install dpkg") as err:
        br.fetch(br.Package("seq", "debian", "2.0-1", "GPL"), tmp_path / "cache")
    assert f"mkdir -p {root}" in str(err.value) and ".complete" in str(err.value)
    assert sorted(p.name for p in (tmp_path / "cache" / "debian").iterdir()) == ["downloads"]


def test_apt_get_failure_hints_at_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(br.shutil, "which", lambda name: "/usr/bin/" + name)

    def run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(cmd, 100, "", "E: Version '2.0-1' for 'seq' was not found")

    monkeypatch.setattr(br.subprocess, "run", run)
    with pytest.raises(SystemExit, match=r"(?s)was not found.*hint: the pinned version 2\.0\+b-1.*snapshot") as err:
        br.fetch(br.Package("seq", "debian", "2.0+b-1", "GPL"), tmp_path / "cache")
    assert "mr/binary/seq/2.0%2Bb-1/binfiles" in str(err.value)


def test_unmarked_half_unpacked_folder_is_removed_and_redone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    half = cache / "pypi" / "vid_1.0"
    (half / "stale").mkdir(parents=True)
    (half / "stale" / "leftover").write_bytes(b"half")
    (cache / "pypi" / "downloads").mkdir()
    with zipfile.ZipFile(cache / "pypi" / "downloads" / "vid-1.0-py3-none-any.whl", "w") as zf:
        zf.writestr("data/clip.bin", b"video bytes")
    root = br.fetch(br.Package("vid", "pypi", "1.0", "MIT"), cache)
    assert root == half and not (half / "stale").exists()
    assert (half / "data" / "clip.bin").read_bytes() == b"video bytes" and (half / ".complete").is_file()


def test_crash_mid_unpack_leaves_no_marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    (cache / "pypi" / "downloads").mkdir(parents=True)
    with zipfile.ZipFile(cache / "pypi" / "downloads" / "vid-1.0-py3-none-any.whl", "w") as zf:
        zf.writestr("data/clip.bin", b"video bytes")

    def crash(self: zipfile.ZipFile, path: Any = None, *a: Any) -> None:
        (Path(path) / "data").mkdir(parents=True)
        raise KeyboardInterrupt

    monkeypatch.setattr(zipfile.ZipFile, "extractall", crash)
    with pytest.raises(KeyboardInterrupt):
        br.fetch(br.Package("vid", "pypi", "1.0", "MIT"), cache)
    assert sorted(p.name for p in (cache / "pypi").iterdir()) == ["downloads"]


def test_only_matching_nothing_is_refused_with_the_ids(tmp_path: Path) -> None:
    _, digests = _cache(tmp_path)
    clips = _clips(tmp_path, digests)
    with pytest.raises(SystemExit, match=r"'typo' matches no clip id.*one_video, two_sequence"):
        br.select_clips(clips, "one,typo")
    with pytest.raises(SystemExit, match="empty substring"):
        br.select_clips(clips, "one,")
    assert [c.id for c in br.select_clips(clips, "two")] == ["two_sequence"]


def test_work_with_runs_is_refused_before_building(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, digests = _cache(tmp_path)
    _clips(tmp_path, digests)
    (tmp_path / "work" / "runs" / "colmap").mkdir(parents=True)
    monkeypatch.setattr(br, "write_dataset", lambda *a, **k: pytest.fail("built the dataset"))
    argv = ["--clips-file", str(tmp_path / "clips.yaml"), "--cache", str(cache), "--work", str(tmp_path / "work")]
    with pytest.raises(SystemExit, match="already holds runs of colmap"):
        br.main([*argv, "--methods", "fast", "colmap"])
    with pytest.raises(SystemExit, match="given twice"):
        br.main([*argv, "--methods", "fast", "fast"])


def test_yaml_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "clips.yaml"
    path.write_text("packages: {}\nclips:\n  - id: a\n    frames: [1\n")
    with pytest.raises(SystemExit, match=r"clips.yaml, line 5: not valid YAML"):
        br.load_clips(path)
    _, digests = _cache(tmp_path)
    path.write_text((YAML % digests).replace("    sha256: " + digests["seq"] + "\n", ""))
    with pytest.raises(SystemExit, match=r"line 13: clips\[1\] \(two_sequence\): missing sha256"):
        br.load_clips(path)
    path.write_text((YAML % digests).replace("    file: data/clip.bin\n", ""))
    with pytest.raises(SystemExit, match=r"line 5: clips\[0\] \(one_video\): missing file"):
        br.load_clips(path)


def test_the_manifest_gives_the_size_written_for_an_odd_sized_source(tmp_path: Path) -> None:
    """A 33x21 image sequence is written 32x20 (yuv420p needs even sizes): the manifest records the
    written size, which the video has, and the source's (red team R49: a GIF of 212x283 was recorded
    as 212x283 beside its 212x282 video)."""
    import cv2

    from camerabench.video import probe_video

    seq = tmp_path / "cache" / "debian" / "seq_2.0-1"
    (seq / "usr").mkdir(parents=True)
    rng = np.random.default_rng(0)
    lines = ""
    for i in range(5):
        name = f"img.{i:04d}.pgm"
        assert cv2.imwrite(str(seq / "usr" / name), rng.integers(0, 255, (21, 33), dtype=np.uint8))
        lines += f"{_sha((seq / 'usr' / name).read_bytes())}  {name}\n"
    (seq / ".complete").write_text("ok\n")
    yaml_text = YAML.split("  - id: one_video")[0] + (
        "  - id: odd_sequence\n    package: seq\n    file: usr/img.%04d.pgm\n    frames: {start: 0, end: 4}\n"
        f"    sha256: {_sha(lines.encode())}\n    resolution: [33, 21]\n    fps: 10\n"
        '    labels: {"yes": [Static]}\n'
    )
    (tmp_path / "clips.yaml").write_text(yaml_text)
    out = br.write_dataset(list(br.load_clips(tmp_path / "clips.yaml")), tmp_path / "cache", tmp_path / "out")
    entry = json.loads((out / "manifest.json").read_text())["clips"][0]
    probe = probe_video(out / "videos" / entry["video"])
    assert entry["resolution"] == [probe.width, probe.height] == [32, 20]
    assert entry["cropped_from"] == [33, 21]
