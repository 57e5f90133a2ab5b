"""CLI flags (round 32): a value flag of ``predict``/``caption`` given twice with different values,
and an abbreviated flag, are usage errors instead of a silent choice."""

from __future__ import annotations

import argparse

import pytest

from camerabench.baselines.registry import METHODS, predictor_class
from camerabench.cli import build_parser

_REQUIRED = ["--data", "d", "--method", "dummy", "--out", "o"]


@pytest.fixture(scope="module", autouse=True)
def _methods_loaded() -> None:
    """Import every method once (about a second): the unknown-flag hint looks at all of them."""
    for name in METHODS:
        predictor_class(name)


def _error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(argv)
    assert exc.value.code == 2
    return capsys.readouterr().err


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command", ["predict", "caption"])
@pytest.mark.parametrize(
    ("flag", "first", "second"),
    [("--workers", "2", "8"), ("--data", "d", "e"), ("--out", "o", "p"), ("--method", "dummy", "fast")],
)
def test_value_flag_given_twice_is_refused(
    command: str, flag: str, first: str, second: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # old: the last value won without a word (--workers 2 --workers 8 ran with 8)
    err = _error([command, *_REQUIRED, flag, first, flag, second], capsys)
    assert f"argument {flag}: given twice" in err
    assert "give it once" in err


def test_caption_mode_given_twice_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(["caption", *_REQUIRED, "--mode", "whole", "--mode", "diffsw"], capsys)
    assert "argument --mode: given twice, as 'whole' and as 'diffsw'" in err


@pytest.mark.parametrize("command", ["predict", "caption"])
def test_same_value_twice_and_equals_form_still_parse(command: str) -> None:
    args = build_parser().parse_args([command, *_REQUIRED, "--data", "d", "--workers=3", "--workers", "3"])
    assert (args.data, args.workers, args.method, args.out) == ("d", 3, "dummy", "o")


@pytest.mark.parametrize(
    ("argv", "meant"),
    [
        (["predict", *_REQUIRED, "--sample", "2"], "--sample-fps"),  # old: taken as --sample-fps 2
        (["predict", *_REQUIRED, "--work", "2"], "--workers"),
        (["caption", *_REQUIRED, "--mo", "diffsw"], "--mode"),
    ],
)
def test_abbreviated_flag_is_refused(argv: list[str], meant: str, capsys: pytest.CaptureFixture[str]) -> None:
    err = _error(argv, capsys)
    assert "unrecognized arguments" in err
    assert f"did you mean {meant}?" in err


def test_abbreviated_flag_refused_in_other_commands_and_top_level(capsys: pytest.CaptureFixture[str]) -> None:
    assert "unrecognized arguments: --js" in _error(["taxonomy", "--js"], capsys)  # old: --json
    assert "unrecognized arguments: --verb" in _error(["--verb", "taxonomy"], capsys)  # old: --verbose
    full = build_parser().parse_args(["-v", "taxonomy", "--json"])
    assert full.verbose and full.json


def test_no_parser_takes_abbreviations() -> None:
    parser = build_parser()
    subs = _subparsers(parser)
    assert set(subs) >= {"predict", "caption", "evaluate", "train", "demo", "synth"}
    assert parser.allow_abbrev is False
    assert {name: sp.allow_abbrev for name, sp in subs.items()} == {name: False for name in subs}
