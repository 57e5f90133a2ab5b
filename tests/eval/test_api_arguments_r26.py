"""R26: the public evaluation entry points check their arguments at the door.

``evaluate(n_bootstrap=-1)`` and ``write_report(n_bootstrap=-3)`` wrote a metrics.json that
``read_metrics`` then refused; ``n_bootstrap=1.5 / '10' / True`` and ``seed='x' / -1`` stopped deep
inside the bootstrap; ``write_report(d1, r1, evaluation=<of d4/r4>, n_bootstrap=50)`` silently
reported d4/r4 without intervals; the command line refused ``--bootstrap 0`` that the library and
the notebooks use; ``run_predict`` told a Python caller to "pass --resume"; ``camerabench.cli.main``
left a root stderr handler at INFO and warnings captured by logging in the calling process; the
sfm_vs_vlm notebook ranked tied scores by file order.
"""

from __future__ import annotations

import ast
import json
import logging
import math
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nbformat
import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

from camerabench.cli import main
from camerabench.cli.evaluate import MAX_BOOTSTRAP
from camerabench.errors import CameraBenchError
from camerabench.eval.evaluate import MAX_N_BOOTSTRAP, evaluate, evaluate_run
from camerabench.eval.report import write_report
from camerabench.eval.results import read_metrics
from camerabench.jobs.runner import run_predict
from camerabench.taxonomy import Primitive

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

BAD_COUNTS = [
    (-1, ValueError),
    (MAX_N_BOOTSTRAP + 1, ValueError),
    (1.5, TypeError),
    (10.0, TypeError),
    ("10", TypeError),
    (True, TypeError),
    (None, TypeError),
]
BAD_SEEDS = [("x", TypeError), (-1, ValueError), (0.5, TypeError), (False, TypeError), (2**63, ValueError)]


@pytest.fixture(scope="module")
def ev(six_videos: Path, dummy_run: Path) -> Any:
    return evaluate(six_videos, dummy_run, n_bootstrap=0, captions_minilm=False)


@pytest.mark.parametrize(("value", "error"), BAD_COUNTS)
def test_a_bad_resample_count_is_refused_by_name_before_reading(tmp_path: Path, value: Any, error: type) -> None:
    # folders that do not exist: the argument is refused before anything is read
    for call in (evaluate, evaluate_run):
        with pytest.raises(error, match=r"n_bootstrap must be an integer from 0 to 100000"):
            call(tmp_path / "no-data", tmp_path / "no-run", n_bootstrap=value)
    if value is None:  # write_report's default: DEFAULT_N_BOOTSTRAP, or the evaluation's
        return
    out = tmp_path / "report"
    with pytest.raises(error, match=r"n_bootstrap must be an integer from 0 to 100000"):
        write_report(tmp_path / "no-data", tmp_path / "no-run", out, n_bootstrap=value)
    assert not out.exists()  # refused before the folder was made


@pytest.mark.parametrize(("value", "error"), BAD_SEEDS)
def test_a_bad_seed_is_refused_by_name_before_reading(tmp_path: Path, value: Any, error: type) -> None:
    with pytest.raises(error, match=r"seed must be an integer from 0 to "):
        evaluate(tmp_path / "no-data", tmp_path / "no-run", n_bootstrap=5, seed=value)
    with pytest.raises(error, match=r"seed must be an integer from 0 to "):
        write_report(tmp_path / "no-data", tmp_path / "no-run", tmp_path / "report", seed=value)


def test_a_missing_folder_argument_is_named(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"data_dir must be a folder \(a str or a path\), got NoneType None"):
        evaluate(None, tmp_path, n_bootstrap=0)
    with pytest.raises(TypeError, match=r"run_dir must be a folder"):
        evaluate(tmp_path, None, n_bootstrap=0)
    with pytest.raises(TypeError, match=r"data_dir must be a folder"):
        write_report(None, tmp_path, tmp_path / "report")  # no evaluation to take it from


def test_the_cli_and_the_library_share_the_cap(six_videos: Path, dummy_run: Path) -> None:
    assert MAX_BOOTSTRAP == MAX_N_BOOTSTRAP
    r = evaluate(six_videos, dummy_run, n_bootstrap=np.int64(0), seed=np.int32(3), captions_minilm=False).result
    assert (type(r.n_bootstrap), type(r.seed), r.n_bootstrap, r.seed) == (int, int, 0, 3)  # numpy integers taken


def test_zero_resamples_are_written_and_read_back_as_no_interval(ev: Any, tmp_path: Path) -> None:
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(ev.result.to_json()))
    back = read_metrics(path)  # the file the package writes is one it reads
    assert back.n_bootstrap == 0
    lo, hi = back.methods["dummy"].binary.ci95.mean_ap
    assert math.isnan(lo) and math.isnan(hi)  # undefined, not a zero-width interval around the mean
    assert json.loads(path.read_text())["methods"]["dummy"]["binary"]["ci95"]["mean_ap"] == [None, None]


