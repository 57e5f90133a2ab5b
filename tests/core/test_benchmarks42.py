"""benchmarks/bench_geometry.py, bench_vlm.py, bench_speed.py and bench_real_degraded.py, round 42:
command lines a researcher may type, refused in one line before any work.

Each script is imported by path and its ``main()`` called with ``sys.argv`` monkeypatched; what would start the work
(``run_predict``, ``generate_dataset``, ``make_tiny_vlm``, ``make_clip``, ``make_variant``) is
monkeypatched to fail the test, so a refusal that comes too late shows as that failure.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from camerabench.labelfiles import write_binary_file
from camerabench.taxonomy import BinaryRecord, Primitive
from camerabench.video import write_video

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"{name}_test42", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


geometry = _load("bench_geometry")
speed = _load("bench_speed")
degraded = _load("bench_real_degraded")
vlm = _load("bench_vlm")

VIDEOS = ["a0.mp4", "a1.mp4", "b2.mp4"]


def _dataset(root: Path, labels: bool = True) -> Path:
    for v in VIDEOS:
        write_video(root / "videos" / v, np.zeros((2, 16, 16, 3), np.uint8), fps=4)
    if labels:
        recs = [BinaryRecord.make(v, Primitive.PAN_LEFT, i % 2 == 0) for i, v in enumerate(VIDEOS)]
        write_binary_file(root / "labels" / "binary_classification" / Primitive.PAN_LEFT.file, recs)
    return root


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _dataset(tmp_path_factory.mktemp("bench42") / "data")


def _refused(main: Any, argv: list[str], start: str) -> str:
    """``main()`` on the command line ``argv`` exits with a one-line message starting with ``start``."""
    with pytest.raises(SystemExit) as exc, pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "argv", ["bench.py", *argv])
        main()
    message = str(exc.value.code)
    assert message.startswith(start), message
    assert "\n" not in message
    return message


def _usage_error(main: Any, argv: list[str], capsys: pytest.CaptureFixture[str], text: str) -> None:
    with pytest.raises(SystemExit) as exc, pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "argv", ["bench.py", *argv])
        main()
    assert exc.value.code == 2
    assert text in capsys.readouterr().err


# --- bench_geometry.py ------------------------------------------------------------------------------


@pytest.fixture()
def no_geometry_work(monkeypatch: pytest.MonkeyPatch) -> None:
    import camerabench.synth as synth

    def started(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the work started before the refusal")

    monkeypatch.setattr(geometry, "run_predict", started)
    monkeypatch.setattr(geometry, "build_combined", started)
    monkeypatch.setattr(synth, "generate_dataset", started)


def _geo(data: Path, *extra: str) -> list[str]:
    return ["--data", str(data), "--methods", "fast", *extra]


@pytest.mark.parametrize(
    ("which", "start"),
    [("data", "bench_geometry.py: {missing}: dataset folder not found"), ("hard", "bench_geometry.py: {missing}")],
)
def test_geometry_missing_data_or_hard_is_one_line(
    data: Path, tmp_path: Path, no_geometry_work: None, which: str, start: str
) -> None:
    """Was a FileFormatError traceback."""
    missing = tmp_path / "nope"
    argv = _geo(missing) if which == "data" else _geo(data, "--hard", str(missing))
    _refused(geometry.main, argv, start.format(missing=missing))


def test_geometry_empty_data_folder_is_refused_before_the_run(tmp_path: Path, no_geometry_work: None) -> None:
    """Was run_predict's "no videos to predict" traceback, about the temporary combined folder."""
    (tmp_path / "empty").mkdir()
    _refused(geometry.main, _geo(tmp_path / "empty"), f"bench_geometry.py: {tmp_path / 'empty'}: no videos")


def test_geometry_data_without_labels_is_refused(tmp_path: Path, no_geometry_work: None) -> None:
    """Was run: every figure 'no scores', the time of a run asking nothing."""
    bare = _dataset(tmp_path / "bare", labels=False)
    message = _refused(geometry.main, _geo(bare), f"bench_geometry.py: {bare}: none of its 3 selected videos")
    assert "binary label" in message


def test_geometry_only_matching_nothing_is_refused(data: Path, no_geometry_work: None) -> None:
    _refused(geometry.main, _geo(data, "--only", "zzz"), "bench_geometry.py: --only zzz: matches none of the 3")


