"""The main job: ``camerabench demo`` — synthesise, predict, caption, evaluate, report.

Everything goes under one output folder (default ``demo_out/``)::

    OUT/data/     the standard synthetic benchmark (regenerated only if missing)
    OUT/run/      one folder per method (scores, trajectories, captions, run.json)
    OUT/report/   report.md, report.html, metrics.json, CSVs and plots

Every step is resumable: run it again into the same ``OUT`` after an interruption (or a finished
demo) and finished work is kept: the dataset is reused, predictions and captions continue where
they stopped, and the report is written anew. A folder that holds anything else is refused, never
mixed in: files or folders beside data/, run/ and report/ (a run folder's method folders); a
dataset of another preset, clip count, seed, frame size or rate, or generator version; another
method's results; a folder inside a dataset or inside camerabench's own source.
"""

from __future__ import annotations

import logging
import operator
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from camerabench.dataset import Dataset
from camerabench.errors import CameraBenchError
from camerabench.jobs.runner import run_caption, run_predict
from camerabench.jobs.workers import check_workers
from camerabench.machine import usable_cpus
from camerabench.runfolder import SYNTH_INCOMPLETE_FILE, MethodFolder, check_lookable, resolve_path

if TYPE_CHECKING:
    from camerabench.eval.results import EvaluationResult

__all__ = ["DEMO_METHODS", "DemoResult", "run_demo"]

log = logging.getLogger(__name__)

#: Methods the demo runs, with the options that keep the whole job under 10 minutes on 2 cores.
DEMO_METHODS: dict[str, dict[str, Any]] = {
    "fast": {},
    "colmap": {"sample_fps": 5.0, "max_side": 256},
}


@dataclass
class DemoResult:
    out: Path
    data: Path
    run: Path
    report: Path
    metrics: EvaluationResult
    seconds: float


def _synth_options() -> dict[str, Any]:
    """The synthetic benchmark the demo renders and accepts: the standard preset's default seed,
    frame size and rate (the numbers the README reports)."""
    from camerabench.synth.presets import DEFAULT_FPS, DEFAULT_SEED, DEFAULT_SIZE

    return {"seed": DEFAULT_SEED, "size": DEFAULT_SIZE, "fps": DEFAULT_FPS}


def _check_existing_clips(data: Path, clips: int | None) -> None:
    """Refuse an existing dataset that is not the demo's (it is reused, not regenerated): another
    preset than ``standard`` (e.g. ``camerabench synth --preset hard --out OUT/data``), another
    number of clips than ``clips`` (when None, than the standard preset's full set), or another
    seed, frame size, frame rate or generator version than the demo renders (e.g.
    ``camerabench synth --seed 3 --out OUT/data``): its report would be read as the standard one.

    Raises:
        CameraBenchError: the dataset in ``data`` is not the one the demo would render.
    """
    from camerabench.synth.generate import GENERATOR_VERSION
    from camerabench.synth.presets import preset_specs

    synth = _synth_options()
    manifest = Dataset(data).manifest
    options = manifest.get("options")
    preset = options.get("preset") if isinstance(options, dict) else None
    if preset != "standard":  # the report would call it the standard benchmark
        raise CameraBenchError(
            f"{data / 'manifest.json'}: holds a synthetic dataset of preset {preset!r}, not the demo's 'standard': "
            "choose another --out, or remove that folder to regenerate it"
        )
    have = len(manifest.get("clips", []))
    if clips is None:  # the full set, as the demo would render it
        full = len(preset_specs("standard", None, synth["seed"]))
        if have != full:
            raise CameraBenchError(
                f"{data} holds {have} synthetic clips, not the standard preset's full set of {full}: "
                f"pass --clips {have} to continue with them, choose another --out, "
                "or remove that folder to regenerate it"
            )
    elif have != clips:
        raise CameraBenchError(
            f"{data} holds {have} synthetic clips, not the {clips} asked for: "
            "choose another --out, or remove that folder to regenerate it"
        )
    width, height = synth["size"]
    expected = {
        "generator version": (manifest.get("generator_version"), GENERATOR_VERSION),
        "seed": (manifest.get("seed"), synth["seed"]),
        "width": (options.get("width") if isinstance(options, dict) else None, width),
        "height": (options.get("height") if isinstance(options, dict) else None, height),
        "fps": (options.get("fps") if isinstance(options, dict) else None, synth["fps"]),
    }
    differences = [f"{name} {got!r}, not {want!r}" for name, (got, want) in expected.items() if got != want]
    if differences:
        raise CameraBenchError(
            f"{data / 'manifest.json'}: holds another synthetic dataset than the demo's ({'; '.join(differences)}): "
            "choose another --out, or remove that folder to regenerate it"
        )


