"""Round 54: ``camerabench synth`` into a finished dataset made with the same options has nothing to do.

Red team R68: the rerun rendered every clip again (byte for byte the same files). It now keeps the
dataset when its manifest records the same options (digest included) and every file it lists
still has its recorded SHA-256; anything else (other options, a file missing, cut short or
added) is generated again, the log saying why.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from camerabench.cli import main
from camerabench.synth import generate as gen
from camerabench.synth.generate import generate_dataset

SIZE = (32, 20)
FPS = 4.0
CLIPS = 2


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _count_renders(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    real = gen._render_job
    rendered: list[int] = []

    def render(job: Any) -> dict[str, Any]:
        rendered.append(job[2])
        return real(job)

    monkeypatch.setattr(gen, "_render_job", render)
    return rendered


def _generate(out: Path, seed: int = 3, size: tuple[int, int] = SIZE) -> Path:
    return generate_dataset(out, clips=CLIPS, seed=seed, size=size, fps=FPS, workers=1)


@pytest.fixture
def finished(tmp_path: Path, tiny_textures: None) -> Path:
    return _generate(tmp_path / "d")


def test_the_manifest_records_every_files_hash(finished: Path) -> None:
    manifest = json.loads((finished / "manifest.json").read_text())
    listed = manifest["files_sha256"]
    on_disk = sorted(str(p.relative_to(finished)) for p in finished.rglob("*") if p.is_file())
    assert sorted(listed) == [name for name in on_disk if name != "manifest.json"]
    assert all(hashlib.sha256((finished / n).read_bytes()).hexdigest() == h for n, h in listed.items())


def test_a_rerun_with_the_same_options_renders_nothing(
    finished: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    before = _files(finished)
    mtimes = {p: p.stat().st_mtime_ns for p in finished.rglob("*")}
    monkeypatch.setattr(gen, "_render_job", lambda job: pytest.fail(f"clip {job[2]} rendered again"))
    monkeypatch.setattr(gen, "_write_labels", lambda *a: pytest.fail("labels written again"))
    with caplog.at_level(logging.INFO):
        assert _generate(finished) == finished  # what a generation returns
    assert f"{finished} already holds this dataset (2 clips, same options); nothing to do" in caplog.text
    assert _files(finished) == before
    assert {p: p.stat().st_mtime_ns for p in finished.rglob("*")} == mtimes


def test_the_command_line_rerun_renders_nothing(
    finished: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    render = gen._render_job
    monkeypatch.setattr(gen, "_render_job", lambda job: pytest.fail(f"clip {job[2]} rendered again"))
    args = ["synth", "--out", str(finished), "--clips", "2", "--seed", "3", "--size", "32x20", "--fps", "4"]
    assert main([*args, "--workers", "1"]) == 0
    assert f"synthetic standard dataset already in {finished}\n" == capsys.readouterr().out
    monkeypatch.setattr(gen, "_render_job", render)  # another seed: rendered again, and said so
    args[args.index("--seed") + 1] = "4"
    assert main([*args, "--workers", "1"]) == 0
    assert f"synthetic standard dataset written to {finished}\n" == capsys.readouterr().out


@pytest.mark.parametrize(
    ("seed", "size", "why"),
    [(4, SIZE, "seed 3, now 4"), (3, (32, 24), "height 20, now 24")],
)
def test_other_options_generate_again_saying_why(
    finished: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    seed: int,
    size: tuple[int, int],
    why: str,
) -> None:
    rendered = _count_renders(monkeypatch)
    with caplog.at_level(logging.WARNING):
        _generate(finished, seed=seed, size=size)
    assert rendered == [0, 1]
    assert f"it was generated with other options ({why}), so every clip is rendered again" in caplog.text
    assert _files(finished) == _files(_generate(tmp_path / "fresh", seed=seed, size=size))


@pytest.mark.parametrize("damage", ["deleted", "truncated", "added"])
def test_a_damaged_dataset_is_generated_again(
    finished: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    before = _files(finished)
    video = finished / "videos" / "synth_001_move_in.mp4"
    if damage == "deleted":
        video.unlink()
        why = "1 file(s) it lists are missing (videos/synth_001_move_in.mp4)"
    elif damage == "truncated":
        video.write_bytes(video.read_bytes()[: video.stat().st_size // 2])
        why = "videos/synth_001_move_in.mp4 is not the file that was written (its SHA-256 differs)"
    else:
        (finished / "videos" / "synth_002_static.mp4").write_bytes(b"not of this dataset")
        why = "it holds 1 file(s) its manifest does not list (videos/synth_002_static.mp4)"
    rendered = _count_renders(monkeypatch)
    with caplog.at_level(logging.WARNING):
        _generate(finished)
    assert rendered == [0, 1]
    assert why in caplog.text
    assert _files(finished) == before


def test_a_manifest_without_digests_is_generated_again(
    finished: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = finished / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["files_sha256"]  # as camerabench wrote it before
    path.write_text(json.dumps(manifest))
    rendered = _count_renders(monkeypatch)
    with caplog.at_level(logging.WARNING):
        _generate(finished)
    assert rendered == [0, 1]
    assert "its manifest records no digest of its options and files" in caplog.text


def test_a_manifest_edited_by_hand_is_generated_again(
    finished: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Round 55: the manifest's own digest. A clip's knobs turned on by hand were kept by a rerun
    (the evaluation reads knobs and labels from the manifest); re-indenting it is not an edit."""
    path = finished / "manifest.json"
    written = path.read_bytes()
    manifest = json.loads(written)
    path.write_text(json.dumps(manifest, indent=4))  # another layout, the same content
    rendered = _count_renders(monkeypatch)
    _generate(finished)
    assert rendered == []
    manifest["clips"][0]["knobs"] = {k: True for k in manifest["clips"][0]["knobs"]}
    path.write_text(json.dumps(manifest, indent=2))
    with caplog.at_level(logging.WARNING):
        _generate(finished)
    assert rendered == [0, 1]
    assert "its manifest.json was edited since it was written" in caplog.text
    assert path.read_bytes() == written