def test_geometry_only_with_an_empty_part_is_a_usage_error(
    data: Path, no_geometry_work: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--only a0,`` matched every video (the empty part is in every name)."""
    _usage_error(geometry.main, _geo(data, "--only", "a0,"), capsys, "an empty substring matches every video")


@pytest.mark.parametrize("n", ["0", "-2"])
def test_geometry_clips_must_be_positive(
    data: Path, no_geometry_work: None, capsys: pytest.CaptureFixture[str], n: str
) -> None:
    """``--clips -2`` left out the last two videos silently; ``--clips 0`` ran on nothing."""
    _usage_error(geometry.main, _geo(data, "--clips", n), capsys, "argument --clips: must be a whole number")


def test_geometry_clips_counts_the_matching_videos(data: Path) -> None:
    """``--only b --clips 1`` took the first video, then kept it if it matched: none."""
    from camerabench.dataset import Dataset

    clips = geometry.select_clips({"std": Dataset(data)}, 1, "b")
    assert [c.video for c in clips] == ["b2.mp4"]
    assert [c.video for c in geometry.select_clips({"std": Dataset(data)}, 5, None)] == VIDEOS  # more than there are


@pytest.mark.parametrize(
    ("methods", "start"),
    [
        (["fast", "fsat"], "bench_geometry.py: unknown method 'fsat'; did you mean 'fast'?"),
        (["fast", "fast"], "bench_geometry.py: --methods fast fast: fast given twice"),
        (["dummy"], "bench_geometry.py: method 'dummy' has no sample_fps and max_side options"),
    ],
)
def test_geometry_methods_are_checked_before_any_runs(
    data: Path, no_geometry_work: None, methods: list[str], start: str
) -> None:
    """A misspelled second method failed after the first had run (its figures lost); ``dummy``
    failed with a KeyError after its run; a repeated method's second run was refused by run_predict."""
    _refused(geometry.main, ["--data", str(data), "--methods", *methods], start)


@pytest.mark.parametrize(
    ("options", "start"),
    [
        (["colmap.sample_fps=5"], "bench_geometry.py: --option colmap.sample_fps: 'colmap' is not one of --methods"),
        (["fast.seed=1", "fast.seed=2"], "bench_geometry.py: --option fast.seed is given twice"),
        (["fast.sampel_fps=5"], "bench_geometry.py: method 'fast' does not take option(s) sampel_fps"),
        (["fast.sample_fps=-1"], "bench_geometry.py: method 'fast': option sample_fps must be"),
        ([".x=1"], "bench_geometry.py: --option '.x=1': expected METHOD.KEY=VALUE"),
    ],
)
def test_geometry_options_are_checked_before_any_runs(
    data: Path, no_geometry_work: None, options: list[str], start: str
) -> None:
    """Another method's option was ignored and a repeated one overwritten without a word; a bad
    name or value failed in run_predict (after the methods before it)."""
    _refused(geometry.main, _geo(data, *(x for o in options for x in ("--option", o))), start)


def test_geometry_scorer_goes_only_to_methods_with_one(data: Path, no_geometry_work: None) -> None:
    """``scorer=default`` was given to every method: qwen-vl was refused for an option it was never
    given; now it is refused for what it lacks (its model), and ``--scorer`` named for it is refused."""
    _refused(
        geometry.main, _geo(data, "--methods", "qwen-vl"), "bench_geometry.py: method 'qwen-vl' needs option model"
    )
    _refused(
        geometry.main,
        _geo(data, "--methods", "qwen-vl", "--scorer", "camerabench"),
        "bench_geometry.py: --scorer camerabench: method 'qwen-vl' takes no scorer",
    )
    assert geometry.check_methods(["fast"], [], None) == {"fast": {"scorer": "default"}}
    assert geometry.check_methods(["fast"], [], "camerabench") == {"fast": {"scorer": "camerabench"}}


def test_geometry_work_that_is_a_file_is_refused(data: Path, tmp_path: Path, no_geometry_work: None) -> None:
    """Was a NotADirectoryError traceback."""
    (tmp_path / "w").write_text("")
    _refused(geometry.main, _geo(data, "--work", str(tmp_path / "w")), f"bench_geometry.py: --work {tmp_path / 'w'}")


def test_geometry_work_of_another_run_is_refused_before_generating(
    data: Path, tmp_path: Path, no_geometry_work: None
) -> None:
    """With ``--generate`` the datasets were written (minutes) before the full --work was refused."""
    (tmp_path / "w" / "runs").mkdir(parents=True)
    argv = _geo(tmp_path / "new", "--generate", "--work", str(tmp_path / "w"))
    _refused(geometry.main, argv, f"bench_geometry.py: --work {tmp_path / 'w'} is not empty")


@pytest.mark.parametrize("where", ["missing folder", "folder"])
def test_geometry_save_that_cannot_be_written_is_refused_first(
    data: Path, tmp_path: Path, no_geometry_work: None, where: str
) -> None:
    """Was an OSError after every method had run (the figures lost)."""
    save = tmp_path / "no" / "r.json" if where == "missing folder" else tmp_path
    _refused(geometry.main, _geo(data, "--save", str(save)), f"bench_geometry.py: --save {save}: ")


# --- bench_vlm.py -----------------------------------------------------------------------------------


@pytest.fixture()
def no_vlm_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def started(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the tiny checkpoint was written before the refusal")

    monkeypatch.setattr(vlm, "make_tiny_vlm", started)


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["--repeats", "0"], "argument --repeats: must be a whole number of at least 1"),  # printed nan per second
        (["--repeats", "-1"], "argument --repeats: must be a whole number of at least 1"),
        (["--threads", "0"], "argument --threads: must be a whole number of at least 1"),  # was ignored
        (["--large-frames", "0"], "argument --large-frames: must be a whole number of at least 1"),
        (["--text-layers", "2"], "--text-layers shape the random 7b model: without --arch 7b they do nothing"),
        (["--arch", "7b", "--vision-depth", "0"], "argument --vision-depth: must be a whole number of at least 1"),
    ],
)
def test_vlm_counts_are_refused_before_the_model(
    no_vlm_work: None, capsys: pytest.CaptureFixture[str], argv: list[str], text: str
) -> None:
    _usage_error(vlm.main, argv, capsys, text)


