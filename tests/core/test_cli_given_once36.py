"""CLI flags (round 36): a value flag of every command besides ``predict``/``caption`` (which had it
in round 32) given twice with different values is a usage error naming both values; before, the
last value won without a word (``evaluate --run a --run b`` evaluated b, ``synth --seed 1 --seed 2``
rendered seed 2). The same value twice is taken."""

from __future__ import annotations

import argparse

import pytest

from camerabench.cli import build_parser
from camerabench.cli.method_flags import GivenOnce
from camerabench.cli.train import _check_flags_apply
from camerabench.errors import CameraBenchError

#: command -> the required flags it needs to parse at all
_REQUIRED: dict[str, list[str]] = {
    "evaluate": ["--data", "d", "--run", "r"],
    "report": ["--data", "d", "--run", "r", "--out", "o"],
    "synth": ["--out", "o"],
    "demo": [],
    "calibrate": ["--data", "d", "--run", "r", "--method", "fast"],
    "train": ["--data", "d", "--out", "o"],
    "make-tiny-vlm": ["--out", "o"],
}


def _required_but(command: str, flag: str) -> list[str]:
    """The command's required flags, less ``flag`` (given by the test itself)."""
    req = _REQUIRED[command]
    pairs = [req[i : i + 2] for i in range(0, len(req), 2) if req[i] != flag]
    return [x for pair in pairs for x in pair]


#: (command, flag, first value, second value, how argparse names them in the error)
_TWICE = [
    ("evaluate", "--run", "a", "b", "'a' and as 'b'"),
    ("evaluate", "--data", "a", "b", "'a' and as 'b'"),
    ("evaluate", "--failed", "lowest", "drop", "'lowest' and as 'drop'"),
    ("evaluate", "--bootstrap", "10", "20", "10 and as 20"),
    ("report", "--out", "a", "b", "'a' and as 'b'"),
    ("report", "--gallery", "0", "8", "0 and as 8"),
    ("report", "--bootstrap", "10", "20", "10 and as 20"),
    ("synth", "--seed", "1", "2", "1 and as 2"),
    ("synth", "--out", "a", "b", "'a' and as 'b'"),
    ("synth", "--clips", "3", "4", "3 and as 4"),
    ("synth", "--preset", "standard", "hard", "'standard' and as 'hard'"),
    ("synth", "--size", "64x48", "320x192", "'64x48' and as '320x192'"),
    ("synth", "--fps", "8", "12", "8.0 and as 12.0"),
    ("synth", "--workers", "1", "2", "1 and as 2"),
    ("demo", "--out", "a", "b", "'a' and as 'b'"),
    ("demo", "--clips", "3", "4", "3 and as 4"),
    ("demo", "--workers", "1", "2", "1 and as 2"),
    ("calibrate", "--method", "fast", "colmap", "'fast' and as 'colmap'"),
    ("calibrate", "--folds", "2", "5", "2 and as 5"),
    ("calibrate", "--from", "r1", "r2", "'r1' and as 'r2'"),
    ("train", "--method", "qwen-vl", "fusion", "'qwen-vl' and as 'fusion'"),
    ("train", "--model", "m1", "m2", "'m1' and as 'm2'"),
    ("train", "--lr", "0.001", "0.002", "0.001 and as 0.002"),
    ("train", "--stage", "sft", "grpo", "'sft' and as 'grpo'"),
    ("train", "--steps", "5", "50", "5 and as 50"),
    ("train", "--format-pattern", "a.*", "b.*", "'a.*' and as 'b.*'"),
    ("train", "--seed", "1", "2", "1 and as 2"),
    ("train", "--device", "cpu", "cuda", "'cpu' and as 'cuda'"),
    ("make-tiny-vlm", "--seed", "1", "2", "1 and as 2"),
    ("make-tiny-vlm", "--out", "a", "b", "'a' and as 'b'"),
    ("make-tiny-vlm", "--arch", "qwen2.5-vl", "qwen3-vl", "'qwen2.5-vl' and as 'qwen3-vl'"),
]


@pytest.mark.parametrize(("command", "flag", "first", "second", "named"), _TWICE)
def test_value_flag_given_twice_with_different_values_is_refused(
    command: str, flag: str, first: str, second: str, named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # old: the second value won without a word
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([command, *_required_but(command, flag), flag, first, flag, second])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"camerabench {command}: error: argument {flag}: given twice, as {named}: give it once" in err


def test_required_flag_given_twice_with_equals_form_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["evaluate", "--data", "d", "--run=a", "--run", "b"])
    assert exc.value.code == 2
    assert "argument --run: given twice, as 'a' and as 'b'" in capsys.readouterr().err


@pytest.mark.parametrize(("command", "flag", "first", "second", "named"), _TWICE)
def test_same_value_twice_is_taken(command: str, flag: str, first: str, second: str, named: str) -> None:
    required = _required_but(command, flag)
    args = build_parser().parse_args([command, *required, f"{flag}={first}", flag, first])
    dest = next(a.dest for a in _subparser(command)._actions if flag in a.option_strings)
    assert getattr(args, dest) == getattr(build_parser().parse_args([command, *required, flag, first]), dest)


@pytest.mark.parametrize(
    ("argv", "attr", "value"),
    [
        (["synth", "--out", "o", "--seed", "1", "--seed", "01"], "seed", 1),  # the same number
        (["make-tiny-vlm", "--out", "o", "--seed", "7", "--seed", "007"], "seed", 7),
        (["synth", "--out", "o", "--fps", "8", "--fps", "8.0"], "fps", 8.0),
        (["train", "--data", "d", "--out", "o", "--lr", "1e-3", "--lr", "0.001"], "lr", 0.001),
    ],
)
def test_same_converted_value_is_taken(argv: list[str], attr: str, value: object) -> None:
    assert getattr(build_parser().parse_args(argv), attr) == value


def test_flags_given_once_and_defaults_unchanged() -> None:
    args = build_parser().parse_args(["synth", "--out", "o", "--seed", "3"])
    assert (args.out, args.seed, args.clips, args.size, args.fps, args.workers) == ("o", 3, None, None, None, None)
    args = build_parser().parse_args(["evaluate", "--data", "d", "--run", "r"])
    assert (args.failed, args.json) == ("lowest", False)
    assert build_parser().parse_args(["demo"]).out == "demo_out"


def _subparser(command: str) -> argparse.ArgumentParser:
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    parser: argparse.ArgumentParser = action.choices[command]
    return parser


@pytest.mark.parametrize("command", list(_REQUIRED))
def test_every_value_flag_is_given_once(command: str) -> None:
    """Each flag that takes one value refuses a second, different one; switches stay switches."""
    for action in _subparser(command)._actions:
        if action.option_strings and action.nargs != 0:
            assert isinstance(action, GivenOnce), f"{command} {action.option_strings[0]}"


def test_train_flag_of_another_method_still_refused_when_repeated() -> None:
    # the record GivenOnce keeps in the namespace does not look like a given flag to train's checks
    args = build_parser().parse_args(
        ["train", "--method", "fusion", "--data", "d", "--out", "o", "--epochs", "3", "--epochs", "3"]
    )
    with pytest.raises(CameraBenchError, match="--epochs: for --method qwen-vl"):
        _check_flags_apply(args)
    args = build_parser().parse_args(["train", "--method", "fusion", "--method", "fusion", "--data", "d", "--out", "o"])
    _check_flags_apply(args)  # nothing of qwen-vl given: no error
