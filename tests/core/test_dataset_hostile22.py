"""Dataset folders copied from other machines (sweep 22): what ``videos/`` holds besides clips.

Found by copying a dataset through macOS, Windows and a browser: ``~$clip.mp4`` (an Office owner
file) and the clip inside Safari's ``clip.mp4.download/`` bundle were scored as videos (each a
failed prediction); a Finder ``Icon\\r`` file stopped every job; AppleDouble ``._clip.mp4`` and
``.DS_Store`` were dropped without a word; a label naming ``clip`` (no extension), ``clip.mp4``
beside ``clip.mov``, or ``clip.mp4`` for ``drone/clip.mp4`` was run as a missing video of its own
while the file ran unlabelled; labelled videos missing from ``videos/`` and videos no label
names were not counted anywhere (now a warning and a note).
"""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path

import pytest

from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.labelfiles import write_binary_file
from camerabench.taxonomy import BinaryRecord, Primitive

PAN = Primitive.PAN_LEFT


def _video(root: Path, name: str) -> Path:
    path = root / "videos" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def _labels(root: Path, names: list[str]) -> Path:
    path = root / "labels" / "binary_classification" / PAN.file
    write_binary_file(path, [BinaryRecord.make(v, PAN, i % 2 == 0) for i, v in enumerate(names)])
    return path


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def _reports(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    """(level, message) of the dataset's records (the CLI shows INFO and above)."""
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "camerabench.dataset"]


# --- files of other systems: never videos, counted in one warning --------------------------------


def test_system_and_hidden_files_are_left_out_with_one_warning_that_counts_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _video(tmp_path, "clip.mp4")
    system = ["._clip.mp4", ".DS_Store", "Thumbs.db", "desktop.ini", "~$clip.mp4", ".clip.mp4.swp", "Icon\r"]
    for name in system:
        _video(tmp_path, name)
    (tmp_path / "videos" / ".Spotlight-V100").mkdir()
    ds = Dataset(tmp_path)
    with caplog.at_level(logging.WARNING):
        ds.validate()
        assert ds.videos() == ["clip.mp4"]
    [message] = _warnings(caplog)
    assert message.startswith(f"{tmp_path / 'videos'}: 8 hidden or system file(s) left out, not videos: ")
    assert "'._clip.mp4'" in message and "and 5 more" in message


def test_a_hidden_clip_and_system_files_share_the_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    for name in ("clip.mp4", ".hidden.mp4", "._clip.mp4", ".DS_Store"):
        _video(tmp_path, name)
    with caplog.at_level(logging.WARNING):
        assert Dataset(tmp_path).videos() == ["clip.mp4"]
    assert _warnings(caplog) == [
        f"{tmp_path / 'videos'}: hidden file(s) '.hidden.mp4' left out (rename them to score them); "
        "2 hidden or system file(s) left out, not videos: '.DS_Store', '._clip.mp4'"
    ]


def test_unfinished_downloads_are_not_videos_and_a_label_naming_one_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("a.mp4", "clip.mp4.part", "b.mp4.crdownload", "c.mp4.download/c.mp4"):
        _video(tmp_path, name)
    _labels(tmp_path, ["a.mp4", "clip.mp4"])
    ds = Dataset(tmp_path)
    with caplog.at_level(logging.WARNING):
        ds.validate()
        assert ds.videos() == ["a.mp4", "clip.mp4"]  # the Safari bundle's clip is not a video
    videos = tmp_path / "videos"
    assert _warnings(caplog) == [
        f"{videos}: 3 unfinished download(s) left out: 'b.mp4.crdownload', 'c.mp4.download', 'clip.mp4.part' "
        "(finish or delete them); labels name 1 of them: 'clip.mp4'",
        f"{videos}: 1 of 2 videos the labels name are not there: 'clip.mp4'; a run records each as failed "
        "(video file not found)",
    ]


# --- a label must find its file, or the mismatch is named ----------------------------------------


