"""Numbers on every command's flags: a negative exponent (``-1e-3``), ``-inf``, ``nan``, ``inf``, ``0``,
``1e400`` and a word each get the flag's own one-line refusal, or are taken where valid.

argparse (Python 3.11) reads only ``-1`` and ``-0.5`` as negative numbers: ``--workers -1e-3`` or
``--fps -inf`` was taken for the flag without its value ("expected one argument"), on every command
but ``train`` and ``evaluate``. Every command's parser now reads every form ``float`` reads as a value.
"""

from __future__ import annotations

import argparse
import itertools
import logging
from pathlib import Path

import pytest

from camerabench.cli import build_parser, main
from camerabench.cli.args import NEGATIVE_NUMBER, read_negative_numbers

VALUES = ("-1e-3", "-inf", "-Infinity", "-1_000", "nan", "inf", "0", "1e400", "abc")

_BASE = {
    "predict": ["--data", "d", "--method", "fast", "--out", "o"],
    "caption": ["--data", "d", "--method", "fast", "--out", "o"],
    "evaluate": ["--data", "d", "--run", "r"],
    "report": ["--data", "d", "--run", "r", "--out", "o"],
    "demo": [],
    "synth": ["--out", "o"],
    "calibrate": ["--data", "d", "--run", "r", "--method", "fast"],
    "make-tiny-vlm": ["--out", "o"],
    "train": ["--data", "d", "--out", "o"],
}
_RUNS = ("--workers", "--cpus-per-task", "--gpus-per-worker", "--videos-per-call")
_TRAIN = (
    "--folds", "--epochs", "--lr", "--warmup", "--batch-size", "--grad-accum", "--sample-fps", "--max-side",
    "--mcq-fps", "--mcq-max-pixels", "--steps", "--prompts-per-step", "--group-size", "--kl-coef", "--clip-eps",
    "--updates-per-batch", "--accuracy-weight", "--format-weight", "--max-new-tokens", "--temperature", "--micro-batch",
    "--seed",
)  # fmt: skip
#: (command, flag) of every numeric flag argparse checks, with the values of VALUES it takes.
PARSED = [
    *[("predict", f) for f in _RUNS],
    *[("caption", f) for f in _RUNS],
    ("evaluate", "--bootstrap"),
    ("evaluate", "--rpe-span"),
    ("report", "--bootstrap"),
    ("report", "--gallery"),
    ("demo", "--clips"),
    ("demo", "--workers"),
    ("synth", "--clips"),
    ("synth", "--seed"),
    ("synth", "--fps"),
    ("synth", "--workers"),
    ("calibrate", "--folds"),
    ("make-tiny-vlm", "--seed"),
    *[("train", f) for f in _TRAIN],
]
_ZERO_OK = {
    ("predict", "--gpus-per-worker"),
    ("caption", "--gpus-per-worker"),
    ("report", "--gallery"),
    ("evaluate", "--bootstrap"),  # 0: no confidence intervals, as in the Python API
    ("report", "--bootstrap"),
    ("synth", "--seed"),
    ("make-tiny-vlm", "--seed"),
    *[("train", f) for f in ("--seed", "--warmup", "--kl-coef", "--accuracy-weight", "--format-weight")],
}


