"""The failure gallery: selection (eval/gallery.py), motion curves, and the report's rendering of it.

The report test also checks report.html structurally (html.parser): tags balanced, every table
row as wide as its header, every ``<img src>`` a file in the report folder. README "Checking the
HTML report in a browser" gives the manual headless-Chromium check.
"""

from __future__ import annotations

import math
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from camerabench.eval import write_report
from camerabench.eval.evaluate import evaluate
from camerabench.eval.gallery import misranked_fraction, motion_curves, worst_clips
from camerabench.eval.knobs import knob_trajectory_errors
from camerabench.fileio import write_json
from camerabench.labelfiles import write_binary_file
from camerabench.records import RunInfo, ScoreRecord, write_run_info, write_scores
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.trajectory import Trajectory, intrinsic_from_fov
from camerabench.trajectory_formats import save_npz
from camerabench.video import write_video

VIDEOS = [f"clip{k}.mp4" for k in range(6)]
POSITIVE = {"clip0.mp4", "clip1.mp4", "clip2.mp4"}  # Pan_Right positives; the rest negatives


def _poses(n: int, yaw_deg: float = 0.0, pitch_deg: float = 0.0, roll_deg: float = 0.0, move=(0, 0, 0)) -> Any:
    c2w = np.tile(np.eye(4), (n, 1, 1))
    s = np.linspace(0.0, 1.0, n)
    for i, f in enumerate(s):
        c2w[i, :3, :3] = Rotation.from_euler(
            "YXZ", [f * yaw_deg, f * pitch_deg, f * roll_deg], degrees=True
        ).as_matrix()
        c2w[i, :3, 3] = f * np.asarray(move, dtype=float)
    return c2w


def test_misranked_fraction_counts_the_other_class_with_half_ties() -> None:
    y = np.array([True, True, False, False])
    s = np.array([0.9, 0.2, 0.2, 0.5])
    assert misranked_fraction(y, s).tolist() == [0.0, 0.75, 0.25, 0.5]
    assert np.isnan(misranked_fraction(np.array([True]), np.array([1.0]))).all()


def test_motion_curves_follow_the_readme_conventions() -> None:
    n, t = 5, np.arange(5) / 5
    # a camera that starts turned (the curves are relative to its first frame)
    start = np.eye(4)
    start[:3, :3] = Rotation.from_euler("y", 40, degrees=True).as_matrix()
    pan = motion_curves(Trajectory(start @ _poses(n, yaw_deg=10), None, t))
    assert pan.rotation_deg[-1] == pytest.approx([10, 0, 0], abs=1e-9)  # Pan Right turns z toward +x
    # Tilt Up turns the optical axis toward -y; Roll Clockwise turns x toward +y
    assert np.asarray(_poses(2, pitch_deg=10)[1, :3, 2])[1] < 0
    assert motion_curves(Trajectory(_poses(n, pitch_deg=10), None, t)).rotation_deg[-1] == pytest.approx([0, 10, 0])
    assert np.asarray(_poses(2, roll_deg=10)[1, :3, 0])[1] > 0
    assert motion_curves(Trajectory(_poses(n, roll_deg=10), None, t)).rotation_deg[-1] == pytest.approx([0, 0, 10])
    # Move Up is -y in the camera; Move In +z; reported as (right, up, forward)
    up = motion_curves(Trajectory(start @ _poses(n, move=(0, -2, 0)), None, t))
    assert up.translation[-1] == pytest.approx([0, 2, 0])
    assert up.path_length == pytest.approx(2.0)
    assert up.scaled(0.5).translation[-1] == pytest.approx([0, 1, 0])
    k = np.stack([intrinsic_from_fov(64, 48, 60)] * n)
    k[:, 0, 0] *= np.linspace(1, 2, n)
    k[:, 1, 1] *= np.linspace(1, 2, n)
    assert motion_curves(Trajectory(_poses(n), k, t)).zoom[[0, -1]] == pytest.approx([1, 2])


