"""The CameraBench camera-motion taxonomy: primitives, tri-state labels, binary and VQA tasks."""

from camerabench.taxonomy.primitives import (
    TAXONOMY_VERSION,
    CompoundMotion,
    GroundMotion,
    Movement,
    Primitive,
    SceneDynamics,
    Speed,
    Steadiness,
    TrackingKind,
    primitives_named,
)
from camerabench.taxonomy.rules import DIRECTION_PRIMITIVES, RawAnnotation, TriState, derive_labels
from camerabench.taxonomy.tasks import BinaryRecord, binary_records, labels_from_binary_records
from camerabench.taxonomy.vqa_tasks import TaxonomyDataError, VQATask, vqa_task, vqa_tasks

__all__ = [
    "DIRECTION_PRIMITIVES",
    "TAXONOMY_VERSION",
    "BinaryRecord",
    "CompoundMotion",
    "GroundMotion",
    "Movement",
    "Primitive",
    "RawAnnotation",
    "SceneDynamics",
    "Speed",
    "Steadiness",
    "TaxonomyDataError",
    "TrackingKind",
    "TriState",
    "VQATask",
    "binary_records",
    "derive_labels",
    "labels_from_binary_records",
    "primitives_named",
    "vqa_task",
    "vqa_tasks",
]