@pytest.mark.parametrize(("command", "flag"), PARSED, ids=[f"{c} {f}" for c, f in PARSED])
def test_every_numeric_flag_refuses_nonsense_in_one_line(
    command: str, flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for value in VALUES:
        argv = [command, *_BASE[command], flag, value]
        if value == "0" and (command, flag) in _ZERO_OK:
            args = build_parser().parse_args(argv)
            assert getattr(args, flag[2:].replace("-", "_")) == 0
            continue
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and "expected one argument" not in err, err
        last = err.strip().splitlines()[-1]
        # was (-1e-3, -inf, -Infinity, -1_000 on all but train and evaluate): argument --workers: expected one argument
        assert last.startswith(f"camerabench {command}: error: argument {flag}: must be "), last
        assert last.endswith(f"got {value!r}"), last


#: (command, method, flag) of the method flags, checked by the method's options (values stay text in argparse).
_QWEN_VL = ("--sample-fps", "--max-side", "--batch-size", "--max-pixels", "--min-pixels", "--max-new-tokens")
METHOD = [
    (command, method, flag)
    for command in ("predict", "caption")
    for method, flag in [("fast", "--sample-fps"), ("fast", "--max-side"), *[("qwen-vl", f) for f in _QWEN_VL]]
]


@pytest.fixture(scope="module")
def methods_imported() -> None:
    """The methods' modules imported once (qwen-vl's takes about a second), outside the tests' time."""
    from camerabench.baselines.registry import predictor_class

    for method in ("fast", "qwen-vl"):
        predictor_class(method)


@pytest.mark.parametrize(("command", "method", "flag"), METHOD, ids=[" ".join(m) for m in METHOD])
@pytest.mark.usefixtures("methods_imported")
def test_method_flags_refuse_nonsense_in_one_line(
    command: str,
    method: str,
    flag: str,
    six_videos: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    option = flag[2:].replace("-", "_")
    model = ["--model", str(tmp_path / "no model")] if method == "qwen-vl" else []  # values are checked first
    for value in VALUES:
        caplog.clear()
        argv = [command, "--data", str(six_videos), "--method", method, "--out", str(tmp_path / "o"), *model]
        with caplog.at_level(logging.ERROR):
            code = main([*argv, flag, value])  # was (-1e-3, -inf, ...): SystemExit, "expected one argument"
        assert code == 1, value
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1 and "\n" not in errors[0], errors
        assert errors[0].startswith(f"method {method!r}: option {option} must be"), errors
        assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("value", ["-1e-3", "-inf", "-1_000"])
def test_synth_size_negative_number_reaches_its_own_check(
    value: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        assert main(["synth", "--out", str(tmp_path / "d"), "--size", value]) == 1  # was: expected one argument
    assert f"--size must look like WIDTHxHEIGHT (e.g. 320x192), got {value!r}" in caplog.text
    assert not (tmp_path / "d").exists()


def test_every_parser_reads_negative_numbers_and_no_flag_looks_like_one() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    parsers = [parser, *sub.choices.values()]
    assert {p.prog.split()[-1] for p in parsers[1:]} == set(_BASE) | {"taxonomy"}
    for p in parsers:
        assert p._negative_number_matcher is NEGATIVE_NUMBER, p.prog
        assert not p._has_negative_number_optionals, p.prog  # a flag like -1 would be shadowed
        assert not [s for a in p._actions for s in a.option_strings if NEGATIVE_NUMBER.match(s)], p.prog


def test_a_flag_that_looks_like_a_negative_number_is_refused_when_built() -> None:
    p = argparse.ArgumentParser(prog="x")
    p.add_argument("-1", dest="one")
    with pytest.raises(ValueError, match="x: flag -1 looks like a negative number"):
        read_negative_numbers(p)


def test_negative_number_is_what_float_reads_or_a_dash_and_a_digit() -> None:
    for chars in itertools.chain.from_iterable(itertools.product("10_.eE-+", repeat=n) for n in range(1, 6)):
        text = "-" + "".join(chars)
        try:
            float(text)
            number = True
        except ValueError:
            number = False
        # what float reads, and whatever else starts with a dash and a digit (never a flag)
        value = number or text[1:2].isdigit() or (text[1:2] == "." and text[2:3].isdigit())
        assert bool(NEGATIVE_NUMBER.match(text)) is value, text
    for text in ("-inf", "-INF", "-Infinity", "-nan", "-NaN"):
        assert NEGATIVE_NUMBER.match(text), text
    for text in ("--lr", "-v", "-x", "-e5", "-in", "-", "-.", "--1"):
        assert not NEGATIVE_NUMBER.match(text), text
    # a dash and a digit: never a flag, so a value the flag's own type refuses (was "expected one argument")
    for text in ("-1 ", "-1e", "-320x192", "-.5x"):
        assert NEGATIVE_NUMBER.match(text), text


def test_a_value_starting_with_a_dash_and_a_digit_gets_its_flags_own_refusal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (["--size", "-320x192"], ["--size=-320x192"]):
        caplog.clear()
        with caplog.at_level(logging.ERROR):
            code = main(["synth", "--out", str(tmp_path / "o"), *argv])
        # was, with a space: SystemExit 2, "argument --size: expected one argument"
        assert code == 1, argv
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == ["--size must look like WIDTHxHEIGHT (e.g. 320x192), got '-320x192'"], errors
        assert "expected one argument" not in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_flag_like_word_is_still_a_flag_and_valid_values_parse(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["synth", "--out", "o", "--fps", "2.5e1", "--workers", "1_0"])
    assert (args.fps, args.workers) == (25.0, 10)
    with pytest.raises(SystemExit):
        main(["predict", "--data", "d", "--method", "fast", "--out", "o", "--workers", "-x"])
    assert "argument --workers: expected one argument" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # a number alone is no command
        main(["-1e-3"])
    assert "argument COMMAND: invalid choice: '-1e-3'" in capsys.readouterr().err
