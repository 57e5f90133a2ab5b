"""The CameraBench camera-motion taxonomy: primitives, tri-state labels and binary tasks."""

from camerabench.taxonomy.labels import DIRECTION_PRIMITIVES, RawAnnotation, TriState, derive_labels
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
)
from camerabench.taxonomy.tasks import BinaryRecord, binary_records, labels_from_binary_records

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
    "TrackingKind",
    "TriState",
    "binary_records",
    "derive_labels",
    "labels_from_binary_records",
]
