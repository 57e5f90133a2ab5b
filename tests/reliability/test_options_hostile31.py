"""Hostile method options and backend flags (round 31): each mistake is one clear line, before any work."""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from camerabench.baselines.registry import METHODS, predictor_class
from camerabench.cli import build_parser, main
from camerabench.cli.backend_flags import backend_options
from camerabench.crossfit import video_folds
from camerabench.errors import CameraBenchError
from camerabench.video import write_video


@pytest.fixture(scope="module", autouse=True)
def _methods_loaded() -> None:
    """Import every method once (qwen-vl's module takes about a second): the hints look at all of them."""
    import sklearn.model_selection  # noqa: F401 - video_folds' GroupKFold

    for name in METHODS:
        predictor_class(name)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("opts") / "data"
    write_video(root / "videos" / "a.mp4", np.zeros((4, 16, 16, 3), np.uint8), fps=4)
    return root


def _predict(data: Path, out: Path, *flags: str) -> list[str]:
    return ["predict", "--data", str(data), "--method", "fast", "--out", str(out), *flags]


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2, err
    assert "Traceback" not in err
    return err


# --------------------------------------------------------------------------- unknown option names


def test_a_misspelt_option_names_the_closest_one_and_lists_the_methods_options(
    data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # was: "does not take option(s) sample_fsp; it takes: ..." without the likely one
    assert main(_predict(data, tmp_path / "run", "--option", "sample_fsp=2")) == 1
    assert "does not take option(s) sample_fsp; it takes: deterministic, fixed_parts, fov_deg" in caplog.text
    assert "(did you mean sample_fps?)" in caplog.text
    assert not (tmp_path / "run").exists()
    with pytest.raises(CameraBenchError, match=r"\(did you mean max_side\?\)"):
        predictor_class("fast").Options.from_mapping({"Max-Side": 64}, method="fast")  # a library call's spelling


def test_another_methods_option_says_whose_it_is(data: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert main(_predict(data, tmp_path / "run", "--option", "focal_order=true")) == 1
    assert "does not take option(s) focal_order; it takes:" in caplog.text
    assert "(focal_order is an option of colmap, not of fast)" in caplog.text
    with pytest.raises(CameraBenchError, match=r"traj_dir is an option of trajectory, not of fast"):
        predictor_class("fast").Options.from_mapping({"traj_dir": "x"}, method="fast")
    assert not (tmp_path / "run").exists()


def test_a_choice_differing_in_case_or_spaces_names_the_choice() -> None:
    with pytest.raises(CameraBenchError, match=r"got 'Default' \(did you mean default\?\)"):
        predictor_class("fast").Options.from_mapping({"scorer": "Default"}, method="fast")


# --------------------------------------------------------------------------- unknown flags


@pytest.mark.parametrize(
    ("flags", "hint"),
    [
        (["--sample-fsp", "2"], "(--sample-fsp: did you mean --sample-fps?)"),
        (["--max-sied=64"], "(--max-sied: did you mean --max-side?)"),
        (["--focal-order", "true"], "(--focal-order: focal_order is an option of colmap, not of fast)"),
        (["--fov-deg", "30"], "method fast has option fov_deg but no flag for it; set it with --option fov_deg=VALUE"),
        (
            ["--deterministic", "false"],
            "--deterministic is a switch and takes no value, got 'false': give --deterministic alone to turn it "
            "on; or --option deterministic=false",
        ),
    ],
)
def test_an_unknown_flag_says_what_was_probably_meant(
    flags: list[str], hint: str, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # was: "camerabench: error: unrecognized arguments: --sample-fsp 2", nothing more
    err = _usage_error(_predict(data, tmp_path / "run", *flags), capsys)
    assert "camerabench predict: error: unrecognized arguments:" in err
    assert hint in err
    assert not (tmp_path / "run").exists()


def test_an_unknown_flag_without_a_likely_meaning_keeps_argparses_message(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _usage_error(_predict(data, tmp_path / "run", "--zzzzzz"), capsys)
    assert "unrecognized arguments: --zzzzzz" in err and "did you mean" not in err


# --------------------------------------------------------------------------- a flag given twice


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--sample-fps", "2", "--sample-fps", "5"], "argument --sample-fps: given twice, as '2' and as '5'"),
        (["--max-side=64", "--max-side=128"], "argument --max-side: given twice, as '64' and as '128'"),
        (["--backend", "ray", "--backend", "local"], "argument --backend: given twice, as 'ray' and as 'local'"),
        (
            ["--backend", "ray", "--ray-address", "h:1", "--ray-address", "h:2"],
            "argument --ray-address: given twice, as 'h:1' and as 'h:2'",
        ),
        (["--backend", "ray", "--cpus-per-task", "1", "--cpus-per-task", "2"], "argument --cpus-per-task: given twice"),
    ],
)
def test_a_flag_given_twice_with_different_values_is_refused(
    flags: list[str], message: str, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # was: the last one taken without a word (a script's default and the user's value, one lost)
    err = _usage_error(_predict(data, tmp_path / "run", *flags), capsys)
    assert message in err
    assert not (tmp_path / "run").exists()


def test_a_flag_given_twice_with_the_same_value_is_taken(data: Path, tmp_path: Path) -> None:
    args = build_parser().parse_args(_predict(data, tmp_path / "run", "--sample-fps", "2", "--sample-fps", "2"))
    assert args.sample_fps == "2"


# --------------------------------------------------------------------------- values


def test_numbers_beyond_a_float_are_one_line_not_an_overflow_traceback() -> None:
    fast = predictor_class("fast").Options
    # was: OverflowError: int too large to convert to float
    for huge in (10**400, Fraction(10**400)):
        with pytest.raises(
            CameraBenchError, match=r"option sample_fps must be float \(a finite number\), got (Fraction\()?1000"
        ):
            fast.from_mapping({"sample_fps": huge}, method="fast")
    with pytest.raises(CameraBenchError, match=r"option max_side must be >= 32, got 1$"):
        fast.from_mapping({"max_side": Fraction(1)}, method="fast")


def test_a_huge_value_is_shown_cut_in_the_message() -> None:
    # was: the 5000 digits echoed back in the one-line error
    with pytest.raises(CameraBenchError) as info:
        predictor_class("fast").Options.from_mapping({"max_side": "9" * 5000}, method="fast")
    text = str(info.value)
    assert text.startswith("method 'fast': option max_side must be int, got '9999")
    assert "(5002 characters)" in text and len(text) < 200


# --------------------------------------------------------------------------- Ray address and environment


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("10.0.0.2", "no port (HOST:PORT"),
        ("head:70000", "port 70000 is not in 1-65535"),
        ("head:0", "port 0 is not in 1-65535"),
        ("head:abc", "port 'abc' is not a number of the digits 0-9"),
        ("::1", "no host before the port (an IPv6 host is written in brackets"),
        ("http://127.0.0.1:8265", "a http:// URL is no cluster address Ray joins"),
    ],
)
def test_a_ray_address_that_ray_cannot_join_stops_at_parsing(
    address: str, problem: str, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # was: taken, and found out when the run joined the cluster ("Invalid address format", or a wait)
    err = _usage_error(_predict(data, tmp_path / "run", "--backend", "ray", "--ray-address", address), capsys)
    assert f"argument --ray-address: must be 'auto' or HOST:PORT, got {address!r}: {problem}" in err


@pytest.mark.parametrize("address", ["auto", "local", "head:6379", "[::1]:6379", "ray://head:10001"])
def test_ray_addresses_ray_joins_still_parse(address: str, data: Path, tmp_path: Path) -> None:
    args = build_parser().parse_args(_predict(data, tmp_path / "run", "--backend", "ray", "--ray-address", address))
    assert args.ray_address == address


def _ray_args(data: Path, tmp_path: Path, *flags: str) -> argparse.Namespace:
    return build_parser().parse_args(_predict(data, tmp_path / "run", "--backend", "ray", *flags))


@pytest.mark.parametrize(("value", "problem"), [("10.0.0.2", "no port"), ("head:99999", "port 99999 is not in")])
def test_a_malformed_ray_address_variable_is_named_before_any_work(
    value: str, problem: str, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAY_ADDRESS", value)
    monkeypatch.delenv("RAY_USE_TLS", raising=False)
    # was: taken to ray.init when the run began ("Invalid address format"), or found out by the probe there
    with pytest.raises(CameraBenchError, match=f"the environment variable RAY_ADDRESS is {value!r}: {problem}"):
        backend_options(_ray_args(data, tmp_path))


@pytest.mark.parametrize("value", ["yes", " 1", "on", "TRUE "])
def test_a_ray_use_tls_value_ray_does_not_read_is_named(
    value: str, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAY_USE_TLS", value)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    # was: TLS to camerabench's probe (anything but 0/false) and not to Ray (1/true only)
    with pytest.raises(CameraBenchError, match=f"the environment variable RAY_USE_TLS is {value!r}: Ray reads 1"):
        backend_options(_ray_args(data, tmp_path))


# --------------------------------------------------------------------------- cross-fitting folds


def test_video_folds_takes_a_numpy_count_and_refuses_names_that_are_no_strings() -> None:
    videos = ["a.mp4", "b.mp4", "c.mp4"]
    # was: ValueError "n_splits must be an integer >= 1, got np.int64(2)"
    assert video_folds(videos, np.int64(2)) == video_folds(videos, 2)
    # was: the videos "a", "b", "c" of the string "abc"
    with pytest.raises(CameraBenchError, match="videos must be a sequence of video names, got the string 'abc'"):
        video_folds("abc", 2)
    # was: Path("a.mp4") and "a.mp4" two videos, or a TypeError from sorting them
    with pytest.raises(CameraBenchError, match="video names must be strings, got PosixPath"):
        video_folds([Path("a.mp4"), "a.mp4"], 2)
    assert sorted(video_folds(videos, 10).values()) == [0, 1, 2]  # more folds than videos: one each
    assert video_folds(["a.mp4"], 5) == {"a.mp4": 0}
