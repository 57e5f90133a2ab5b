"""Hostile run folders and manifests of red team R82.

1. A method folder whose name starts with a dot (``RUN/..alt..``, ``RUN/.old-run``) holding a
   valid scores.jsonl was left out of ``evaluate`` without a word; a run copied into a method
   folder (``RUN/alt/inner/scores.jsonl``) was neither read nor mentioned.
2. A knob named ``none`` (the group of the clean clips) was refused only after every method had
   been evaluated, naming a bare ``manifest.json`` and no line.
3. Scores of -1e308 and 1e308 printed scikit-learn's raw numpy "overflow encountered in subtract"
   (its ``np.diff`` of neighbouring scores) about twenty times in one evaluation.
4. ``"n_bootstrap": 0`` stood beside a p-value from 200 permutations (every primitive's class on
   one video: no interval), with nothing saying that it counts the interval's replicates only.
"""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.eval.ap import average_precision, roc_auc
from camerabench.eval.binary import ResolvedSamples, compare_methods
from camerabench.eval.gallery import _knobs_by_video
from camerabench.eval.knobs import knob_section
from camerabench.locks import LOCK_FILE
from camerabench.records import ScoreRecord
from camerabench.runfolder import REPORT_MARKER, read_run

QUESTION = "Does the camera pan to the left?"


def _method(folder: Path, method: str) -> Path:
    folder.mkdir(parents=True)
    rec = ScoreRecord("a.mp4", QUESTION, method, 0.5, "ok", None, None)
    (folder / "scores.jsonl").write_text(json.dumps(rec.to_dict()) + "\n")
    return folder


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


# --- 1. hidden method folders and runs nested in a method folder ---------------------------------