def test_a_report_from_an_evaluation_refuses_contradicting_arguments(
    ev: Any, six_videos: Path, dummy_run: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other-data"
    other.mkdir()
    cases: list[tuple[tuple[Path, Path], dict[str, Any], str]] = [
        ((other, dummy_run), {}, r"data_dir .*other-data is not the folder the evaluation read"),
        ((six_videos, tmp_path), {}, r"run_dir .* is not the folder the evaluation read"),
        ((six_videos, dummy_run), {"n_bootstrap": 50}, r"n_bootstrap=50 but the evaluation has n_bootstrap=0"),
        ((six_videos, dummy_run), {"seed": 1}, r"seed=1 but the evaluation has seed=0"),
        ((six_videos, dummy_run), {"failed": "drop"}, r"failed='drop' but the evaluation has failed='lowest'"),
    ]
    for (data, run), kw, message in cases:
        out = tmp_path / "report"
        with pytest.raises(CameraBenchError, match=message):
            write_report(data, run, out, evaluation=ev, gallery=0, **kw)
        assert not out.exists()  # refused before anything was written
    # the same folders spelt otherwise, the evaluation's own settings, or nothing: the evaluation's report
    relative = Path(*[".."] * len(Path.cwd().parts)) / six_videos.relative_to("/")
    md = write_report(relative, dummy_run, tmp_path / "a", evaluation=ev, n_bootstrap=0, seed=0, gallery=0)
    assert json.loads((md.parent / "metrics.json").read_text())["n_bootstrap"] == 0
    assert write_report(None, None, tmp_path / "b", evaluation=ev, gallery=0).is_file()


def test_the_cli_takes_zero_resamples_as_the_library_does(
    six_videos: Path, dummy_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evaluate", "--data", str(six_videos), "--run", str(dummy_run), "--json", "--bootstrap", "0"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["n_bootstrap"] == 0 and doc["methods"]["dummy"]["binary"]["ci95"]["mean_ap"] == [None, None]
    assert main(["evaluate", "--data", str(six_videos), "--run", str(dummy_run), "--bootstrap", "0"]) == 0
    assert "[n/a, n/a]" in capsys.readouterr().out  # not an interval of width 0
    for bad in ("-1", str(MAX_BOOTSTRAP + 1), "1.5"):
        with pytest.raises(SystemExit):
            main(["evaluate", "--data", str(six_videos), "--run", str(dummy_run), "--bootstrap", bad])
        assert f"must be an integer from 0 to {MAX_BOOTSTRAP}, got '{bad}'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["evaluate", "--help"])
    assert "from 0 to 100000" in " ".join(capsys.readouterr().out.split())


def test_an_existing_run_names_both_ways_to_resume(six_videos: Path, tmp_path: Path) -> None:
    run_predict(six_videos, "dummy", tmp_path / "run", progress=False)
    with pytest.raises(CameraBenchError, match=r"pass --resume \(resume=True from Python\)"):
        run_predict(six_videos, "dummy", tmp_path / "run", progress=False)
    assert run_predict(six_videos, "dummy", tmp_path / "run", progress=False, resume=True) is not None


def _logging_state() -> tuple[list[logging.Handler], int, Any]:
    root = logging.getLogger()
    return list(root.handlers), root.level, warnings.showwarning


@pytest.mark.parametrize("fresh", [True, False], ids=["no-handler", "caller-handler"])
def test_main_in_process_gives_the_callers_logging_back(
    six_videos: Path, dummy_run: Path, tmp_path: Path, fresh: bool
) -> None:
    root = logging.getLogger()
    saved = _logging_state()
    try:
        root.handlers = [] if fresh else [logging.NullHandler()]
        root.setLevel(logging.WARNING)
        before = _logging_state()
        # evaluate turns on captureWarnings; a failing command (no such run) returns 1; a bad flag raises
        assert main(["evaluate", "--data", str(six_videos), "--run", str(dummy_run), "--bootstrap", "0"]) == 0
        assert _logging_state() == before
        assert main(["evaluate", "--data", str(six_videos), "--run", str(tmp_path / "nope")]) == 1
        assert _logging_state() == before
        with pytest.raises(SystemExit):
            main(["evaluate", "--bootstrap", "-5"])
        assert _logging_state() == before
        # and while the command ran, it had its set-up (the command line's behaviour)
        seen: list[Any] = []

        def record(args: Any) -> int:
            seen.append(_logging_state())
            return 0

        import camerabench.cli.taxonomy as taxonomy

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(taxonomy, "run", record)
            assert main(["taxonomy"]) == 0
        during = seen[0]
        assert during[1] == (logging.INFO if fresh else logging.WARNING)
        assert (len(during[0]) == 1) if fresh else during[0] == before[0]
        assert _logging_state() == before
    finally:
        root.handlers, level, warnings.showwarning = saved
        root.setLevel(level)


def _notebook_code(name: str, index: int) -> str:
    return str(nbformat.read(NOTEBOOKS / name, as_version=4).cells[index].source)


def _ranks_function() -> Any:
    """The sfm_vs_vlm notebook's own ``ranks`` (its cell, not a copy), over the evaluation ``ev``."""
    tree = ast.parse(_notebook_code("sfm_vs_vlm.ipynb", 6))
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "ranks")
    return fn, ast.Module(body=[fn], type_ignores=[])


def _run_ranks(
    resolved: dict[str, Any], videos: list[str], failed: dict[str, set[str]] | None = None
) -> tuple[dict[str, Any], Any]:
    _, module = _ranks_function()
    ev = SimpleNamespace(resolved=resolved, dataset=SimpleNamespace(videos=lambda: videos))
    # the videos each method failed on (the notebook reads them from the runs' records)
    ns: dict[str, Any] = {"ev": ev, "rankdata": rankdata, "failed": failed or {m: set() for m in resolved}}
    exec(compile(module, "sfm_vs_vlm.ipynb:ranks", "exec"), ns)
    return ns, ev


def test_the_notebooks_ranks_give_tied_scores_one_rank_whatever_the_file_order() -> None:
    scores, labels, videos = [0.0, 0.0, 0.7, 0.0, 0.2], [0, 1, 1, 0, 0], ["a", "b", "c", "d", "e"]
    results = {}
    for order in ([0, 1, 2, 3, 4], [3, 4, 1, 0, 2]):
        res = SimpleNamespace(
            scores=np.array([scores[i] for i in order]),
            labels=np.array([labels[i] for i in order]),
            videos=[videos[i] for i in order],
        )
        ns, _ = _run_ranks({"fast": {"Pan_Left": res}}, videos)
        results[tuple(order)] = {v: r[0] for (v, _), r in ns["ranks"]("fast").items()}
    first, second = results.values()
    assert first == second  # file order changes no rank (ordinal ranks gave a, b, d 0, 0.25, 0.5)
    # by hand: the three 0.0 share ranks 1-3 (average 2), then 0.2 is 4th and 0.7 5th; (rank - 1) / 4
    assert first == {"a": 0.25, "b": 0.25, "d": 0.25, "e": 0.75, "c": 1.0}


def test_the_notebooks_ranks_leave_out_a_clip_the_method_failed_on() -> None:
    """R74: a failed clip (evaluate ranks it lowest) took part in the ranks as if scored."""
    res = SimpleNamespace(
        scores=np.array([0.0, 0.3, 0.7, 0.1]), labels=np.array([0, 1, 1, 0]), videos=["a", "b", "c", "d"]
    )
    ns, _ = _run_ranks({"fast": {"Pan_Left": res}}, ["a", "b", "c", "d"], failed={"fast": {"a"}})
    assert {v: r[0] for (v, _), r in ns["ranks"]("fast").items()} == {"d": 0.0, "b": 0.5, "c": 1.0}


def test_the_notebooks_confusion_counts_a_tie_as_no_pick() -> None:
    move = "Move_Left"
    partner = Primitive(move).confusable[0].value  # Pan_Left
    # clip v1 shows the pan and gets 0.0 on both (no motion seen: no pick); v2 shows the move and ranks it higher
    clips = ["v1", "v2", "v3"]
    res_partner = SimpleNamespace(scores=np.array([0.0, 0.1, 0.5]), labels=np.array([1, 0, 0]), videos=clips)
    res_move = SimpleNamespace(scores=np.array([0.0, 0.9, 0.4]), labels=np.array([0, 1, 0]), videos=clips)
    ns, _ = _run_ranks({"fast": {partner: res_partner, move: res_move}}, ["v1", "v2", "v3"])
    ra = ns["ranks"]("fast")
    ns.update(A="fast", B="other", ra=ra, rb={}, pd=pd, Primitive=Primitive)
    exec(compile(_notebook_code("sfm_vs_vlm.ipynb", 8), "sfm_vs_vlm.ipynb:confusion", "exec"), ns)
    counts = ns["confusion"][("fast", "pan / truck")]
    assert counts.loc["shows pan", "tied"] == 1 and counts.loc["shows pan"].sum() == 1  # not "picks move"
    assert counts.loc["shows move", "picks move"] == 1 and counts.loc["shows move"].sum() == 1
