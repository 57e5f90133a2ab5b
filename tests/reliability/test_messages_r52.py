"""Messages, round 52: say what was found, not a neighbouring case.

A ShotBench medium that is there but is no file (a folder named ``clip.mp4``, a symbolic link
that loops) was "media not found"; a clip of pure noise (TV snow) failed ``fast`` as "blank
(black, white or uniform ...)", though what is measured is image structure above the frame's noise.
Each test failed on the code before this round.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from camerabench.baselines.geometry import fast
from camerabench.errors import FileFormatError, PredictionError
from camerabench.shotbench import COLUMNS, read_mcq_table
from camerabench.video import write_video

# --------------------------------------------------------------------------- ShotBench media


def _row(index: str, path: str, kind: str = "video") -> str:
    options = '"' + '{"A": "Pan left", "B": "Tilt up"}'.replace('"', '""') + '"'
    cells = [index, f'"[""{kind}""]"', f"['{path}']", "Which camera movement is it?", options, "B", "camera movement"]
    return "\t".join(cells) + "\n"


def _table(root: Path, rows: list[str]) -> Path:
    table = root / "labels" / "shotbench" / "t.tsv"
    table.parent.mkdir(parents=True)
    table.write_text("\t".join(COLUMNS) + "\n" + "".join(rows), encoding="utf-8")
    (root / "videos").mkdir()
    return table


def test_a_folder_named_like_a_clip_is_said_to_be_a_folder(tmp_path: Path) -> None:
    table = _table(tmp_path, [_row("0", "videos/a.mp4"), _row("1", "videos/b.mp4")])
    (tmp_path / "videos" / "a.mp4").write_bytes(b"")
    (tmp_path / "videos" / "b.mp4").mkdir()
    with pytest.raises(FileFormatError) as info:
        read_mcq_table(table, tmp_path)
    text = str(info.value)
    # was "t.tsv:3: media not found in DATA: 1 file(s), named by 1 of 2 rows: videos/b.mp4 (line 3)"
    assert text == f"{table}:3: in {tmp_path}, videos/b.mp4 (line 3) is a directory, not a video file"


def test_a_link_that_loops_is_said_to_loop(tmp_path: Path) -> None:
    table = _table(tmp_path, [_row("0", "videos/a.mp4")])
    os.symlink("a.mp4", tmp_path / "videos" / "a.mp4")
    with pytest.raises(FileFormatError, match=r"t\.tsv:2: .*videos/a\.mp4 \(line 2\) is a symbolic link that loops"):
        read_mcq_table(table, tmp_path)


def test_missing_media_are_still_counted_beside_a_folder(tmp_path: Path) -> None:
    rows = [_row("0", "videos/gone.mp4"), _row("1", "videos/dir.mp4"), _row("2", "images/dir.png", "image")]
    table = _table(tmp_path, rows)
    (tmp_path / "videos" / "dir.mp4").mkdir()
    (tmp_path / "images" / "dir.png").mkdir(parents=True)
    with pytest.raises(FileFormatError) as info:
        read_mcq_table(table, tmp_path)
    text = str(info.value)
    assert text.startswith(f"{table}:2: media not found in {tmp_path}: 1 file(s), named by 1 of 3 rows: ")
    assert "videos/gone.mp4 (line 2)" in text and "dir.mp4 (line 2)" not in text
    assert text.endswith(
        f"; 2 media in {tmp_path} are not files: videos/dir.mp4 (line 3) is a directory, not a video file; "
        "images/dir.png (line 4) is a directory, not an image file"
    )


# --------------------------------------------------------------------------- fast: blank frames


@pytest.fixture(scope="module")
def matcher_loaded() -> None:
    """torch and kornia, which ``fast`` matches features with, imported once (about 1-3 s), not
    in the first test that relates frames."""
    import kornia.feature  # noqa: F401


def test_a_clip_of_noise_is_said_to_be_noise(tmp_path: Path) -> None:
    frames = np.random.default_rng(0).integers(0, 256, (6, 64, 64, 3), dtype=np.uint8)
    write_video(tmp_path / "snow.mp4", frames, fps=5)
    with pytest.raises(PredictionError) as info:
        fast.FastPredictor().estimate(tmp_path / "snow.mp4")
    text = str(info.value)
    # was "every one of the 6 sampled frames is blank (black, white or uniform: fewer than 20 points ..."
    assert "every one of the 6 sampled frames is blank, with no image structure above its noise (6 noise only, " in text
    assert "with noise of about " in text and "black" not in text and "uniform" not in text


def test_a_clip_of_black_and_grey_frames_is_told_apart(tmp_path: Path) -> None:
    frames = np.zeros((6, 64, 64, 3), np.uint8)
    frames[3:] = 128
    write_video(tmp_path / "dark.mp4", frames, fps=5)
    with pytest.raises(
        PredictionError, match=r"blank, with no image structure above its noise \(3 black and 3 uniform; "
    ):
        fast.FastPredictor().estimate(tmp_path / "dark.mp4")


@pytest.mark.parametrize(
    ("frames", "kind"),
    [
        (
            np.random.default_rng(1).integers(0, 256, (3, 64, 64, 3), dtype=np.uint8),
            r"noise only, with noise of about \d+ ",
        ),
        (np.full((3, 64, 64, 3), 255, np.uint8), "white"),
    ],
    ids=["noise", "white"],
)
def test_a_blank_frame_of_a_pair_is_told_apart(frames: np.ndarray, kind: str, matcher_loaded: None) -> None:
    # was "frame 0 is blank (black, white or uniform: fewer than 20 points of image structure for dense flow)"
    with pytest.raises(
        PredictionError, match=rf"frame 0 is blank, with no image structure above its noise \({kind}"
    ) as info:
        fast.estimate_trajectory(frames, np.arange(3) / 5.0)
    assert "black, white or uniform" not in str(info.value)


def test_colmap_says_the_same_of_a_clip_of_noise(tmp_path: Path) -> None:
    from camerabench.baselines.geometry.colmap import ColmapPredictor

    frames = np.random.default_rng(0).integers(0, 256, (6, 64, 64, 3), dtype=np.uint8)
    write_video(tmp_path / "snow.mp4", frames, fps=5)
    with pytest.raises(PredictionError) as info:
        ColmapPredictor().estimate(tmp_path / "snow.mp4")
    # was "every one of the 6 sampled frames is blank (black, white or uniform: ..." (before COLMAP ran)
    assert "sampled frames is blank, with no image structure above its noise (6 noise only, " in str(info.value)
