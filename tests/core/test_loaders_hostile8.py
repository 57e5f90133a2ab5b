"""Hostile inputs to the loaders, video opening, run folders and folder locks (eighth round).

Each case once crashed with a traceback, read wrong without a word, or did damage: a symbolic
link in the lock file's place had its target truncated and overwritten with a pid; a video
name holding a lone surrogate escape (JSON's ``"\\ud800"``) or a NUL passed the label checks
and stopped the run with a ``UnicodeEncodeError`` / ``ValueError`` when the video was opened;
a method folder whose ``scores.jsonl`` is a link to nothing was left out of the run without a
word; a UTF-16 file was reported as a stray byte or invalid JSON.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from camerabench.dataset import Dataset
from camerabench.errors import CameraBenchError, FileFormatError, VideoError
from camerabench.labelfiles import read_binary_file, read_caption_file, read_vqa_file
from camerabench.locks import LOCK_FILE, FolderLock
from camerabench.runfolder import read_run
from camerabench.shotbench import COLUMNS, MCQRow, read_mcq_table, write_mcq_table
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.video import check_video, probe_video, read_video

PAN = Primitive.PAN_LEFT
HEADER = "\t".join(COLUMNS)
OPTIONS = '{"A": "Pan left", "B": "Tilt up"}'


def _row(path: str = "['video/a.mp4']", options: str = OPTIONS) -> str:
    return "\t".join(["0", '["video"]', path, "How does the camera move?", options, "B", "camera movement"])


def _binary_line(video: str) -> str:
    return json.dumps(BinaryRecord.make(video, PAN, True).to_dict())


# --- the lock file ---------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["file", "nowhere"])
def test_a_symbolic_link_in_the_lock_files_place_is_refused_not_followed(tmp_path: Path, target: str) -> None:
    """Was: the link was followed, its target truncated and overwritten with the pid (a file of
    the user's destroyed), or created when it did not exist; the lock then went ahead."""
    victim = tmp_path / "notes.txt"
    if target == "file":
        victim.write_text("important\n")
    folder = tmp_path / "run" / "fast"
    folder.mkdir(parents=True)
    (folder / LOCK_FILE).symlink_to(victim)
    with pytest.raises(CameraBenchError) as err:
        FolderLock(folder, "run folder").acquire()
    assert str(err.value) == (
        f"{folder / LOCK_FILE}: is a symbolic link, not the lock file camerabench writes (a plain file); "
        "remove it to use the run folder"
    )
    if target == "file":
        assert victim.read_text() == "important\n"
    else:
        assert not victim.exists()
    assert (folder / LOCK_FILE).is_symlink()  # left for the user to look at


def test_a_pipe_in_the_lock_files_place_is_refused(tmp_path: Path) -> None:
    """Was: ``cannot write: Invalid argument``."""
    os.mkfifo(tmp_path / LOCK_FILE)
    with pytest.raises(CameraBenchError, match=r"\.camerabench\.lock: is not a regular file \(a pipe, socket"):
        FolderLock(tmp_path).acquire()


def test_a_lock_file_left_by_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    (tmp_path / LOCK_FILE).write_text("999999999\n")  # a pid no process has
    with FolderLock(tmp_path) as lock:
        assert lock.path.read_text().splitlines()[0] == str(os.getpid())
    assert not (tmp_path / LOCK_FILE).exists()


# --- video names that no file can have -------------------------------------------------------


def test_a_label_naming_a_video_with_a_lone_surrogate_is_refused_with_its_line(tmp_path: Path) -> None:
    """Was: read, listed by Dataset.videos(), then opening the video raised UnicodeEncodeError."""
    path = tmp_path / PAN.file
    path.write_text(_binary_line("a.mp4") + "\n" + _binary_line("b\ud800.mp4"))  # json escapes it: ASCII
    with pytest.raises(FileFormatError, match=r"Pan_Left\.jsonl:2: 'image' holds a lone surrogate escape"):
        read_binary_file(path)
    caption = tmp_path / "caption_data.json"
    items = [{"video": "c\ud800.mp4", "question": "Describe the camera movement in this video.", "answer": "pans"}]
    caption.write_text(json.dumps(items))  # json escapes the surrogate: the file is ASCII
    with pytest.raises(FileFormatError, match=r"caption_data\.json:1: item 0: 'video' holds a lone surrogate"):
        read_caption_file(caption)


def test_a_vqa_pair_and_a_dataset_with_a_surrogate_video_are_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "labels" / "binary_classification").mkdir(parents=True)
    (data / "videos").mkdir()
    (data / "labels" / "binary_classification" / PAN.file).write_text(_binary_line("x\ud800.mp4"))
    with pytest.raises(FileFormatError, match="holds a lone surrogate escape, not text"):
        Dataset(data).validate()
    with pytest.raises(FileFormatError, match="holds a lone surrogate escape"):
        Dataset(data).video_path("\udcff.mp4")
    pair = {
        "skill": "s",
        "task": "t",
        "images": ["a.mp4", "\ud801.mp4"],
        "texts": ["pans", "tilts"],
        "pos_video": "a.mp4",
        "neg_video": "\ud801.mp4",
        "pos_text": "pans",
        "neg_text": "tilts",
        "pos_question": "Does it pan?",
        "neg_question": "Does it tilt?",
    }
    (tmp_path / "t.jsonl").write_text(json.dumps(pair) + "\n")
    with pytest.raises(FileFormatError, match=r"t\.jsonl:1: 'neg_video' holds a lone surrogate"):
        read_vqa_file(tmp_path / "t.jsonl")


