"""Stop 46 (red team R37): a UTF-8 file name under an ASCII file-system encoding, and two ok records
of one (video, question) that differ.

1. With ``LC_ALL=C PYTHONUTF8=0`` Python decodes file names as ASCII, so a valid UTF-8 name looked
   "not valid UTF-8; rename it": the error now says the name is UTF-8 and what to set.
2. A records file with two different ok records of one key used the later one with a warning that
   only counted repeats; the warning now names the key, both lines, and that the results differ.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from camerabench.runfolder import read_method

_CHILD = """
import sys
from camerabench.dataset import Dataset
from camerabench.errors import CameraBenchError
try:
    Dataset(sys.argv[1]).videos()
except CameraBenchError as exc:
    print("ERROR", exc)
print("ENCODING", sys.getfilesystemencoding())
"""


def _dataset_with_name(root: Path, raw_name: bytes) -> Path:
    (root / "labels").mkdir(parents=True)
    videos = root / "videos"
    videos.mkdir()
    with open(os.path.join(os.fsencode(videos), raw_name), "wb") as f:
        f.write(b"\0")
    return root


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("日本語 ünï.mp4".encode(), "is UTF-8, but this Python reads file names as ascii"),
        (b"clip_\xff.mp4", "is not valid UTF-8; rename it"),  # really not UTF-8: the old message
    ],
)
def test_a_name_unreadable_under_an_ascii_locale_is_named_as_such(tmp_path: Path, raw: bytes, says: str) -> None:
    root = _dataset_with_name(tmp_path / "ds", raw)
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(root)], capture_output=True, text=True, env=env, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ENCODING ascii" in done.stdout, done.stdout  # the locale this test means to set up
    error = next(line for line in done.stdout.splitlines() if line.startswith("ERROR"))
    assert says in error
    if raw.startswith("日".encode()):
        assert ascii("日本語 ünï.mp4") in error and "PYTHONUTF8=1" in error


def _record(video: str, question: str, score: float | None, status: str = "ok") -> str:
    rec: dict[str, object] = {"video": video, "question": question, "method": "fast", "score": score, "status": status}
    if status == "failed":
        rec["reason"] = "no frames"
    return json.dumps(rec)


def test_two_different_ok_records_of_one_key_are_named_with_their_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "run" / "fast"
    folder.mkdir(parents=True)
    lines = [
        _record("a.mp4", "Does the camera pan left?", 0.0),
        _record("a.mp4", "Does the camera pan right?", 1.0),
        _record("a.mp4", "Does the camera pan right?", 1.0),  # an exact repeat: no conflict
        _record("b.mp4", "Does the camera pan left?", None, "failed"),
        _record("b.mp4", "Does the camera pan left?", 0.5),  # ok after failed: a retry, no conflict
        _record("a.mp4", "Does the camera pan left?", 100.0),  # differs from line 1
    ]
    (folder / "scores.jsonl").write_text("\n".join(lines) + "\n")
    with caplog.at_level(logging.WARNING):
        run = read_method(folder)
    assert run.scores is not None and run.duplicates == 3
    assert run.scores[("a.mp4", "Does the camera pan left?")].score == 100.0  # the later line, as before
    conflicts = [r.getMessage() for r in caplog.records if "different results" in r.getMessage()]
    assert len(conflicts) == 1
    assert "1 (video, question) pairs recorded twice with different results" in conflicts[0]
    assert "a.mp4 / Does the camera pan left? (lines 1 and 6)" in conflicts[0]
    assert "pan right" not in conflicts[0] and "b.mp4" not in conflicts[0]