def _check_other_methods(run: Path, methods: dict[str, dict[str, Any]]) -> None:
    """Refuse a run folder holding method folders the demo does not run (a run of another job
    copied or written there): its evaluation and report take every method folder of the run, so
    they would show that method beside the demo's, maybe scored on another dataset.

    Raises:
        CameraBenchError: ``run`` holds a method folder other than those of ``methods``.
    """
    if not run.is_dir():
        return
    others = sorted(
        p.name
        for p in run.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name not in methods and MethodFolder(p).holds_outputs()
    )
    if others:
        raise CameraBenchError(
            f"{run} holds the results of {len(others)} method(s) the demo does not run ({', '.join(others)}): "
            "its report would include them; choose another --out, or move them away"
        )


def _count(value: object) -> int | None:
    """``value`` as a Python ``int`` when it is an integer (``numpy.int64`` from a computed
    configuration included, as for ``workers``; a bool not), else None."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        return None


def _source_folders() -> list[Path]:
    """The folders of camerabench's own packages (``camerabench.eval`` and others live outside
    ``camerabench/`` in a source checkout), found without importing them."""
    import importlib.util

    folders = []
    for name in ("camerabench", "camerabench.taxonomy", "camerabench.baselines", "camerabench.eval"):
        spec = importlib.util.find_spec(name)
        folders += [Path(p).resolve() for p in (spec.submodule_search_locations or [])] if spec else []
    return folders


def _check_location(out: Path) -> None:
    """Refuse an ``out`` whose files would land where they do harm, before anything is written.

    Raises:
        CameraBenchError: ``out`` is inside camerabench's own source folder; is (inside) a
            synthetic dataset folder (``--out OUT/data``: the new dataset would be nested in the
            old one); is inside the videos, ground-truth or labels folder of any dataset (its
            videos would become that dataset's videos); or cannot be written (permission denied
            on it, on its data, run or report folder, or on the folder it would be created in).
    """
    from camerabench.runfolder import check_outside_dataset

    resolved = resolve_path(out)  # a link loop on the way: an error naming it
    for source in _source_folders():
        if resolved.is_relative_to(source):
            raise CameraBenchError(f"{out}: is inside camerabench's own source folder {source}; choose another --out")
    for folder in (resolved, *resolved.parents):
        if (folder / SYNTH_INCOMPLETE_FILE).exists() or (
            (folder / "manifest.json").is_file() and (folder / "labels").is_dir()
        ):  # a synthetic dataset (as the generator tells one): the demo's data would be nested in it
            raise CameraBenchError(
                f"{out}: is inside the synthetic dataset folder {folder}; choose an --out outside it"
            )
        if folder != resolved and (folder / "videos").is_dir() and (folder / "labels").is_dir():  # any dataset
            check_outside_dataset(resolved, folder, "demo folder")
    existing = next((p for p in (resolved, *resolved.parents) if p.exists()), None)
    targets = [existing] if existing is not None else []
    targets += [resolved / sub for sub in ("data", "run", "report") if (resolved / sub).is_dir()]
    for folder in targets:
        if not os.access(folder, os.W_OK | os.X_OK):
            raise CameraBenchError(f"{out}: cannot write there (permission denied on {folder}); choose another --out")


#: What a demo writes into its ``out`` (folders), what a file browser leaves in every folder it
#: shows (macOS Finder's ``.DS_Store`` and ``._*``, Windows Explorer's ``Thumbs.db`` and
#: ``desktop.ini``), and what an operating system puts at the top of a fresh disk or mount used as
#: ``--out`` (ext filesystems' ``lost+found``, macOS volumes' ``.Trashes``, ``.fseventsd`` and
#: ``.Spotlight-V100``, Windows' ``$RECYCLE.BIN`` and ``System Volume Information``).
_DEMO_FOLDERS = ("data", "run", "report")
_HOUSEKEEPING = re.compile(
    r"\.DS_Store|\._.+|Thumbs\.db|desktop\.ini|lost\+found|\.Trashes|\.fseventsd|\.Spotlight-V100|"
    r"\$RECYCLE\.BIN|System Volume Information"
)


def _check_contents(out: Path) -> None:
    """Refuse an existing ``out`` holding anything a demo does not write (``data/``, ``run/`` and
    ``report/`` only): ``demo --out RUN`` into a run folder (method folders ``dummy/``, ``fast/``)
    went on and added ``data/``, ``run/`` and ``report/`` beside them, mixed in with another job's
    results, though the demo says such a folder is refused.

    Raises:
        CameraBenchError: naming ``out`` and what it holds besides.
    """
    if not out.is_dir():
        return
    others = sorted(
        p.name + ("/" if p.is_dir() else "")
        for p in out.iterdir()
        if not (p.name in _DEMO_FOLDERS and p.is_dir()) and not _HOUSEKEEPING.fullmatch(p.name)
    )
    if not others:
        return
    methods = [name.rstrip("/") for name in others if name.endswith("/") and MethodFolder(out / name).holds_outputs()]
    kind = f" (it looks like a run folder: method folder(s) {', '.join(methods[:4])})" if methods else ""
    shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
    raise CameraBenchError(
        f"{out}: holds {shown}{kind}, which the demo does not write: a demo folder holds only data/, run/ "
        "and report/, never mixed in with other files; choose a new or empty --out (or a demo's own, to resume it)"
    )


def _check_arguments(out: Path, clips: int | None, methods: dict[str, dict[str, Any]]) -> None:
    """Refuse demo arguments that cannot run, before anything is logged or written (the synth
    step would refuse a clip count only after the demo announced it, and an unknown method only
    after the dataset was rendered).

    Raises:
        CameraBenchError: ``clips`` not an integer in [1, MAX_CLIPS]; ``out`` (or its data, run or
            report folder) a file, or through a link loop, or a path too long; ``out`` holding anything
            else than a demo writes (:func:`_check_contents`); ``methods`` empty, or
            naming an unknown method or options it does not take.
    """
    from camerabench.synth.generate import MAX_CLIPS  # the synth step's own bound

    if clips is not None:
        if _count(clips) is None or clips < 1:
            raise CameraBenchError(f"clips must be an integer >= 1, got {clips!r}")
        if clips > MAX_CLIPS:
            raise CameraBenchError(f"clips must be at most {MAX_CLIPS} (the synthetic benchmark's limit), got {clips}")
    for folder in (out, out / "data", out / "run", out / "report"):
        check_lookable(folder)  # a link loop on the way, a path too long: exists() raised a bare OSError traceback
        if folder.exists() and not folder.is_dir():
            raise CameraBenchError(f"{folder}: is a file, not a folder; choose another --out")
    _check_location(out)
    _check_contents(out)
    if not isinstance(methods, Mapping) or not methods:
        raise CameraBenchError(f"methods must name at least one method (method -> options), got {methods!r:.60}")
    from camerabench.baselines.registry import predictor_class

    for method, options in methods.items():
        if not isinstance(method, str):
            raise CameraBenchError(f"method names must be strings, got {method!r:.60}")
        if options is not None and not isinstance(options, Mapping):
            raise CameraBenchError(f"method {method!r}: options must be a mapping (name -> value), got {options!r:.60}")
        predictor_class(method)(options)  # an unknown method or option, a value out of range


def run_demo(
    out: str | Path = "demo_out",
    clips: int | None = None,
    workers: int | None = None,
    methods: dict[str, dict[str, Any]] | None = None,
    progress: bool = False,
) -> DemoResult:
    """Run the whole pipeline on the standard synthetic benchmark.

    Args:
        out: output folder.
        clips: number of synthetic clips (default: the standard preset's full set).
        workers: processes for rendering and prediction, an integer >= 1 (default: all cores).
        methods: method -> options (default :data:`DEMO_METHODS`).
    """
    t0 = time.perf_counter()
    if isinstance(out, str) and not out.strip():  # Path("") is the current folder
        raise CameraBenchError(f"out must be a folder path, got {out!r}")
    out = Path(out)
    data, run, report = out / "data", out / "run", out / "report"
    # given, it is checked like the jobs' own (0 would otherwise mean "all cores" without a word)
    workers = check_workers(workers) if workers is not None else usable_cpus()
    methods = DEMO_METHODS if methods is None else methods
    _check_arguments(out, clips, methods)
    clips = _count(clips) if clips is not None else None  # a plain int for the manifest and the checks
    _check_other_methods(run, methods)
    from camerabench.eval.report import check_report_folder

    check_report_folder(report)  # a report.md of one's own there (--out ~): refused now, not overwritten at the end

    from camerabench.eval import write_report  # after the checks: the report's plotting takes a second
    from camerabench.eval.evaluate import evaluate
    from camerabench.synth import generate_dataset

    step = "[1/4] generating the dataset"
    try:
        if (data / "manifest.json").is_file() and not (data / SYNTH_INCOMPLETE_FILE).exists():  # else regenerated
            _check_existing_clips(data, clips)
            log.info("using the existing synthetic dataset in %s", data)
        else:
            log.info("[1/4] generating the standard synthetic benchmark in %s", data)
            generate_dataset(data, clips=clips, preset="standard", workers=workers, **_synth_options())
        for i, (method, options) in enumerate(methods.items(), start=1):
            step = f"[2/4] predict {method}"
            log.info("[2/4] predict %s (%d/%d)", method, i, len(methods))
            resume = MethodFolder.of(run, method).scores.exists()
            run_predict(data, method, run, workers=workers, resume=resume, options=options, progress=progress)
        for method, options in methods.items():
            step = f"[3/4] caption {method}"
            log.info("[3/4] caption %s", method)
            resume = MethodFolder.of(run, method).captions.exists()
            run_caption(data, method, run, workers=workers, resume=resume, options=options, progress=progress)
        step = "[4/4] the report"
        log.info("[4/4] evaluating and writing the report")
        evaluation = evaluate(data, run)  # once: the report reuses it
        report_path = write_report(data, run, report, evaluation=evaluation)
    except (KeyboardInterrupt, SystemExit):
        _log_stopped(out, clips, step)
        raise
    return DemoResult(out, data, run, Path(report_path), evaluation.result, time.perf_counter() - t0)


def _log_stopped(out: Path, clips: int | None, step: str) -> None:
    """Say how to continue a demo stopped (Ctrl-C, SIGTERM) during ``step``: the predict and
    caption steps end with "continue with --resume", a flag ``camerabench demo`` does not take (it
    resumes by itself, run again into the same folder with the same clip count)."""
    import shlex

    again = f"camerabench demo --out {shlex.quote(_escaped_path(out))}"
    again += f" --clips {clips}" if clips is not None else ""
    if step.startswith("[1/4]"):
        kept = "the synthetic dataset was not finished: its clips already rendered are kept and the rest rendered"
    else:
        kept = "the dataset and the finished predictions and captions are kept"
    log.warning("demo stopped during %s; to continue, run `%s` again (no --resume): %s", step, again, kept)


def _escaped_path(path: Path) -> str:
    """``path`` as one printable line (a line break, a byte that is not UTF-8 escaped)."""
    from camerabench.eval.results import escaped_text

    return escaped_text(str(path))
