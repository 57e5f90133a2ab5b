"""The Predictor / registry / MethodOptions contract under hostile plugins and values."""

from __future__ import annotations

import dataclasses
import decimal
import json
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from camerabench.baselines import registry
from camerabench.baselines.base import MethodKind, Predictor, VideoResult
from camerabench.baselines.dummy import DummyOptions, DummyPredictor
from camerabench.baselines.options import MethodOptions, option
from camerabench.dataset import Question
from camerabench.errors import CameraBenchError, PredictionError


class _Plugin(Predictor):
    name: ClassVar[str] = "plugin"
    kind: ClassVar[MethodKind] = "test"

    def predict(self, video_path: Path, questions: list[Question]) -> VideoResult:
        return VideoResult({})


def _register(monkeypatch: pytest.MonkeyPatch, name: str, cls: object) -> None:
    monkeypatch.setattr(f"{__name__}._PLUGIN_CLS", cls, raising=False)
    monkeypatch.setitem(registry.METHODS, name, f"{__name__}:_PLUGIN_CLS")


@pytest.mark.parametrize("name", ["my method", "a/b", "../x", ".hidden", "a\\b"])
def test_registered_name_that_cannot_be_a_folder_is_refused(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    _register(monkeypatch, name, type("P", (_Plugin,), {"name": name}))
    with pytest.raises(CameraBenchError, match="run folder's name"):
        registry.predictor_class(name)


def test_registered_name_differing_in_case_from_a_builtin_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, "Dummy", type("P", (_Plugin,), {"name": "Dummy"}))
    with pytest.raises(CameraBenchError, match="differs only in case from method 'dummy'"):
        registry.predictor_class("Dummy")


def test_class_name_must_match_its_registered_name(monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, "mine", _Plugin)  # its name is "plugin": records and folder would disagree
    with pytest.raises(CameraBenchError, match="registered as 'mine' but its name is 'plugin'"):
        registry.predictor_class("mine")


def test_registered_object_that_is_not_a_predictor_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, "mine", lambda *a: None)
    with pytest.raises(CameraBenchError, match="not a Predictor subclass"):
        registry.predictor_class("mine")


def test_registered_class_with_unknown_kind_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, "plugin", type("P", (_Plugin,), {"kind": "magic"}))
    with pytest.raises(CameraBenchError, match="kind 'magic'"):
        registry.predictor_class("plugin")


def test_well_formed_plugin_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, "plugin", _Plugin)
    assert registry.predictor_class("plugin") is _Plugin


@pytest.mark.parametrize(
    "tp",
    [typing.Literal["a", "b"], list[Path], dict[str, int], Path, tuple[int, str]],
    ids=["Literal", "list[Path]", "dict", "Path", "tuple[int,str]"],
)
def test_option_of_unsupported_type_is_refused_at_first_use(tp: object) -> None:
    cls = dataclasses.make_dataclass("Opts", [("x", tp, option(None, "x"))], bases=(MethodOptions,), frozen=True)
    with pytest.raises(TypeError, match=r"Opts\.x: an option cannot be of type"):
        cls.from_mapping({"x": "anything"}, method="plugin")
    with pytest.raises(TypeError, match=r"Opts\.x: an option cannot be of type"):
        cls().check_values("plugin")


@dataclass(frozen=True)
class Inner:
    a: int = 1


def test_nested_dataclass_option_is_refused() -> None:
    @dataclass(frozen=True)
    class Opts(MethodOptions):
        inner: Inner = option(Inner(), "nested")

    with pytest.raises(TypeError, match="cannot be of type Inner"):
        Opts.from_mapping({}, method="plugin")


def test_supported_types_still_accepted() -> None:
    @dataclass(frozen=True)
    class Opts(MethodOptions):
        a: tuple[int, ...] = option((1,), "a")
        b: list[float] | None = option(None, "b")
        c: str | None = option(None, "c")

    assert Opts.from_mapping({"a": "1,2", "b": "[0.5]"}, method="p").to_dict() == {"a": [1, 2], "b": [0.5], "c": None}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"seed": np.int64(3)}, {"seed": 3}),
        ({"seed": np.float64(4.0)}, {"seed": 4}),
        ({"seed": decimal.Decimal("5")}, {"seed": 5}),
        ({"delay_s": np.float32(0.5)}, {"delay_s": 0.5}),
        ({"delay_s": decimal.Decimal("0.25")}, {"delay_s": 0.25}),
        ({"delay_s": np.int32(1)}, {"delay_s": 1.0}),
    ],
)
def test_numpy_and_decimal_numbers_are_taken(values: dict[str, object], expected: dict[str, object]) -> None:
    got = DummyOptions.from_mapping(values, method="dummy").to_dict()
    assert {k: got[k] for k in expected} == expected
    assert all(type(got[k]) is type(v) for k, v in expected.items())
    json.dumps(got)


@pytest.mark.parametrize(
    "values",
    [
        {"seed": decimal.Decimal("0.5")},
        {"seed": np.bool_(True)},
        {"delay_s": np.bool_(True)},
        {"seed": np.float32(1.5)},
    ],
)
def test_non_integral_or_bool_numbers_still_refused(values: dict[str, object]) -> None:
    with pytest.raises(CameraBenchError, match="must be"):
        DummyOptions.from_mapping(values, method="dummy")


def test_numpy_bool_for_a_bool_option() -> None:
    @dataclass(frozen=True)
    class Opts(MethodOptions):
        flag: bool = option(False, "f")

    got = Opts.from_mapping({"flag": np.bool_(True)}, method="p").to_dict()
    assert got == {"flag": True} and type(got["flag"]) is bool


def test_options_built_in_code_are_normalised(tmp_path: Path) -> None:
    # Path("a.mp4") in a list of video names never matched the name "a.mp4": the failure never happened;
    # np.int64 made run.json's settings unwritable
    video = tmp_path / "a.mp4"
    video.write_bytes(b"x")
    pred = DummyPredictor(DummyOptions(fail_videos=[Path("a.mp4")], seed=np.int64(2)))  # type: ignore[list-item,arg-type]
    assert pred.settings() == {"fail_videos": ["a.mp4"], "die_videos": [], "delay_s": 0.0, "seed": 2}
    json.dumps(pred.settings())
    with pytest.raises(PredictionError, match="dummy failure requested"):
        pred.predict(video, [])


@pytest.mark.parametrize("name", sorted(registry.METHODS))
def test_settings_read_back_equal_for_every_builtin(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cls = registry.predictor_class(name)
    monkeypatch.setattr(cls.Options, "validate", lambda self, method: None)  # no checkpoint / run folder here
    required = {n: "some/folder" for n in cls.Options.names() if cls.Options.spec(n).required}
    options = cls.Options.from_mapping(required, method=name)
    settings = json.loads(json.dumps(options.to_dict()))  # as run.json holds them
    again = cls.Options.from_mapping({k: "none" if v is None else v for k, v in settings.items()}, method=name)
    assert again == options
