"""Synthetic benchmark with exact ground truth (see `camerabench synth`).

Public API: :func:`generate_dataset` writes a dataset folder (design.md A3);
:func:`render_clip` renders one :class:`ClipSpec` in memory; :func:`preset_specs` lists a
preset's clips; :func:`render_frame` / :func:`project_points` are the renderer and its
pinhole model; :func:`gt_lens_k1` reads the lens distortion ``k1`` a clip's ground-truth
``gt/<stem>.npz`` records beside ``cam_c2w``, ``intrinsic`` and ``timestamps``.

Attributes are imported on first use (PEP 562): ``import camerabench.synth.presets`` for the
command line's defaults does not pull in the renderer, the video writer and the label files.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from camerabench.synth.annotate import VQA_TASKS, SynthClip, caption, vqa_pairs
    from camerabench.synth.generate import (
        CLIP_DURATION_S,
        GENERATOR_VERSION,
        RenderedClip,
        generate_dataset,
        gt_lens_k1,
        render_clip,
    )
    from camerabench.synth.presets import MAGNITUDES, preset_specs
    from camerabench.synth.render import Quad, Scene, TextureBank, project_points, render_frame
    from camerabench.synth.specs import FAILURE_MODES, KNOBS, ClipSpec, camera_path, raw_annotation

__all__ = [
    "CLIP_DURATION_S",
    "FAILURE_MODES",
    "GENERATOR_VERSION",
    "KNOBS",
    "MAGNITUDES",
    "VQA_TASKS",
    "ClipSpec",
    "Quad",
    "RenderedClip",
    "Scene",
    "SynthClip",
    "TextureBank",
    "camera_path",
    "caption",
    "generate_dataset",
    "gt_lens_k1",
    "preset_specs",
    "project_points",
    "raw_annotation",
    "render_clip",
    "render_frame",
    "vqa_pairs",
]

_HOMES = {
    "VQA_TASKS": "annotate",
    "SynthClip": "annotate",
    "caption": "annotate",
    "vqa_pairs": "annotate",
    "CLIP_DURATION_S": "generate",
    "GENERATOR_VERSION": "generate",
    "RenderedClip": "generate",
    "generate_dataset": "generate",
    "gt_lens_k1": "generate",
    "render_clip": "generate",
    "FAILURE_MODES": "specs",
    "KNOBS": "specs",
    "MAGNITUDES": "presets",
    "preset_specs": "presets",
    "Quad": "render",
    "Scene": "render",
    "TextureBank": "render",
    "project_points": "render",
    "render_frame": "render",
    "ClipSpec": "specs",
    "camera_path": "specs",
    "raw_annotation": "specs",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