@pytest.fixture(scope="module")
def gallery_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """6 small clips, Pan_Right labels, ground truth and two methods' scores and trajectories."""
    root = tmp_path_factory.mktemp("gallery")
    data, run = root / "data", root / "run"
    rng = np.random.default_rng(0)
    for k, v in enumerate(VIDEOS):
        frames = rng.integers(0, 255, size=(6, 48, 64, 3), dtype=np.uint8)
        frames[:, :, : 8 * (k + 1)] = 40 * k  # tell the clips apart
        write_video(data / "videos" / v, frames, fps=5, preset="ultrafast")
    pan = Primitive.PAN_RIGHT
    q = pan.question
    write_binary_file(
        data / "labels" / "binary_classification" / pan.file,
        [BinaryRecord(v, q, "Yes" if v in POSITIVE else "No", pan.task, pan.label_name) for v in VIDEOS],
    )
    write_json(
        data / "manifest.json",
        {
            "clips": [
                {"video": v, "knobs": {"motion_blur": k % 2 == 0, "low_parallax": False}} for k, v in enumerate(VIDEOS)
            ]
        },
    )
    t = np.arange(6) / 5
    for v in VIDEOS:
        yaw = 12.0 if v in POSITIVE else 0.0
        save_npz(data / "gt" / f"{Path(v).stem}.npz", Trajectory(_poses(6, yaw_deg=yaw, move=(0, 0, 1)), None, t))
    # "geom": clip1 (positive) scored below two negatives, clip2 failed, clip5 (negative) above one positive
    scores = {"clip0.mp4": 0.9, "clip1.mp4": 0.3, "clip3.mp4": 0.1, "clip4.mp4": 0.5, "clip5.mp4": 0.6}
    records = [ScoreRecord(v, q, "geom", s, primitive="Pan_Right") for v, s in scores.items()]
    records.append(ScoreRecord.failed("clip2.mp4", q, "geom", "too few matches", "Pan_Right"))
    write_scores(run / "geom" / "scores.jsonl", records)
    write_run_info(run / "geom" / "run.json", RunInfo("geom", method_kind="geometric"))
    for v in VIDEOS:
        if v != "clip2.mp4":
            save_npz(run / "geom" / "trajectories" / f"{Path(v).stem}.npz", Trajectory(_poses(6, yaw_deg=6), None, t))
    # "perfect": positives above negatives, no trajectories
    write_scores(
        run / "perfect" / "scores.jsonl",
        [ScoreRecord(v, q, "perfect", float(v in POSITIVE), primitive="Pan_Right") for v in VIDEOS],
    )
    return {"data": data, "run": run}


def test_worst_clips_selects_the_misranked_samples(gallery_run: dict[str, Path]) -> None:
    ev = evaluate(gallery_run["data"], gallery_run["run"], n_bootstrap=0, captions_minilm=False)
    gallery = worst_clips(ev)
    assert gallery["perfect"] == []
    entries = gallery["geom"]
    # the failed positive ranks below every negative; then, past 2 of 3 of the other class, the positive
    # clip1 and the negatives clip5 (higher) and clip4; clip3 is above the failed positive only
    assert [(e.video, e.status) for e in entries] == [
        ("clip2.mp4", "failed"),
        ("clip1.mp4", "ok"),
        ("clip5.mp4", "ok"),
        ("clip4.mp4", "ok"),
        ("clip3.mp4", "ok"),
    ]
    assert entries[-1].misranked == pytest.approx(1 / 3)
    first = entries[0]
    assert (first.primitive, first.positive, first.misranked, first.reason) == (
        "Pan_Right",
        True,
        1.0,
        "too few matches",
    )
    assert first.trajectory is None and math.isnan(first.ape_rot_deg)
    clip1 = entries[1]
    assert clip1.misranked == pytest.approx(2 / 3) and clip1.score == 0.3
    assert clip1.knobs == ("none",) and entries[2].knobs == ("none",) and first.knobs == ("motion_blur",)
    assert clip1.trajectory is not None and clip1.ape_rot_deg == pytest.approx(6.0 * 0.5, rel=0.5)
    assert [e.video for e in worst_clips(ev, max_clips=2)["geom"]] == ["clip2.mp4", "clip1.mp4"]
    assert [e.video for e in worst_clips(ev, per_class=1)["geom"]] == ["clip2.mp4", "clip5.mp4"]
    errors = knob_trajectory_errors(ev.trajectory_rows["geom"], ev.dataset.manifest)
    assert set(errors) == {"low_parallax", "motion_blur", "none"}  # low_parallax: named, no clip on
    assert (errors["motion_blur"]["clips"], errors["motion_blur"]["ok"]) == (3, 2)  # clip2 has no estimate


