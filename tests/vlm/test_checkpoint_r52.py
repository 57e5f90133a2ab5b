"""Red-team review 52 of the Qwen-VL checkpoint checks (R3 ck_cfgtypes, ck_noproc).

1. A config.json field of the wrong type (``"hidden_size": "64"``) was refused by transformers'
   config validation only when a worker loaded the model, after ``predict`` had started; the
   pre-flight check (:func:`check_checkpoint`, run by ``QwenVLOptions.validate`` before any video)
   now validates config.json as transformers does, without loading weights.
2. A checkpoint without processor settings loaded with the processor defaults without a word;
   it now loads with one warning naming the folder, the missing files and the values used.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from camerabench.baselines.vlm import qwen
from camerabench.baselines.vlm.checkpoint import check_checkpoint, load_qwen_vl
from camerabench.errors import FileFormatError

from .conftest import edited_copy

_LOGGER = "camerabench.baselines.vlm.checkpoint"

# --- 1. config.json refused by transformers' validation, up front ----------------------------------


def _set(section: str | None, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(cfg: dict[str, Any]) -> None:
        (cfg[section] if section else cfg)[key] = value

    return change


def test_a_config_field_of_the_wrong_type_is_refused_by_the_pre_flight_check(tiny_ckpt: Path, tmp_path: Path) -> None:
    """input: R3 ck_cfgtypes, text_config.hidden_size "64" (a string). old: check_checkpoint and
    QwenVLOptions.validate passed; predict started and each worker then failed on
    "transformers refuses it: Validation error for field 'hidden_size'". new: refused by both,
    naming config.json, the field and where config.json sets it."""
    bad = edited_copy(tiny_ckpt, tmp_path / "bad", "config.json", _set("text_config", "hidden_size", "64"))
    message = (
        r"transformers refuses it: Validation error for field 'hidden_size': TypeError: .*expected int, got str"
        r".* \(config\.json sets text_config\.hidden_size = \"64\"\)$"
    )
    with pytest.raises(FileFormatError, match=message) as info:
        check_checkpoint(bad)
    assert str(info.value).startswith(str(bad / "config.json") + ": ")
    with pytest.raises(FileFormatError, match=message):
        qwen.QwenVLOptions(model=str(bad)).validate("qwen-vl")


@pytest.mark.parametrize(
    ("section", "key", "value", "where"),
    [
        ("vision_config", "depth", 2.0, r"vision_config\.depth = 2\.0"),
        ("text_config", "num_hidden_layers", True, r"text_config\.num_hidden_layers = true"),
        (None, "tie_word_embeddings", "no", r"tie_word_embeddings = \"no\""),
    ],
    ids=["vision-float", "text-bool", "root-str"],
)
def test_wrong_types_in_each_section_are_named(
    tiny_qwen3_ckpt: Path, tmp_path: Path, section: str | None, key: str, value: Any, where: str
) -> None:
    """input: Qwen3-VL config.json with a float depth, a bool layer count, a string flag. old: passed
    the pre-flight check. new: refused naming the field and where it is set."""
    bad = edited_copy(tiny_qwen3_ckpt, tmp_path / "bad", "config.json", _set(section, key, value))
    with pytest.raises(
        FileFormatError, match=rf"config\.json: transformers refuses it: .*'{key}'.*\({'config.json sets ' + where}\)$"
    ):
        check_checkpoint(bad)


def test_the_pre_flight_validation_builds_no_model(
    tiny_ckpt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The config is validated from config.json alone (fast): no model is built, no weight loaded."""
    import transformers

    def no_model(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the pre-flight check built a model")

    monkeypatch.setattr(transformers.PreTrainedModel, "from_pretrained", classmethod(no_model))
    bad = edited_copy(tiny_ckpt, tmp_path / "bad", "config.json", _set("text_config", "intermediate_size", "128"))
    with pytest.raises(FileFormatError, match=r"field 'intermediate_size'.*text_config\.intermediate_size = \"128\""):
        check_checkpoint(bad)
    assert check_checkpoint(tiny_ckpt) == "current"


def test_valid_checkpoints_pass_unchanged(tiny_ckpt: Path, tiny_qwen3_ckpt: Path, older_ckpt: Path) -> None:
    """The validation accepts both generations and the older (flat, transformers 4.49) layout."""
    assert check_checkpoint(tiny_ckpt) == "current"
    assert check_checkpoint(tiny_qwen3_ckpt) == "current"
    assert check_checkpoint(older_ckpt) == "older"


# --- 2. a checkpoint without processor settings is warned about -----------------------------------


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == _LOGGER and r.levelno == logging.WARNING]


