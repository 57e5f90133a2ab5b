"""Every notebook runs top to bottom on the public API, is committed without outputs, and computes
what it says it does.

Each notebook ends by writing the figures it computed to ``summary.json`` in its output folder and
printing them as ``SUMMARY {json}`` for the reader. The test executes the notebook (nbclient, on the
small synthetic set the notebook builds) and checks the file's figures with the notebook's entry in
``CHECKS``; a notebook without an entry fails, so a new notebook needs one. The file, not the printed
line, is what is checked: with ipykernel 7 a print in the last cell reached nbclient in most runs but
not in one CI run (no SUMMARY line, no error), so the printed line is compared with the file only
when it arrived.

A notebook's entry in ``RERUNS`` appends cells that run, in the same kernel after the notebook's
own cells, some of its cells again as a user would (with other settings): a check of what a rerun
does that costs no second execution. The small helpers the notebooks define are checked on their
own (``_notebook_function``) on what the small synthetic sets never show (a primitive without
labels, two methods' bars, a failing command).
"""

from __future__ import annotations

import ast
import contextlib
import io
import itertools
import json
import logging
import logging.handlers
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nbformat
import pandas as pd
import pytest
from matplotlib.figure import Figure
from nbclient import NotebookClient

from camerabench.cli import main as camerabench_main
from camerabench.eval.evaluate import primitive_order
from camerabench.eval.plots import plot_grouped_bars
from camerabench.synth.presets import KNOBS

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))

#: Hard-preset knobs (the notebook's first 16 clips of the preset have one clip of each).
HARD_KNOBS = set(KNOBS)


def _check_sfm_failure_cases(s: dict[str, Any]) -> None:
    assert set(s["knobs"]) == HARD_KNOBS | {"clean (standard preset)"}
    assert 0 < s["clean_mean_ap"] <= 100 and 0 < s["hard_mean_ap"] <= 100
    assert 0 <= s["clean_ape_rot_deg"] < 5  # fast's rotation error on clean clips is a fraction of a degree
    assert s["worst"] > 0  # fast misranks some hard clips: the gallery is not empty


def _check_sfm_vs_vlm(s: dict[str, Any]) -> None:
    assert s["methods"] == ["fast", "qwen-vl"]
    assert all(0 < v <= 100 for v in s["mean_ap"].values())
    assert s["primitives"] == 15 and s["unlabelled"] == []
    assert 0 < s["top_disagreement"] <= 1
    # every family has clips that show exactly one of its two look-alikes, for both methods
    assert len(s["confusion_clips"]) == 6 and all(n >= 2 for n in s["confusion_clips"].values())


def _check_calibration_and_fusion(s: dict[str, Any]) -> None:
    assert s["calibration_source"] == "cross-fitted"
    assert set(s["maps"]) <= {"platt", "isotonic", "undefined"} and s["maps"]
    assert 0 <= s["brier"] <= 0.25 and 0 <= s["ece"] <= 1
    assert s["uncalibrated_recorded"] == pytest.approx(s["vqa_acc_before"])
    assert 0 <= s["vqa_acc_after"] <= 1
    assert 0 < s["fusion_mean_ap"] <= 100
    assert s["input_mean_ap"]["fast"] > s["input_mean_ap"]["dummy"]
    assert s["fusion_model"].startswith("fusion-fast+dummy-3folds-")  # named by its settings and content


CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "sfm_failure_cases.ipynb": _check_sfm_failure_cases,
    "sfm_vs_vlm.ipynb": _check_sfm_vs_vlm,
    "calibration_and_fusion.ipynb": _check_calibration_and_fusion,
}


def _cells(nb: Any) -> dict[str, str]:
    """Code cell id -> source."""
    return {cell.id: cell.source for cell in nb.cells if cell.cell_type == "code"}