# --- bench_speed.py ---------------------------------------------------------------------------------


@pytest.fixture()
def no_speed_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def started(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a clip was made before the refusal")

    monkeypatch.setattr(speed, "make_clip", started)
    monkeypatch.setattr(speed, "base_frames", started)


@pytest.mark.parametrize(
    ("argv", "start"),
    [
        (["--repeats", "0"], "bench_speed.py: --repeats 0: at least 1 run"),  # StatisticsError after rendering
        (["--seconds", "0"], "bench_speed.py: --seconds 0: the clip needs at least 2 frames"),  # timed 2 frames
        (["--seconds", "-3"], "bench_speed.py: --seconds -3: the clip needs at least 2 frames"),
        (["--seconds", "nan"], "bench_speed.py: --seconds nan: "),  # ValueError after rendering
        (["--seconds", "inf"], "bench_speed.py: --seconds inf: "),
        (["--seconds", "1e9"], "bench_speed.py: --seconds 1e+09: the 1080p clip's frames take"),  # out of memory
    ],
)
def test_speed_counts_are_refused_before_rendering(no_speed_work: None, argv: list[str], start: str) -> None:
    _refused(speed.main, argv, start)


def test_speed_video_module_must_be_a_file_with_read_video(tmp_path: Path, no_speed_work: None) -> None:
    """A missing file was a FileNotFoundError traceback, one without read_video an AttributeError."""
    missing = tmp_path / "video.py"
    _refused(speed.main, ["--video-module", str(missing)], f"bench_speed.py: --video-module {missing}: no such file")
    (tmp_path / "other.py").write_text("x = 1\n")
    _refused(
        speed.main,
        ["--video-module", str(tmp_path / "other.py")],
        f"bench_speed.py: --video-module {tmp_path / 'other.py'}: defines no read_video function",
    )


def test_speed_work_that_is_a_file_is_refused(tmp_path: Path, no_speed_work: None) -> None:
    """Was a FileExistsError traceback from mkdir."""
    (tmp_path / "w").write_text("")
    _refused(speed.main, ["--work", str(tmp_path / "w")], f"bench_speed.py: --work {tmp_path / 'w'}: is a file")


def test_speed_a_truncated_frame_cache_is_named_not_a_traceback(tmp_path: Path) -> None:
    """An interrupted render left a truncated .npy (np.save wrote in place), read back as a
    ValueError traceback on the rerun; it is now written atomically, and a bad one is named."""
    frames = np.zeros((2, 480, 854, 3), np.uint8)
    np.save(tmp_path / "full.npy", frames)
    (tmp_path / "pan_854x480.npy").write_bytes((tmp_path / "full.npy").read_bytes()[:1000])
    with pytest.raises(SystemExit) as exc:
        speed.base_frames(tmp_path)
    assert str(exc.value.code).startswith(f"bench_speed.py: {tmp_path / 'pan_854x480.npy'}: cannot be read")
    np.save(tmp_path / "pan_854x480.npy", np.zeros((2, 4, 4, 3), np.uint8))  # another size's cache
    with pytest.raises(SystemExit, match="not the 854x480 RGB pan"):
        speed.base_frames(tmp_path)


# --- bench_real_degraded.py -------------------------------------------------------------------------


@pytest.fixture()
def no_variant(monkeypatch: pytest.MonkeyPatch) -> None:
    def started(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a variant was built before the refusal")

    monkeypatch.setattr(degraded, "make_variant", started)


def _deg(data: Path, work: Path, *extra: str) -> list[str]:
    return ["--data", str(data), "--work", str(work), "--variants", "reencode", *extra]


@pytest.mark.parametrize(
    ("extra", "start"),
    [
        (["--methods", "fast", "fsat"], "bench_real_degraded.py: unknown method 'fsat'"),  # after a variant was built
        (["--methods", "qwen-vl"], "bench_real_degraded.py: method 'qwen-vl' needs option model"),
        (["--methods", "fast", "fast"], "bench_real_degraded.py: --methods fast fast: fast given twice"),
        (["--variants", "crf40", "crf40"], "bench_real_degraded.py: --variants crf40 crf40: crf40 given twice"),
    ],
)
def test_degraded_methods_and_variants_are_checked_first(
    data: Path, tmp_path: Path, no_variant: None, extra: list[str], start: str
) -> None:
    _refused(degraded.main, _deg(data, tmp_path / "w", *extra), start)


def test_degraded_work_and_save_that_would_fail_later(data: Path, tmp_path: Path, no_variant: None) -> None:
    """--work a file was a NotADirectoryError traceback; --save a missing folder or a folder an
    OSError after every variant and method had run."""
    (tmp_path / "f").write_text("")
    _refused(degraded.main, _deg(data, tmp_path / "f"), f"bench_real_degraded.py: --work {tmp_path / 'f'}: is a file")
    _refused(degraded.main, _deg(data, data / "w"), f"bench_real_degraded.py: --work {data / 'w'}: is inside --data")
    for save in (tmp_path / "no" / "r.json", tmp_path):
        _refused(
            degraded.main, _deg(data, tmp_path / "w", "--save", str(save)), f"bench_real_degraded.py: --save {save}"
        )


def test_degraded_dataset_without_labels_or_with_a_missing_video(tmp_path: Path, no_variant: None) -> None:
    bare = _dataset(tmp_path / "bare", labels=False)
    (bare / "labels").mkdir()
    _refused(degraded.main, _deg(bare, tmp_path / "w"), f"bench_real_degraded.py: {bare}: no binary labels")
    gone = _dataset(tmp_path / "gone")
    (gone / "videos" / "b2.mp4").unlink()  # named by the labels: failed mid-variant with a traceback
    _refused(degraded.main, _deg(gone, tmp_path / "w"), f"bench_real_degraded.py: {gone}: 1 video(s) its labels name")


def test_degraded_work_of_another_dataset_is_refused_not_reused(data: Path, tmp_path: Path, no_variant: None) -> None:
    """A finished variant in --work was reused whatever dataset it was made from: the figures were
    those of the other dataset. A marker of an older script (empty) cannot tell, and is refused too."""
    other = _dataset(tmp_path / "other")
    recs = [BinaryRecord.make(v, Primitive.PAN_LEFT, True) for v in VIDEOS]
    write_binary_file(other / "labels" / "binary_classification" / Primitive.PAN_LEFT.file, recs)
    done = tmp_path / "w" / "reencode" / "done"
    done.parent.mkdir(parents=True)
    done.write_text(json.dumps({"fingerprint": degraded.fingerprint(other)}))
    _refused(degraded.main, _deg(data, tmp_path / "w"), "bench_real_degraded.py: --work: ")
    done.write_text("")
    _refused(degraded.main, _deg(data, tmp_path / "w"), "bench_real_degraded.py: --work: ")
    done.write_text(json.dumps({"fingerprint": degraded.fingerprint(data)}))
    assert degraded.reused_variant(done.parent, degraded.fingerprint(data))


# --- usage lines ------------------------------------------------------------------------------------


def _usage_flags(doc: str, script: str) -> set[str]:
    """The flags of the docstring's usage lines that run ``script`` (a line may go on, indented)."""
    flags: set[str] = set()
    mine = False
    for line in doc[doc.index("Usage:") :].splitlines()[1:]:
        if "python benchmarks/" in line:
            mine = f"benchmarks/{script}.py" in line
        elif not line.startswith("        "):  # not a continuation: the usage block is over
            if line.strip():
                break
            continue
        if mine:
            flags |= set(re.findall(r"--[a-z][a-z-]*", line.split("#")[0]))
    return flags


@pytest.mark.parametrize("module", [geometry, vlm, speed, degraded], ids=lambda m: m.__name__)
def test_usage_lines_name_every_flag(module: ModuleType) -> None:
    """bench_vlm's usage lines left out --text-layers and --vision-depth."""
    parser: argparse.ArgumentParser = module.build_parser()
    flags = {s for a in parser._actions for s in a.option_strings if s.startswith("--") and s != "--help"}
    assert _usage_flags(module.__doc__ or "", module.__name__.removesuffix("_test42")) == flags