def _without_processor(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    for name in ("processor_config.json", "preprocessor_config.json", "video_preprocessor_config.json"):
        (dst / name).unlink(missing_ok=True)
    return dst


def test_a_checkpoint_without_processor_config_loads_with_one_warning(
    tiny_ckpt: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """input: R3 ck_noproc (no processor_config.json / preprocessor_config.json). old: loaded with the
    Qwen2.5-VL processor defaults without a word. new: loaded, one warning naming the folder, the
    missing files and the pixel bounds, frame count and normalisation used."""
    folder = _without_processor(tiny_ckpt, tmp_path / "noproc")
    with caplog.at_level(logging.WARNING, logger=_LOGGER):
        vl = load_qwen_vl(folder, device="cpu")
    assert vl.spec.max_pixels == 360 * 420 and vl.spec.min_pixels == 128 * 28 * 28  # the defaults, still loaded
    found = [m for m in _warnings(caplog) if "processor" in m]
    assert len(found) == 1, found
    text = found[0]
    assert text.startswith(f"{folder}: no processor config (processor_config.json, preprocessor_config.json or ")
    assert "qwen2.5-vl processor's defaults are used" in text
    assert f"video pixels {128 * 28 * 28} to {360 * 420} a frame" in text
    assert "no cap of the checkpoint's own" in text
    assert "min_frames 4" in text and "image_mean [0.48145466" in text


def test_a_qwen3_checkpoint_without_processor_config_names_the_clip_budget(
    tiny_qwen3_ckpt: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Qwen3-VL ships preprocessor_config.json and video_preprocessor_config.json; without them the
    video processor's whole-clip bounds are its class defaults: the warning names them."""
    folder = _without_processor(tiny_qwen3_ckpt, tmp_path / "noproc3")
    with caplog.at_level(logging.WARNING, logger=_LOGGER):
        load_qwen_vl(folder, device="cpu")
    found = [m for m in _warnings(caplog) if "processor" in m]
    assert len(found) == 1, found
    assert f"video pixels {128 * 32 * 32} to {32 * 32 * 768} a clip" in found[0]
    assert "image_mean [0.5, 0.5, 0.5]" in found[0]


def test_video_settings_alone_warn_about_the_image_settings(
    tiny_ckpt: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """processor_config.json with a video_processor and no image_processor: only the image settings
    are defaults, and the warning says so."""
    folder = edited_copy(tiny_ckpt, tmp_path / "videoonly", "processor_config.json", lambda p: p.pop("image_processor"))
    with caplog.at_level(logging.WARNING, logger=_LOGGER):
        load_qwen_vl(folder, device="cpu")
    found = [m for m in _warnings(caplog) if "processor" in m]
    assert len(found) == 1, found
    assert found[0].startswith(f"{folder}: processor_config.json without image processor settings: ")
    assert "qwen2.5-vl image processor's defaults" in found[0] and "video pixels" not in found[0]


def test_checkpoints_with_processor_settings_load_without_the_warning(
    tiny_ckpt: Path, older_ckpt: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The current layout (processor_config.json) and the published older layout
    (preprocessor_config.json alone) are not warned about."""
    assert json.loads((tiny_ckpt / "processor_config.json").read_text())["image_processor"]
    with caplog.at_level(logging.WARNING, logger=_LOGGER):
        load_qwen_vl(tiny_ckpt, device="cpu")
        load_qwen_vl(older_ckpt, device="cpu")
    assert not [m for m in _warnings(caplog) if "defaults are used" in m]