def _calibration_reruns(nb: Any) -> list[str]:
    """Cells appended to calibration_and_fusion: its predict cell and its fusion cell run again."""
    cells = _cells(nb)
    predict, fusion = cells["6e98df83"], cells["e6412398"]
    return [
        # red team R74: the predict cell deleted RUN/fast/calibration.json to measure the raw scores
        "calibration_file = RUN / 'fast' / 'calibration.json'\n"
        "calibration_kept = calibration_file.read_bytes()\n"
        f"{predict}\n"
        "assert calibration_file.read_bytes() == calibration_kept, 'the rerun changed or deleted the calibration'",
        # red team R74: other FOLDS retrained the model in place (--overwrite), and predict --resume then
        # refused the run of the earlier model (a bare AssertionError), the earlier model gone
        "earlier, earlier_run = FUSION, FUSION_RUN\n"
        "earlier_model = (earlier / 'fusion.json').read_bytes()\n"
        "earlier_scores = (earlier_run / 'fusion' / 'scores.jsonl').read_bytes()\n"
        "FOLDS = 2\n"
        f"{fusion}\n"
        "assert FUSION != earlier and FUSION.name.startswith('fusion-fast+dummy-2folds-'), FUSION\n"
        "assert (earlier / 'fusion.json').read_bytes() == earlier_model, 'the earlier model changed'\n"
        "assert (earlier_run / 'fusion' / 'scores.jsonl').read_bytes() == earlier_scores, 'its scores changed'\n"
        "assert final.methods['fusion'].binary.failed == 0 and 0 < binary['fusion'].mean_ap <= 1\n"
        "assert sorted(p.name for p in (OUT / 'fusion-models').iterdir()) == sorted([earlier.name, FUSION.name])",
    ]


#: Notebook -> the cells to append to it (built from its own cells).
RERUNS: dict[str, Callable[[Any], list[str]]] = {"calibration_and_fusion.ipynb": _calibration_reruns}


def _notebook_function(name: str, function: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    """The function ``function`` a code cell of notebook ``name`` defines, defined in ``namespace``
    (the names it uses), without running the rest of the notebook."""
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    defs = [
        node
        for source in _cells(nb).values()
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef) and node.name == function
    ]
    assert len(defs) == 1, f"{name}: {len(defs)} definitions of {function}()"
    exec(compile(ast.Module(body=defs, type_ignores=[]), f"{name}:{function}", "exec"), namespace)
    found: Callable[..., Any] = namespace[function]
    return found


def test_ap_table_keeps_a_primitive_without_labels() -> None:
    """sfm_vs_vlm: a primitive without labels is a NaN row, named, not left out (red team R74)."""
    ap_table = _notebook_function("sfm_vs_vlm.ipynb", "ap_table", {"pd": pd})
    order = primitive_order()
    labelled = [p for p in order if p != "Roll_Clockwise"]
    a = SimpleNamespace(per_primitive={p: 0.5 for p in labelled} | {"Static": math.nan}, mean_ap=0.5)
    b = SimpleNamespace(per_primitive={p: 0.25 for p in labelled}, mean_ap=0.25)
    table, unlabelled = ap_table({"a": a, "b": b}, order)
    assert list(table.index) == [*order, "mean"]
    assert unlabelled == ["Roll_Clockwise"]
    assert table.loc["Roll_Clockwise"].isna().all()
    assert math.isnan(table.loc["Static", "a"]) and table.loc["Static", "b"] == 25  # undefined: NaN too
    assert table.loc["Move_In", "a"] == 50 and table.loc["mean"].tolist() == [50, 25]


@pytest.mark.parametrize("methods", [1, 2, 3])
def test_knob_bars_side_by_side(methods: int) -> None:
    """sfm_failure_cases: each method's bars of a knob lie side by side in its slot, whatever the number
    of methods (red team R74: two methods' bars were drawn over each other)."""

    def subplots(*args: Any, figsize: Any = None, **kwargs: Any) -> Any:  # pyplot's, without pyplot's backend
        fig = Figure(figsize=figsize)
        return fig, fig.subplots(*args, **kwargs)

    nb = nbformat.read(NOTEBOOK_DIR / "sfm_failure_cases.ipynb", as_version=4)
    source = _cells(nb)["dc154541"]
    knobs = ["clean (standard preset)", "motion_blur", "tracking"]
    names = [f"m{k}" for k in range(methods)]
    rows = [
        {"method": m, "knob": knob, "mean AP": 10.0 + i + 10 * j, "APE rot (deg)": 1.0 + i + j}
        for i, m in enumerate(names)
        for j, knob in enumerate(knobs)
    ]
    plt = SimpleNamespace(subplots=subplots)
    namespace: dict[str, Any] = {"table": pd.DataFrame(rows), "plt": plt, "plot_grouped_bars": plot_grouped_bars}
    exec(compile(source, "sfm_failure_cases.ipynb:dc154541", "exec"), namespace)
    axes = namespace["fig"].axes
    assert len(axes) == 2
    for ax in axes:
        bars = sorted((p.get_x(), p.get_x() + p.get_width()) for p in ax.patches)
        assert len(bars) == methods * len(knobs)
        # no two bars overlap, and each knob's bars lie in its own slot of the x axis, none in the next
        assert all(right <= left + 1e-9 for (_, right), (left, _) in itertools.pairwise(bars))
        for j in range(len(knobs)):
            assert len([b for b in bars if j - 0.5 < b[0] and b[1] < j + 0.5]) == methods, (j, bars)


