"""Synthetic benchmark with exact ground truth (see `camerabench synth`).

Public API: :func:`generate_dataset` writes a dataset folder (design.md A3);
:func:`render_clip` renders one :class:`ClipSpec` in memory; :func:`preset_specs` lists a
preset's clips; :func:`render_frame` / :func:`project_points` are the renderer and its
pinhole model.
"""

from camerabench.synth.annotate import VQA_TASKS, SynthClip, caption, vqa_pairs
from camerabench.synth.generate import CLIP_DURATION_S, GENERATOR_VERSION, RenderedClip, generate_dataset, render_clip
from camerabench.synth.presets import FAILURE_MODES, KNOBS, MAGNITUDES, preset_specs
from camerabench.synth.render import Quad, Scene, TextureBank, project_points, render_frame
from camerabench.synth.specs import ClipSpec, camera_path, raw_annotation

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
    "preset_specs",
    "project_points",
    "raw_annotation",
    "render_clip",
    "render_frame",
    "vqa_pairs",
]
