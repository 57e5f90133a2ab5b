"""Labels beyond the binary files: captions and Winoground-style VQA / retrieval pairs.

Captions are built from the taxonomy's caption phrases (``"The camera pans left slowly."``).
VQA pairs use the public task definitions of :mod:`camerabench.taxonomy.vqa_tasks` (skill
folder, ``skill`` field, task name, question wording); this module holds only the predicates
that decide which synthetic clips answer a task's questions Yes. Each task pairs every clip that
clearly answers the positive question *Yes* with a clip that clearly answers it *No* (and the
negative question *Yes*), deterministically in clip order.

Ground-centric questions ("moving forward in the scene", "upward relative to the ground")
are asked only of clips whose first frame is level and whose moves are camera-centric
translations, where the ground-centric and camera-centric answers coincide.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from camerabench.labelfiles import CaptionItem, VQAPair
from camerabench.synth.specs import ClipSpec, raw_annotation
from camerabench.taxonomy import CompoundMotion, Movement, Primitive, Speed, TrackingKind, TriState
from camerabench.taxonomy.primitives import scene_cut_phrase
from camerabench.taxonomy.rules import DIRECTION_PRIMITIVES
from camerabench.taxonomy.vqa_tasks import VQA_TASKS_FILE, VQATask, vqa_tasks

__all__ = [
    "PREDICATES",
    "VQA_TASKS",
    "SynthClip",
    "SynthVQATask",
    "bind_predicates",
    "caption",
    "caption_items",
    "vqa_pairs",
]

P = Primitive


@dataclass(frozen=True)
class SynthClip:
    """A generated clip: its video file name, spec and tri-state labels."""

    video: str
    spec: ClipSpec
    labels: dict[Primitive, TriState]

    @property
    def movement(self) -> Movement:
        ann = raw_annotation(self.spec)
        assert ann.movement is not None
        return ann.movement

    def yes(self, prim: Primitive) -> bool:
        return self.labels[prim] is True

    def no(self, prim: Primitive) -> bool:
        return self.labels[prim] is False

    def only(self, prim: Primitive) -> bool:
        """Clearly this primitive and clearly nothing else."""
        return self.yes(prim) and all(self.no(p) for p in DIRECTION_PRIMITIVES if p is not prim)

    def and_more(self, prim: Primitive) -> bool:
        """Clearly this primitive together with at least one other."""
        return self.yes(prim) and any(self.yes(p) for p in DIRECTION_PRIMITIVES if p is not prim)

    @property
    def level_start(self) -> bool:
        return self.spec.initial_pitch_deg == 0.0 and self.spec.compound is None

    @property
    def clear(self) -> bool:
        """Movement is clearly none or clearly major (not minor)."""
        return self.movement in (Movement.NO, Movement.MAJOR_SIMPLE)

    @property
    def dynamic_scene(self) -> bool:
        """Something in the scene moves: crossing objects, a tracked subject, or the large subject
        (a board crossing 1 m in front of the camera over >= 40% of the frame; it was left out,
        and its clips were positives of "Is the scene in the video completely static?")."""
        return self.spec.moving_objects > 0 or self.spec.tracking is not None or self.spec.large_subject


Predicate = Callable[[SynthClip], bool]


Predicates = tuple[Predicate, Predicate]
"""``(positive, negative)``: clips that answer the positive question Yes, and clips that answer the
negative question Yes (a clip that also satisfies ``positive`` is never used as a negative)."""


def _has(prim: Primitive, ground: bool = False) -> Predicates:
    """Clearly has ``prim`` vs clearly has not (ground-centric questions: level first frame only)."""

    def pos(c: SynthClip) -> bool:
        return c.yes(prim) and (c.level_start or not ground)

    def neg(c: SynthClip) -> bool:
        return c.no(prim) and (c.level_start or not ground)

    return pos, neg


def _versus(a: Primitive, b: Primitive, ground: bool = False) -> Predicates:
    """Clearly ``a`` and not ``b`` vs clearly ``b`` and not ``a``."""

    def pos(c: SynthClip) -> bool:
        return c.yes(a) and c.no(b) and (c.level_start or not ground)

    def neg(c: SynthClip) -> bool:
        return c.yes(b) and c.no(a) and (c.level_start or not ground)

    return pos, neg


def _clear_compound(comp: CompoundMotion) -> Predicate:
    """Clearly this compound move: not minor (a 0.001 degree arc was a positive), nor there and
    back (an arc clockwise and back is counterclockwise too) or cut to another shot."""
    return lambda c: c.spec.compound is comp and c.movement is Movement.MAJOR_SIMPLE


def _compound_has(comp: CompoundMotion) -> Predicates:
    """This arc / crane vs a clear clip without it."""
    return _clear_compound(comp), (lambda c: c.spec.compound is not comp and c.clear)


def _compound_versus(a: CompoundMotion, b: CompoundMotion) -> Predicates:
    return _clear_compound(a), _clear_compound(b)


def _only_vs_more(prim: Primitive) -> Predicates:
    """Only ``prim`` vs ``prim`` with at least one other primitive (level first frame only)."""
    return (lambda c: c.only(prim) and c.level_start), (lambda c: c.and_more(prim) and c.level_start)


def _only_vs_only(a: Primitive, b: Primitive) -> Predicates:
    return (lambda c: c.only(a)), (lambda c: c.only(b))


def _tracks(c: SynthClip, kind: TrackingKind | None = None) -> bool:
    """Clearly a tracking shot (of this kind): not one whose move is too small to name (``minor``),
    which was a positive of the tracking tasks."""
    return c.spec.tracking is not None and (kind is None or c.spec.tracking is kind) and not c.spec.minor


def _tracking(kind: TrackingKind) -> Predicates:
    """This kind of tracking shot vs a clear clip that is not one."""
    return (lambda c: _tracks(c, kind)), (lambda c: c.spec.tracking is not kind and c.clear)


#: Task name -> predicates; exactly the tasks of ``taxonomy/vqa_tasks.yaml``.
PREDICATES: dict[str, Predicates] = {
    # has_motion
    "has_pan_left": _has(P.PAN_LEFT),
    "has_pan_right": _has(P.PAN_RIGHT),
    "has_tilt_up": _has(P.TILT_UP),
    "has_tilt_down": _has(P.TILT_DOWN),
    "has_roll_clockwise": _has(P.ROLL_CLOCKWISE),
    "has_roll_counterclockwise": _has(P.ROLL_COUNTERCLOCKWISE),
    "has_zoom_in": _has(P.ZOOM_IN),
    "has_zoom_out": _has(P.ZOOM_OUT),
    "has_forward_motion": _has(P.MOVE_IN, ground=True),
    "has_backward_motion": _has(P.MOVE_OUT, ground=True),
    "has_pedestal_up": _has(P.MOVE_UP, ground=True),
    "has_pedestal_down": _has(P.MOVE_DOWN, ground=True),
    "has_truck_left": _has(P.MOVE_LEFT),
    "has_truck_right": _has(P.MOVE_RIGHT),
    "has_pan_left_not_truck_vs_has_truck_not_pan_left": _versus(P.PAN_LEFT, P.MOVE_LEFT),
    "has_pan_right_not_truck_vs_has_truck_not_pan_right": _versus(P.PAN_RIGHT, P.MOVE_RIGHT),
    "has_tilt_up_not_pedestal_vs_has_pedestal_not_tilt_up": _versus(P.TILT_UP, P.MOVE_UP),
    "has_tilt_down_not_pedestal_vs_has_pedestal_not_tilt_down": _versus(P.TILT_DOWN, P.MOVE_DOWN),
    "has_zoom_in_not_move_vs_has_move_not_zoom_in": _versus(P.ZOOM_IN, P.MOVE_IN),
    "has_zoom_out_not_move_vs_has_move_not_zoom_out": _versus(P.ZOOM_OUT, P.MOVE_OUT),
    "has_arc_clockwise": _compound_has(CompoundMotion.ARC_CLOCKWISE),
    "has_arc_counterclockwise": _compound_has(CompoundMotion.ARC_COUNTERCLOCKWISE),
    "has_crane_up": _compound_has(CompoundMotion.CRANE_UP),
    "has_crane_down": _compound_has(CompoundMotion.CRANE_DOWN),
    # motion_direction
    "pan_left_vs_pan_right": _versus(P.PAN_LEFT, P.PAN_RIGHT),
    "tilt_up_vs_tilt_down": _versus(P.TILT_UP, P.TILT_DOWN),
    "roll_cc_vs_roll_ccw": _versus(P.ROLL_CLOCKWISE, P.ROLL_COUNTERCLOCKWISE),
    "zoom_in_vs_zoom_out": _versus(P.ZOOM_IN, P.ZOOM_OUT),
    "has_leftward_vs_rightward": _versus(P.MOVE_LEFT, P.MOVE_RIGHT),
    "has_forward_vs_backward_ground": _versus(P.MOVE_IN, P.MOVE_OUT, ground=True),
    "has_upward_vs_downward_ground": _versus(P.MOVE_UP, P.MOVE_DOWN, ground=True),
    "arc_ccw_vs_arc_cc": _compound_versus(CompoundMotion.ARC_COUNTERCLOCKWISE, CompoundMotion.ARC_CLOCKWISE),
    "crane_up_vs_crane_down": _compound_versus(CompoundMotion.CRANE_UP, CompoundMotion.CRANE_DOWN),
    "dolly_zoom_in_vs_dolly_zoom_out": _compound_versus(CompoundMotion.DOLLY_ZOOM_IN, CompoundMotion.DOLLY_ZOOM_OUT),
    "lead_tracking_vs_tail_tracking": (
        lambda c: _tracks(c, TrackingKind.LEAD),
        lambda c: _tracks(c, TrackingKind.TAIL),
    ),
    # only_motion
    "only_forward_vs_has_forward_and_not_only": _only_vs_more(P.MOVE_IN),
    "only_backward_vs_has_backward_and_not_only": _only_vs_more(P.MOVE_OUT),
    "only_pedestal_up_vs_has_pedestal_up_and_not_only": _only_vs_more(P.MOVE_UP),
    "only_pedestal_down_vs_has_pedestal_down_and_not_only": _only_vs_more(P.MOVE_DOWN),
    "only_truck_left_vs_has_truck_left_and_not_only": _only_vs_more(P.MOVE_LEFT),
    "only_truck_right_vs_has_truck_right_and_not_only": _only_vs_more(P.MOVE_RIGHT),
    "only_pan_left_vs_has_pan_left_and_not_only": _only_vs_more(P.PAN_LEFT),
    "only_pan_right_vs_has_pan_right_and_not_only": _only_vs_more(P.PAN_RIGHT),
    "only_tilt_up_vs_has_tilt_up_and_not_only": _only_vs_more(P.TILT_UP),
    "only_tilt_down_vs_has_tilt_down_and_not_only": _only_vs_more(P.TILT_DOWN),
    "only_roll_cc_vs_has_roll_cc_and_not_only": _only_vs_more(P.ROLL_CLOCKWISE),
    "only_roll_ccw_vs_has_roll_ccw_and_not_only": _only_vs_more(P.ROLL_COUNTERCLOCKWISE),
    "only_zoom_in_vs_has_zoom_in_and_not_only": _only_vs_more(P.ZOOM_IN),
    "only_zoom_out_vs_has_zoom_out_and_not_only": _only_vs_more(P.ZOOM_OUT),
    # confusable_motion
    "only_pan_left_vs_only_truck_left": _only_vs_only(P.PAN_LEFT, P.MOVE_LEFT),
    "only_pan_right_vs_only_truck_right": _only_vs_only(P.PAN_RIGHT, P.MOVE_RIGHT),
    "only_tilt_up_vs_only_pedestal_up": _only_vs_only(P.TILT_UP, P.MOVE_UP),
    "only_tilt_down_vs_only_pedestal_down": _only_vs_only(P.TILT_DOWN, P.MOVE_DOWN),
    "only_zoom_in_vs_only_forward": _only_vs_only(P.ZOOM_IN, P.MOVE_IN),
    "only_zoom_out_vs_only_backward": _only_vs_only(P.ZOOM_OUT, P.MOVE_OUT),
    # motion_and_steadiness
    "is_the_camera_fixed_or_moving": (
        lambda c: c.yes(P.STATIC),
        lambda c: c.movement is Movement.MAJOR_SIMPLE,
    ),
    "is_the_fixed_camera_shaking_or_not": (
        lambda c: c.yes(P.STATIC),
        lambda c: c.spec.is_static and c.spec.shake_deg > 0,
    ),
    "is_the_camera_clearly_moving_or_not": (
        lambda c: c.movement is Movement.MAJOR_SIMPLE,
        lambda c: c.movement in (Movement.NO, Movement.MINOR),
    ),
    "is_the_camera_stable_or_shaky": (
        lambda c: c.movement is Movement.MAJOR_SIMPLE and c.spec.shake_deg == 0,
        lambda c: c.spec.shake_deg > 0,
    ),
    # motion_speed
    "is_camera_movement_slow_or_fast": (
        lambda c: c.movement is Movement.MAJOR_SIMPLE and c.spec.speed is Speed.SLOW,
        lambda c: c.movement is Movement.MAJOR_SIMPLE and c.spec.speed is Speed.FAST,
    ),
    "has_motion_blur_or_not": (
        lambda c: c.spec.motion_blur > 1,
        lambda c: c.spec.motion_blur == 1 and c.clear,
    ),
    # scene_dynamics
    # a clip with a scene cut is two shots of two scenes: ambiguous (rule 1), neither answer (its
    # still shots made it a positive of "completely static" across a cut to another scene)
    "is_scene_static_or_not": (
        lambda c: not c.dynamic_scene and not c.spec.scene_cut,
        lambda c: c.dynamic_scene and not c.spec.scene_cut,
    ),
    # tracking_shot
    "is_tracking": (
        _tracks,
        lambda c: c.spec.tracking is None and c.clear,
    ),
    "has_lead_tracking": _tracking(TrackingKind.LEAD),
    "has_tail_tracking": _tracking(TrackingKind.TAIL),
}


@dataclass(frozen=True)
class SynthVQATask:
    """A taxonomy VQA task with the predicates that pick its synthetic clips."""

    definition: VQATask
    positive: Predicate
    negative: Predicate


def bind_predicates(tasks: Sequence[VQATask], predicates: Mapping[str, Predicates]) -> tuple[SynthVQATask, ...]:
    """Pair each task with its predicates, in task order.

    Raises:
        ValueError: A task has no predicates or predicates name no task; the message lists them.
    """
    names = [t.task for t in tasks]
    missing = [n for n in names if n not in predicates]
    extra = [n for n in predicates if n not in names]
    if missing or extra:
        raise ValueError(
            f"VQA tasks ({VQA_TASKS_FILE}) and synthetic predicates ({__name__}.PREDICATES) differ: "
            f"tasks without predicates {missing}, predicates without a task {extra}"
        )
    return tuple(SynthVQATask(t, *predicates[t.task]) for t in tasks)


#: Every taxonomy VQA task with its predicates, in ``vqa_tasks.yaml`` order.
VQA_TASKS: tuple[SynthVQATask, ...] = bind_predicates(vqa_tasks(), PREDICATES)


def vqa_pairs(clips: Sequence[SynthClip]) -> dict[tuple[str, str], list[VQAPair]]:
    """``(folder, task)`` -> pairs, for every task with at least one positive and one negative.

    Each positive clip (in clip order) is paired with the next negative clip in turn.
    """
    out: dict[tuple[str, str], list[VQAPair]] = {}
    for synth_task in VQA_TASKS:
        task = synth_task.definition
        pos = [c for c in clips if synth_task.positive(c)]
        neg = [c for c in clips if synth_task.negative(c) and not synth_task.positive(c)]
        if not pos or not neg:
            continue
        pairs = []
        for i, p in enumerate(pos):
            n = neg[i % len(neg)]
            pairs.append(
                VQAPair(
                    skill=task.skill,
                    task=task.task,
                    images=(p.video, n.video),
                    texts=(task.pos_question, task.neg_question),
                    pos_video=p.video,
                    neg_video=n.video,
                    pos_text=task.pos_question,
                    neg_text=task.neg_question,
                    pos_question=task.pos_question,
                    neg_question=task.neg_question,
                )
            )
        out[(task.folder, task.task)] = pairs
    return out


def _join(phrases: list[str]) -> str:
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def caption(spec: ClipSpec) -> str:
    """A caption from taxonomy phrases.

    Example:
        >>> caption(ClipSpec("x", moves=((Primitive.PAN_LEFT, 8.0),), speed=Speed.SLOW))
        'The camera pans left slowly.'
        >>> caption(ClipSpec("still"))
        'The camera remains completely still.'
        >>> caption(ClipSpec("cut", scene_cut=True, cut_moves=((Primitive.PAN_RIGHT, 10.0),)))
        'The camera remains completely still. Then the video cuts to another scene, where the camera pans right.'
    """
    from camerabench.synth.specs import steadiness

    sentences: list[str] = []
    if spec.is_static:
        if spec.shake_deg > 0:
            # not "stays in place": that reads as Static, which a shaking camera is not (rule 5)
            sentences.append(f"The camera {Movement.NO.caption_phrase_unsteady(steadiness(spec))}.")
        else:
            sentences.append(f"The camera {Primitive.STATIC.caption_phrase}.")
    elif spec.minor:
        sentences.append(f"The camera {Movement.MINOR.caption_phrase}.")
    else:
        phrases = [p.caption_phrase for p, _ in spec.moves]
        if spec.compound is not None:
            phrases.append(spec.compound.caption_phrase)
        speed = spec.speed.caption_phrase
        sentence = f"The camera {_join(phrases)}" + (f" {speed}" if speed else "")
        if spec.profile == "there_hold_back":  # the way back is labelled too (raw_annotation)
            back = [p.opposite.caption_phrase for p, _ in spec.moves if p.opposite is not None]
            if spec.compound is not None:
                back.append(spec.compound.opposite.caption_phrase)
            sentence += f", pauses, and then {_join(back)}, returning to where it started"
        if spec.tracking is not None:
            sentence += f"; it {spec.tracking.caption_phrase}"
        sentences.append(sentence + ".")
        if spec.shake_deg > 0:
            sentences.append(f"The motion is {steadiness(spec).caption_phrase}.")
    if spec.moving_objects:
        sentences.append("Objects move through the scene.")
    if spec.scene_cut:  # the second shot (the caption described only the first)
        after = [p.caption_phrase for p, _ in spec.cut_moves]
        speed = spec.speed.caption_phrase if after else ""
        what = _join(after) + (f" {speed}" if speed else "") if after else Primitive.STATIC.caption_phrase
        sentences.append(f"Then the video {scene_cut_phrase()}, where the camera {what}.")
    return " ".join(sentences)


def caption_items(clips: Sequence[SynthClip], question: str) -> list[CaptionItem]:
    return [CaptionItem(c.video, question, caption(c.spec)) for c in clips]