@pytest.mark.parametrize(
    ("files", "label", "message"),
    [
        (["clip.mp4"], "clip", r"the video 'clip' is not in .*videos, but 'clip\.mp4' is: write 'clip\.mp4'"),
        (["clip.mp4", "clip.MOV"], "clip", r"'clip' is not in .*videos, but 'clip\.MOV' and 'clip\.mp4' are"),
        (["clip.mov"], "clip.mp4", r"the video 'clip\.mp4' is not in .*videos, but 'clip\.mov' is"),
        (["drone/clip.mp4"], "clip.mp4", r"the video 'clip\.mp4' is not in .*videos, but 'drone/clip\.mp4' is"),
        (["a/x.mp4", "b/x.mp4"], "x.mp4", r"'x\.mp4' is not in .*videos, but 'a/x\.mp4' and 'b/x\.mp4' are"),
    ],
    ids=["no-extension", "no-extension-two-files", "other-extension", "in-a-subfolder", "in-two-subfolders"],
)
def test_label_naming_a_file_by_another_name_is_an_error_naming_the_file(
    tmp_path: Path, files: list[str], label: str, message: str
) -> None:
    for name in files:
        _video(tmp_path, name)
    path = _labels(tmp_path, [label])
    with pytest.raises(FileFormatError, match=message) as info:
        Dataset(tmp_path).validate()
    assert str(info.value).startswith(f"{path}:1: ")


def test_label_in_nfc_for_a_file_in_nfd_names_which_is_the_file(tmp_path: Path) -> None:
    nfc, nfd = unicodedata.normalize("NFC", "café.mp4"), unicodedata.normalize("NFD", "café.mp4")
    _video(tmp_path, nfd)  # as macOS writes it
    path = _labels(tmp_path, [nfc])
    with pytest.raises(FileFormatError, match="in another Unicode form than its file") as info:
        Dataset(tmp_path).validate()
    assert str(info.value).startswith(f"{path}:1: the video 'caf\\xe9.mp4' ")
    assert "'cafe\\u0301.mp4'" in str(info.value)


def test_same_stem_two_extensions_the_label_takes_its_own_and_the_other_is_counted_unlabelled(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("clip.mp4", "clip.mov", "CLIP2.MP4"):
        _video(tmp_path, name)
    _labels(tmp_path, ["clip.mp4"])
    ds = Dataset(tmp_path)
    with caplog.at_level(logging.INFO):
        ds.validate()
        assert ds.videos() == ["CLIP2.MP4", "clip.mov", "clip.mp4"]
        assert [q.text for q in ds.questions()["clip.mp4"]] == [PAN.question]
    assert _reports(caplog) == [
        (
            "INFO",
            f"{tmp_path / 'videos'}: 2 of 3 video files are named by no label file: 'CLIP2.MP4', 'clip.mov'; "
            "they are run, but no label scores them",
        )
    ]


def test_missing_and_unlabelled_videos_are_counted_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    for name in ("a.mp4", "b.mp4", "c.mp4", "d.mp4", "e.mp4"):
        _video(tmp_path, name)
    _labels(tmp_path, ["a.mp4", "w.mp4", "x.mp4", "y.mp4", "z.mp4"])
    ds = Dataset(tmp_path)
    with caplog.at_level(logging.INFO):
        ds.validate()
        ds.videos()
    videos = tmp_path / "videos"
    assert _reports(caplog) == [
        (
            "WARNING",
            f"{videos}: 4 of 5 videos the labels name are not there: 'w.mp4', 'x.mp4', 'y.mp4' and 1 more; a "
            "run records each as failed (video file not found)",
        ),
        (
            "INFO",
            f"{videos}: 4 of 5 video files are named by no label file: 'b.mp4', 'c.mp4', 'd.mp4' and 1 more; "
            "they are run, but no label scores them",
        ),
    ]


def test_a_normal_folder_gives_no_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    for name in ("a.mp4", "b.mov", "drone/c.mp4"):
        _video(tmp_path, name)
    (tmp_path / "videos" / "link.mp4").symlink_to(_video(tmp_path / "elsewhere", "d.mp4"))
    _labels(tmp_path, ["a.mp4", "b.mov", "drone/c.mp4", "link.mp4"])
    with caplog.at_level(logging.INFO):
        ds = Dataset(tmp_path)
        ds.validate()
        assert ds.videos() == ["a.mp4", "b.mov", "drone/c.mp4", "link.mp4"]
    assert _reports(caplog) == []