@pytest.mark.parametrize("name", ["\ud800.mp4", "a\x00.mp4"], ids=["surrogate", "nul"])
@pytest.mark.parametrize("reader", [read_video, check_video, probe_video])
def test_opening_a_video_whose_name_no_file_can_have_is_a_video_error(tmp_path: Path, name: str, reader) -> None:  # type: ignore[no-untyped-def]
    """Was: UnicodeEncodeError / ValueError (embedded null byte) with a traceback."""
    with pytest.raises(VideoError) as err:
        reader(tmp_path / name)
    message = str(err.value)
    assert "not a file name the system can open" in message
    message.encode("utf-8")  # printable, and writable into run.json as a failure reason


# --- ShotBench tables ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["video/a\ud800.mp4", "video/a\x00.mp4", "video/a\n.mp4"])
@pytest.mark.parametrize("with_root", [True, False])
def test_a_media_path_no_file_can_have_is_refused_with_its_line(tmp_path: Path, name: str, with_root: bool) -> None:
    """Was: accepted without a data folder (opening it later crashed), "media not found" with one."""
    path = _write(tmp_path / "t.tsv", _row(path=repr([name])))
    with pytest.raises(FileFormatError) as err:
        read_mcq_table(path, tmp_path if with_root else None)
    assert str(err.value) == f"{path}:2: path {name!a} holds a control character or a lone surrogate, not a file name"


def test_an_option_text_with_a_lone_surrogate_is_refused(tmp_path: Path) -> None:
    """Was: read (JSON decodes ``\\ud800``), then write_mcq_table raised UnicodeEncodeError."""
    path = _write(tmp_path / "t.tsv", _row(options='{"A": "Pan left", "B": "Tilt \\ud800up"}'))
    with pytest.raises(FileFormatError, match=r"t\.tsv:2: option B's text 'Tilt \\ud800up' holds a lone surrogate"):
        read_mcq_table(path)
    good = read_mcq_table(_write(tmp_path / "good.tsv", _row()))
    write_mcq_table(tmp_path / "out.tsv", good)  # a clean table still round-trips
    assert read_mcq_table(tmp_path / "out.tsv") == [
        MCQRow(r.index, "out", r.types, r.paths, r.question, r.options, r.answer, r.category, r.line) for r in good
    ]


def _write(path: Path, row: str) -> Path:
    path.write_text(f"{HEADER}\n{row}\n")
    return path