def test_cli_helper_raises_with_the_commands_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """calibration_and_fusion: a command that fails stops the cell with an error quoting what the
    command wrote, not a bare AssertionError (red team R74), whether the session's logging has
    handlers of its own (pytest's: the command's log goes to them) or none (a kernel's: to stderr)."""
    namespace = {"io": io, "contextlib": contextlib, "logging": logging, "sys": sys, "camerabench": camerabench_main}
    cli = _notebook_function("calibration_and_fusion.ipynb", "cli", namespace)
    missing = tmp_path / "no-dataset"
    argv = ("train", "--method", "fusion", "--data", missing, "--run", tmp_path, "--inputs", "fast", "--out", tmp_path)
    said = r"(?s)exit code 1\):\n[^\n]*no-dataset: dataset folder not found$"  # said once
    with pytest.raises(RuntimeError, match=said):
        cli(*argv)
    root = logging.getLogger()
    handlers = root.handlers[:]
    for handler in handlers:
        root.removeHandler(handler)
    try:
        with pytest.raises(RuntimeError, match=said):
            cli(*argv)
    finally:
        for handler in handlers:
            root.addHandler(handler)
    assert "ERROR camerabench: " in capsys.readouterr().err  # shown as the command writes it
    with pytest.raises(RuntimeError, match=r"(?s)exit code 2\):\nusage: .*--folds: must be an integer >= 2"):
        cli("train", "--method", "fusion", "--data", missing, "--out", tmp_path, "--folds", "1")  # argparse's exit
    assert "--folds: must be an integer" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_every_notebook_is_checked() -> None:
    assert NOTEBOOKS
    assert {p.name for p in NOTEBOOKS} == set(CHECKS)


def _summary(nb: Any, out: Path, name: str) -> dict[str, Any]:
    path = out / "summary.json"
    assert path.is_file(), f"{name}: the last cell did not write {path.name}"
    summary: dict[str, Any] = json.loads(path.read_text())
    printed = [
        line
        for cell in nb.cells
        if cell.cell_type == "code"
        for out_ in cell.outputs
        if out_.get("output_type") == "stream"
        for line in out_.get("text", "").splitlines()
        if line.startswith("SUMMARY ")
    ]
    assert len(printed) <= 1, f"{name}: {len(printed)} SUMMARY lines"
    if printed:
        same = json.loads(printed[0].removeprefix("SUMMARY ")) == summary
        assert same, f"{name}: the printed and the written summaries differ"
    return summary


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes_and_is_clean(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMERABENCH_NOTEBOOK_OUT", str(tmp_path / "work"))  # the kernel inherits it
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path.name}: commit notebooks without outputs"
    if path.name in RERUNS:
        nb.cells += [nbformat.v4.new_code_cell(source) for source in RERUNS[path.name](nb)]
    start = time.monotonic()
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [
        out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs if out.output_type == "error"
    ]
    assert not errors
    # every cell that draws shows its figure (red team R74: matplotlib.use('Agg') in the first cell hid them all)
    drawing = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and "plt.subplots(" in cell.source]
    shown = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and any("image/png" in out.get("data", {}) for out in cell.outputs)
    ]
    assert drawing and shown == drawing, f"{path.name}: cells {drawing} draw, cells {shown} show a figure"
    summary = _summary(nb, tmp_path / "work", path.name)
    assert all(not isinstance(v, float) or math.isfinite(v) for v in summary.values()), summary
    CHECKS[path.name](summary)
    assert any((tmp_path / "work").iterdir())  # the notebook wrote where it was told, not to a new temp folder
    print(f"{path.name}: {time.monotonic() - start:.1f} s")
