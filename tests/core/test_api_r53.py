"""Red team R53 on the core API: a relative or ``~`` dataset root, Dataset.validate on a deleted
or deleted folder, NumPy values and sets in RunInfo, and frame times out of order in sample_indices."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from camerabench.dataset import Dataset
from camerabench.errors import FileFormatError
from camerabench.records import RunInfo, read_run_info, write_run_info
from camerabench.video import sample_indices


def _dataset(root: Path, videos: tuple[str, ...] = ("a.mp4", "b.mp4")) -> Path:
    (root / "videos").mkdir(parents=True)
    for name in videos:
        (root / "videos" / name).write_bytes(b"not decoded here")
    return root


# --- Dataset: the root ------------------------------------------------------------------------


def test_a_relative_root_stays_the_same_folder_after_chdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Was: after os.chdir, videos() was [] and video_path() a relative path that did not exist."""
    _dataset(tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    ds = Dataset("data")
    monkeypatch.chdir(tmp_path / "data" / "videos")  # a notebook cell changes the folder
    assert ds.videos() == ["a.mp4", "b.mp4"]
    path = ds.video_path("a.mp4")
    assert path == tmp_path / "data" / "videos" / "a.mp4"
    assert path.is_file()


def test_the_root_keeps_a_symbolic_link_and_an_absolute_root_as_given(tmp_path: Path) -> None:
    real = _dataset(tmp_path / "real")
    (tmp_path / "link").symlink_to(real)
    assert Dataset(tmp_path / "link").root == tmp_path / "link"  # not resolved to real/
    assert Dataset(str(real)).root == real


def test_a_tilde_root_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Was: FileFormatError '~/data: dataset folder not found'."""
    _dataset(tmp_path / "data")
    monkeypatch.setenv("HOME", str(tmp_path))
    ds = Dataset("~/data")
    assert ds.root == tmp_path / "data"
    assert ds.videos() == ["a.mp4", "b.mp4"]


# --- Dataset.validate ---------------------------------------------------------------------------


def test_validate_refuses_a_folder_deleted_after_construction(tmp_path: Path) -> None:
    """Was: validate passed, videos() and questions() empty."""
    ds = Dataset(_dataset(tmp_path / "data"))
    shutil.rmtree(tmp_path / "data")
    with pytest.raises(FileFormatError, match="dataset folder not found") as info:
        ds.validate()
    assert info.value.path == tmp_path / "data"


def test_validate_passes_a_dataset_of_videos_without_labels(tmp_path: Path) -> None:
    ds = Dataset(_dataset(tmp_path / "data", ("clip.mp4",)))
    ds.validate()
    assert ds.videos() == ["clip.mp4"]


# --- RunInfo: NumPy values and what JSON cannot hold ------------------------------------------


def test_numpy_settings_are_kept_as_python_numbers_and_written(tmp_path: Path) -> None:
    """Was: accepted, then write_run_info failed with a bare 'Object of type float32 is not JSON serializable'."""
    settings = {"threshold": np.float32(0.5), "nested": [np.int64(2), {"on": np.bool_(True)}]}
    info = RunInfo("m", settings=settings)
    assert info.settings == {"threshold": 0.5, "nested": [2, {"on": True}]}
    assert type(info.settings["threshold"]) is float
    assert type(info.settings["nested"][0]) is int
    assert type(info.settings["nested"][1]["on"]) is bool
    write_run_info(tmp_path / "run.json", info)
    assert json.loads((tmp_path / "run.json").read_text())["settings"] == {
        "threshold": 0.5,
        "nested": [2, {"on": True}],
    }
    assert read_run_info(tmp_path / "run.json").settings == info.settings


def test_a_set_in_settings_is_refused_naming_the_key_and_type() -> None:
    with pytest.raises(ValueError, match=r"settings\['videos'\] must be a JSON value .* got set"):
        RunInfo("m", settings={"threshold": 0.5, "videos": {"a.mp4"}})
    with pytest.raises(ValueError, match=r"settings\['opts'\]\['size'\] must be a JSON value .* got ndarray"):
        RunInfo("m", settings={"opts": {"size": np.zeros(2)}})
    with pytest.raises(ValueError, match=r"settings\['opts'\] has the key 1 of type int"):
        RunInfo("m", settings={"opts": {1: "x"}})


def test_a_set_assigned_after_construction_is_refused_when_written_naming_the_file(tmp_path: Path) -> None:
    info = RunInfo("m")
    info.settings = {"videos": {"a.mp4"}}  # the job runner sets settings after building the RunInfo
    path = tmp_path / "run.json"
    with pytest.raises(ValueError, match=rf"{tmp_path}/run.json: not written: settings\['videos'\] .* got set"):
        write_run_info(path, info)
    assert not path.exists()


def test_numpy_counts_and_timings_are_python_numbers() -> None:
    """Was: videos_ok=np.int64(3) refused while seconds_per_video took np.float64."""
    info = RunInfo(
        "m",
        videos_ok=np.int64(3),  # type: ignore[arg-type]
        videos_failed=np.int32(0),  # type: ignore[arg-type]
        seconds_per_video={"a": np.float32(0.25)},  # type: ignore[dict-item]
    )
    assert info.videos_ok == 3 and type(info.videos_ok) is int
    assert type(info.videos_failed) is int
    assert info.seconds_per_video == {"a": 0.25} and type(info.seconds_per_video["a"]) is float


@pytest.mark.parametrize("count", [np.float64(3.0), np.bool_(True), True, 3.0])
def test_a_count_that_is_not_an_integer_is_refused(count: object) -> None:
    with pytest.raises(ValueError, match="videos_ok must be a count"):
        RunInfo("m", videos_ok=count)  # type: ignore[arg-type]


def test_a_numpy_bool_timing_is_refused() -> None:
    with pytest.raises(ValueError, match=r"seconds_per_video\['a'\] must be a number"):
        RunInfo("m", seconds_per_video={"a": np.bool_(True)})  # type: ignore[dict-item]


# --- sample_indices: frames out of time order -------------------------------------------------


def _nearest_per_tick(times: list[float], fps: float) -> list[int]:
    """The reference: for each tick of the clock from the first time, the first frame nearest to it."""
    ticks = np.arange(0, int(np.floor((times[-1] - times[0]) * fps + 1e-6)) + 1) / fps + times[0]
    return sorted({int(np.argmin([abs(t - tick) for t in times])) for tick in ticks})


def test_decreasing_times_are_refused_naming_the_first_step_back() -> None:
    """Was: [0] for ten frames at fps=5."""
    with pytest.raises(ValueError, match=r"timestamps\[1\] = 0.8 s is earlier than timestamps\[0\] = 0.9 s"):
        sample_indices(np.arange(10)[::-1] / 10.0, fps=5)


def test_shuffled_times_are_refused_and_sorted_times_keep_every_tick() -> None:
    """Was: [0, 2, 3], the frame at 0.1 s dropped for the one at 0.05 s."""
    with pytest.raises(ValueError, match=r"timestamps\[2\] = 0.05 s is earlier than timestamps\[1\] = 0.1 s"):
        sample_indices(np.array([0.0, 0.1, 0.05, 0.3]), fps=10)
    with pytest.raises(ValueError, match="in time order"):
        sample_indices(np.array([0.0, 0.1, 0.05, 0.3]), num_frames=2)
    times = sorted([0.0, 0.1, 0.05, 0.3])
    assert sample_indices(np.array(times), fps=10).tolist() == [0, 2, 3] == _nearest_per_tick(times, 10)


def test_repeated_times_are_still_sampled() -> None:
    """read_video may time frames that share a timestamp alike: not an error."""
    times = [0.0, 0.1, 0.1, 0.2, 0.3]
    assert sample_indices(np.array(times), fps=10).tolist() == _nearest_per_tick(times, 10) == [0, 1, 3, 4]


def test_a_dataset_root_given_relative_is_recorded_as_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _dataset(tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    assert Dataset("data").root == tmp_path / "data"
    assert Dataset(os.path.join(".", "data")).root.resolve() == (tmp_path / "data").resolve()