def test_options_with_an_integer_too_long_to_convert_name_the_options_cell(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.tsv", _row(options='{"A": "Pan left", "B": ' + "9" * 5000 + "}"))
    with pytest.raises(FileFormatError, match=r"t\.tsv:2: options is not a JSON object: .*Exceeds the limit"):
        read_mcq_table(path)


# --- text in another Unicode encoding --------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "what"),
    [
        ("utf-16", "UTF-16 text (it starts with the byte-order mark ff fe)"),
        ("utf-16-be", None),
        ("utf-16-le", "UTF-16 or UTF-32 text without a byte-order mark"),
        ("utf-32", "UTF-32 text (it starts with the byte-order mark ff fe 00 00)"),
        ("utf-32-be", "UTF-16 or UTF-32 text without a byte-order mark"),
    ],
)
@pytest.mark.parametrize("kind", ["jsonl", "json", "tsv"])
def test_a_utf16_or_utf32_file_says_so(tmp_path: Path, encoding: str, what: str | None, kind: str) -> None:
    """Was: "not UTF-8 text: byte 0xff at column 1", or without a byte-order mark "invalid JSON:
    Expecting property name" / "missing column(s)": nothing said the file was UTF-16."""
    if encoding == "utf-16-be":  # written with its mark by hand: Python's utf-16-be writes none
        data, what = "\ufeff", "UTF-16 text (it starts with the byte-order mark fe ff)"
    else:
        data = ""
    text = {
        "jsonl": _binary_line("a.mp4") + "\n",
        "json": json.dumps(
            [{"video": "a.mp4", "question": "Describe the camera movement in this video.", "answer": "pans"}]
        ),
        "tsv": f"{HEADER}\n{_row()}\n",
    }[kind]
    path = tmp_path / f"labels.{kind}"
    path.write_bytes((data + text).encode(encoding))
    reader = {"jsonl": read_binary_file, "json": read_caption_file, "tsv": read_mcq_table}[kind]
    with pytest.raises(FileFormatError) as err:
        reader(path)
    assert what is not None and str(err.value).startswith(f"{path}:1: is {what}")
    assert str(err.value).endswith(", not UTF-8: save it as UTF-8")


def test_a_compressed_file_is_not_called_utf16(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / PAN.file
    path.write_bytes(gzip.compress((_binary_line("a.mp4") + "\n").encode()))
    with pytest.raises(FileFormatError, match=r"Pan_Left\.jsonl:1: not UTF-8 text: byte 0x8b at column 2$"):
        read_binary_file(path)


def test_utf8_files_with_and_without_a_utf8_mark_still_read(tmp_path: Path) -> None:
    path = tmp_path / PAN.file
    text = _binary_line("a.mp4") + "\r\n" + _binary_line("b.mp4") + "\r\n"  # Windows line endings too
    path.write_bytes(text.encode())
    plain = read_binary_file(path)
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert read_binary_file(path) == plain and [r.image for r in plain] == ["a.mp4", "b.mp4"]


# --- run folders -----------------------------------------------------------------------------


def test_a_method_whose_scores_file_is_a_broken_link_is_not_silently_left_out(tmp_path: Path) -> None:
    """Was: the run read as method ``a`` alone; ``b`` vanished from the comparison without a word."""
    run = tmp_path / "run"
    (run / "a").mkdir(parents=True)
    (run / "a" / "scores.jsonl").write_text("")
    (run / "b").mkdir()
    (run / "b" / "scores.jsonl").symlink_to(tmp_path / "moved" / "b" / "scores.jsonl")
    with pytest.raises(
        FileFormatError,
        match=r"/b/scores\.jsonl: is a symbolic link to '.*/moved/b/scores\.jsonl', which does not exist",
    ):
        read_run(run)
    (run / "b" / "scores.jsonl").unlink()
    (run / "b" / "scores.jsonl").write_text("")
    assert sorted(read_run(run)) == ["a", "b"]