@pytest.mark.parametrize("hidden", ["..alt..", ".old-run"])
def test_a_hidden_folder_holding_run_files_is_named_and_hidden_clutter_stays_silent(
    hidden: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = tmp_path / "run"
    _method(run / "fast", "fast")
    _method(run / hidden, "alt")
    (run / ".cache").mkdir()  # hidden, no run file: silent, as before
    (run / ".cache" / "blob.bin").write_bytes(b"\0")
    (run / LOCK_FILE).write_text("")  # the package's own hidden files are files: silent
    (run / REPORT_MARKER).write_text("")
    (run / ".scores.jsonl.1a2b3c4d.tmp").write_text("")  # an atomic write's temporary file
    with caplog.at_level(logging.WARNING):
        methods = read_run(run)
    assert list(methods) == ["fast"]  # still not evaluated: hidden entries stay out
    warned = _warnings(caplog)
    assert warned == [
        f"{run / hidden}: a hidden folder (its name starts with '.') holding scores.jsonl is not evaluated: hidden "
        "entries of a run folder are left out; rename it without the leading '.' to evaluate it as a method"
    ]


def test_a_run_copied_into_a_method_folder_is_named(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    run = tmp_path / "run"
    alt = _method(run / "alt", "alt")
    _method(alt / "inner", "alt")
    (alt / "inner" / "run.json").write_text("{}")  # not read: only named
    (alt / "trajectories").mkdir()  # the method's own folder: not a nested run
    (alt / "notes").mkdir()  # no run file: silent
    (alt / "notes" / "todo.txt").write_text("x")
    with caplog.at_level(logging.WARNING):
        methods = read_run(run)
    assert list(methods) == ["alt"] and methods["alt"].scores is not None and len(methods["alt"].scores) == 1
    (warned,) = _warnings(caplog)
    assert warned.startswith(f"{alt}: holds the folder inner/ with scores.jsonl, run.json, which is not read")
    assert "move it into the run folder as a method folder of its own" in warned


# --- 2. a knob named none, refused up front with the manifest's path and line --------------------


def test_a_knob_named_none_is_refused_when_the_manifest_is_read(tmp_path: Path) -> None:
    clips = [{"video": "a.mp4", "knobs": {"blur": False}}, {"video": "b.mp4", "knobs": {"blur": True, "none": True}}]
    (tmp_path / "manifest.json").write_text(json.dumps({"clips": clips}, indent=1))
    text = (tmp_path / "manifest.json").read_text().splitlines()
    line = next(i for i, row in enumerate(text, 1) if '"none"' in row)
    with pytest.raises(FileFormatError) as info:
        Dataset(tmp_path).manifest  # noqa: B018 - reading it is the check
    assert str(info.value) == (
        f"{tmp_path / 'manifest.json'}:{line}: clips[1].knobs['none'] is turned on, but 'none' is the name of the "
        "group of clips with no knob on (the clean clips): rename the knob"
    )
    clips[1]["knobs"]["none"] = False  # off: no group of that name is made, as clip_groups reads it
    (tmp_path / "manifest.json").write_text(json.dumps({"clips": clips}))
    assert Dataset(tmp_path).manifest["clips"][1]["knobs"] == {"blur": True, "none": False}


def test_knob_section_names_the_manifest_it_is_given(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = str(tmp_path / "data" / "manifest.json")
    res = ResolvedSamples(np.array([True, False]), np.array([0.9, 0.1]), ["a.mp4", "b.mp4"])
    manifest = {
        "clips": [
            {"video": "a.mp4", "knobs": {"blur": True, "dark": False}, "failure_mode": "dark"},
            {"video": "b.mp4", "knobs": {}},
        ]
    }
    with caplog.at_level(logging.WARNING), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the undefined APs of two-clip groups
        knob_section({"m": {"Pan_Left": res}}, manifest, path=path)
    assert any(w.startswith(f"{path}: clips[0] (video 'a.mp4') has the failure_mode 'dark'") for w in _warnings(caplog))
    with pytest.raises(FileFormatError, match=r"a knob named 'none' is turned on") as info:
        knob_section({}, {"clips": [{"video": "a.mp4", "knobs": {"none": True}}]}, path=path)
    assert str(info.value).startswith(f"{path}: ")
    # the report's gallery reads the same groups: its warnings name the manifest too (were 'manifest.json')
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        knobs = _knobs_by_video(manifest, path)
    assert knobs == {"a.mp4": ("blur", "dark"), "b.mp4": ("none",)}  # failure_mode names a group, warned
    assert any(w.startswith(f"{path}: clips[0] (video 'a.mp4') has the failure_mode 'dark'") for w in _warnings(caplog))


# --- 3. scores near the float limit: no raw numpy overflow warning, the same AP -----------------


def test_scores_near_the_float_limit_give_the_ap_of_their_order_without_an_overflow_warning() -> None:
    y = np.array([1, 0, 1, 0, 0, 1, 0, 0], dtype=bool)
    huge = np.array([-1e308, 1e308, -1e308, 1e308, -1.7e308, 1e308, 1.7e308, -1e308])
    # the same order and ties at small magnitudes: sklearn's own AP and AUC, computed without overflow
    small = np.array([-1.0, 1.0, -1.0, 1.0, -2.0, 1.0, 2.0, -1.0])
    with pytest.warns(RuntimeWarning, match="overflow"):  # what the AP was computed through before
        average_precision_score(y, huge)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        ap, auc = average_precision(y, huge), roc_auc(y, huge)
    assert ap == average_precision_score(y, small) and auc == roc_auc_score(y, small)
    assert (ap, auc) != (1.0, 1.0)  # ties broken as a tie, not as an order
    rng = np.random.default_rng(3)
    s = rng.normal(size=40)
    labels = rng.random(40) < 0.4
    assert average_precision(labels, s) == average_precision_score(labels, s)
    assert roc_auc(labels, s) == roc_auc_score(labels, s)


# --- 4. what a comparison's n_bootstrap counts, beside a p-value from permutations --------------


def test_a_comparison_without_interval_says_its_p_value_rests_on_permutations() -> None:
    videos = [f"v{i}.mp4" for i in range(8)]
    y = np.array([True] + [False] * 7)  # the one positive on one video: no interval
    a = {"Pan_Left": ResolvedSamples(y, np.linspace(1.0, 0.0, 8), videos)}
    b = {"Pan_Left": ResolvedSamples(y, np.linspace(0.0, 1.0, 8), videos)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the ThinClassWarning, tested elsewhere
        comp = compare_methods("a", "b", a, b, n_bootstrap=200, seed=0)
    assert comp.n_bootstrap == 0 and np.isnan(comp.ci95[0]) and 0 < comp.p_value < 1
    assert comp.note is not None and comp.note.endswith(
        "n_bootstrap (0) counts the bootstrap replicates the interval rests on (none: no interval); the p-value "
        "rests on 200 random swaps of the two methods' scores over the 8 common videos"
    )
    # 4 videos have 16 swaps, fewer than 200: the exact test over all of them
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        few = compare_methods("a", "b", _first(a, 4), _first(b, 4), n_bootstrap=200, seed=0)
    assert few.note is not None and "the p-value rests on all 16 swaps (exact)" in few.note
    assert abs(few.p_value * 16 - round(few.p_value * 16)) < 1e-9  # a multiple of 1/16: every swap counted


def _first(per: dict[str, ResolvedSamples], n: int) -> dict[str, ResolvedSamples]:
    return {k: ResolvedSamples(r.labels[:n], r.scores[:n], r.videos[:n]) for k, r in per.items()}


def test_a_comparison_whose_counts_agree_gets_no_such_note() -> None:
    rng = np.random.default_rng(0)
    videos = [f"v{i}.mp4" for i in range(30)]
    y = np.arange(30) % 3 == 0
    a = {"Pan_Left": ResolvedSamples(y, rng.normal(size=30) + y, videos)}
    b = {"Pan_Left": ResolvedSamples(y, rng.normal(size=30), videos)}
    comp = compare_methods("a", "b", a, b, n_bootstrap=200, seed=0)
    assert comp.n_bootstrap == 200 and comp.note is None