class _Structure(HTMLParser):
    """Balanced tags, table rows as wide as their header, and every image source."""

    VOID = frozenset({"meta", "img", "br", "hr", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.images: list[str] = []
        self.row_widths: list[list[int]] = []  # per table: header width, then each row's
        self._cells = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            src = dict(attrs).get("src")
            alt = dict(attrs).get("alt")
            if not src or not alt:
                self.errors.append(f"img without src or alt: {attrs}")
            self.images.append(src or "")
        if tag in self.VOID:
            return
        self.stack.append(tag)
        if tag == "table":
            self.row_widths.append([])
        elif tag == "tr":
            self._cells = 0
        elif tag in ("td", "th"):
            if "tr" not in self.stack:
                self.errors.append(f"<{tag}> outside a row")
            self._cells += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        if tag == "tr" and self.row_widths:
            self.row_widths[-1].append(self._cells)


def check_report_html(path: Path) -> _Structure:
    parser = _Structure()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    assert not parser.errors, parser.errors
    assert parser.stack == [], f"unclosed tags: {parser.stack}"
    for widths in parser.row_widths:
        assert widths and len(set(widths)) == 1, f"a table with rows of different widths: {widths}"
    missing = [src for src in parser.images if not (path.parent / src).is_file()]
    assert not missing, f"images that do not exist: {missing}"
    return parser


def test_report_draws_the_gallery_and_its_html_is_well_formed(gallery_run: dict[str, Path], tmp_path: Path) -> None:
    path = write_report(gallery_run["data"], gallery_run["run"], tmp_path / "report", n_bootstrap=0)
    out = path.parent
    text = path.read_text()
    assert "## Failure gallery" in text and "### perfect" in text and "No misranked sample" in text
    assert "failed: too few matches" in text
    assert "| knobs |" in text and "motion_blur" in text
    images = sorted(p.relative_to(out).as_posix() for p in (out / "gallery").rglob("*.png"))
    assert images == [f"gallery/geom/clip{k}.png" for k in (1, 2, 3, 4, 5)]
    assert all((out / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in images)
    csv_rows = (out / "gallery.csv").read_text().splitlines()
    assert csv_rows[0].startswith("method,primitive,positive,video") and len(csv_rows) == 1 + 5
    structure = check_report_html(out / "report.html")
    assert {f"gallery/geom/clip{k}.png" for k in (1, 2, 3, 4, 5)} <= set(structure.images)
    assert "ap_per_primitive.png" in structure.images
    # capped, and off
    small = write_report(gallery_run["data"], gallery_run["run"], tmp_path / "small", n_bootstrap=0, gallery=1).parent
    assert sorted(p.name for p in (small / "gallery").rglob("*.png")) == ["clip2.png"]
    none = write_report(gallery_run["data"], gallery_run["run"], tmp_path / "none", n_bootstrap=0, gallery=0).parent
    assert not (none / "gallery").exists() and "Failure gallery" not in (none / "report.md").read_text()
    check_report_html(none / "report.html")


def test_gallery_clips_whose_video_is_gone_are_counted_in_the_report(
    gallery_run: dict[str, Path], tmp_path: Path
) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(gallery_run["data"], data)
    (data / "videos" / "clip2.mp4").unlink()  # deleted after the run
    out = write_report(data, gallery_run["run"], tmp_path / "r", n_bootstrap=0, gallery=1).parent
    text = (out / "report.md").read_text()
    assert "1 gallery clip(s) drawn without frames" in text and "clip2.mp4: the video file does not exist" in text
