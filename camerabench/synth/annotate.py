"""Labels beyond the binary files: captions and Winoground-style VQA / retrieval pairs.

Captions are built from the taxonomy's caption phrases (``"The camera pans left slowly."``).
VQA pairs use the public CameraBench skill folders, task names and question wording
(copied verbatim from the public ``vqa_and_retrieval`` files); each task pairs every clip
that clearly answers the positive question *Yes* with a clip that clearly answers it *No*
(and the negative question *Yes*), deterministically in clip order.

Ground-centric questions ("moving forward in the scene", "upward relative to the ground")
are asked only of clips whose first frame is level and whose moves are camera-centric
translations, where the ground-centric and camera-centric answers coincide.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from camerabench.labels import CaptionItem, VQAPair
from camerabench.synth.motion import ClipSpec, raw_annotation
from camerabench.taxonomy import CompoundMotion, Movement, Primitive, Speed, TrackingKind, TriState
from camerabench.taxonomy.labels import DIRECTION_PRIMITIVES

__all__ = ["VQA_TASKS", "SynthClip", "VQATask", "caption", "vqa_pairs"]

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
        return self.spec.moving_objects > 0 or self.spec.tracking is not None


Predicate = Callable[[SynthClip], bool]


@dataclass(frozen=True)
class VQATask:
    """One public VQA task: folder, ``skill`` field, task name, questions, and who answers Yes."""

    folder: str
    skill: str
    task: str
    pos_question: str
    neg_question: str
    positive: Predicate
    negative: Predicate


def _has(prim: Primitive, folder: str, skill: str, task: str, pos_q: str, neg_q: str, ground: bool = False) -> VQATask:
    def pos(c: SynthClip) -> bool:
        return c.yes(prim) and (c.level_start or not ground)

    def neg(c: SynthClip) -> bool:
        return c.no(prim) and (c.level_start or not ground)

    return VQATask(folder, skill, task, pos_q, neg_q, pos, neg)


def _versus(
    a: Primitive, b: Primitive, folder: str, skill: str, task: str, pos_q: str, neg_q: str, ground: bool = False
) -> VQATask:
    def pos(c: SynthClip) -> bool:
        return c.yes(a) and c.no(b) and (c.level_start or not ground)

    def neg(c: SynthClip) -> bool:
        return c.yes(b) and c.no(a) and (c.level_start or not ground)

    return VQATask(folder, skill, task, pos_q, neg_q, pos, neg)


def _compound_has(comp: CompoundMotion, task: str, pos_q: str, neg_q: str) -> VQATask:
    return VQATask(
        "has_motion",
        "has_arc_crane",
        task,
        pos_q,
        neg_q,
        lambda c: c.spec.compound is comp,
        lambda c: c.spec.compound is not comp and c.clear,
    )


def _compound_versus(a: CompoundMotion, b: CompoundMotion, skill: str, task: str, pos_q: str, neg_q: str) -> VQATask:
    return VQATask(
        "motion_direction", skill, task, pos_q, neg_q, lambda c: c.spec.compound is a, lambda c: c.spec.compound is b
    )


def _only_vs_more(prim: Primitive, skill: str, task: str, pos_q: str, neg_q: str) -> VQATask:
    return VQATask(
        "only_motion",
        skill,
        task,
        pos_q,
        neg_q,
        lambda c: c.only(prim) and c.level_start,
        lambda c: c.and_more(prim) and c.level_start,
    )


def _only_vs_only(a: Primitive, b: Primitive, skill: str, task: str, pos_q: str, neg_q: str) -> VQATask:
    return VQATask("confusable_motion", skill, task, pos_q, neg_q, lambda c: c.only(a), lambda c: c.only(b))


def _tracking(kind: TrackingKind, task: str, pos_q: str, neg_q: str) -> VQATask:
    return VQATask(
        "tracking_shot",
        "special_tracking",
        task,
        pos_q,
        neg_q,
        lambda c: c.spec.tracking is kind,
        lambda c: c.spec.tracking is not kind and c.clear,
    )


#: Tasks the synthetic clips can answer (wording verbatim from the public files).
VQA_TASKS: tuple[VQATask, ...] = (
    # has_motion
    _has(
        P.PAN_LEFT,
        "has_motion",
        "has_rotation",
        "has_pan_left",
        "Does the camera pan to the left?",
        "Is the camera free from any leftward panning motion?",
    ),
    _has(
        P.PAN_RIGHT,
        "has_motion",
        "has_rotation",
        "has_pan_right",
        "Does the camera pan to the right?",
        "Is the camera free from any rightward panning motion?",
    ),
    _has(
        P.TILT_UP,
        "has_motion",
        "has_rotation",
        "has_tilt_up",
        "Does the camera tilt upward?",
        "Is the camera free from any upward tilting motion?",
    ),
    _has(
        P.TILT_DOWN,
        "has_motion",
        "has_rotation",
        "has_tilt_down",
        "Does the camera tilt downward?",
        "Is the camera free from any downward tilting motion?",
    ),
    _has(
        P.ROLL_CLOCKWISE,
        "has_motion",
        "has_rotation",
        "has_roll_clockwise",
        "Does the camera roll clockwise?",
        "Is the camera free from any clockwise rolling motion?",
    ),
    _has(
        P.ROLL_COUNTERCLOCKWISE,
        "has_motion",
        "has_rotation",
        "has_roll_counterclockwise",
        "Does the camera roll counterclockwise?",
        "Is the camera free from any counterclockwise rolling motion?",
    ),
    _has(
        P.ZOOM_IN,
        "has_motion",
        "has_intrinsic_change",
        "has_zoom_in",
        "Does the camera zoom in?",
        "Is the camera free from any zoom in effects?",
    ),
    _has(
        P.ZOOM_OUT,
        "has_motion",
        "has_intrinsic_change",
        "has_zoom_out",
        "Does the camera zoom out?",
        "Is the camera free from any zoom out effects?",
    ),
    _has(
        P.MOVE_IN,
        "has_motion",
        "has_translation",
        "has_forward_motion",
        "Is the camera moving forward in the scene?",
        "Is the camera free from any forward motion?",
        ground=True,
    ),
    _has(
        P.MOVE_OUT,
        "has_motion",
        "has_translation",
        "has_backward_motion",
        "Is the camera moving backward in the scene?",
        "Is the camera free from any backward motion?",
        ground=True,
    ),
    _has(
        P.MOVE_UP,
        "has_motion",
        "has_translation",
        "has_pedestal_up",
        "Does the camera move upward relative to the ground?",
        "Is the camera free from any upward pedestal motion?",
        ground=True,
    ),
    _has(
        P.MOVE_DOWN,
        "has_motion",
        "has_translation",
        "has_pedestal_down",
        "Does the camera move downward relative to the ground?",
        "Is the camera free from any downward pedestal motion?",
        ground=True,
    ),
    _has(
        P.MOVE_LEFT,
        "has_motion",
        "has_translation",
        "has_truck_left",
        "Does the camera move laterally to the left?",
        "Is the camera free from any leftward lateral movement?",
    ),
    _has(
        P.MOVE_RIGHT,
        "has_motion",
        "has_translation",
        "has_truck_right",
        "Does the camera move laterally to the right?",
        "Is the camera free from any rightward lateral movement?",
    ),
    _versus(
        P.PAN_LEFT,
        P.MOVE_LEFT,
        "has_motion",
        "rotation_vs_translation",
        "has_pan_left_not_truck_vs_has_truck_not_pan_left",
        "Does the camera pan left without moving laterally to the left?",
        "Does the camera move laterally to the left without panning left?",
    ),
    _versus(
        P.PAN_RIGHT,
        P.MOVE_RIGHT,
        "has_motion",
        "rotation_vs_translation",
        "has_pan_right_not_truck_vs_has_truck_not_pan_right",
        "Does the camera pan right without moving laterally to the right?",
        "Does the camera move laterally to the right without panning right?",
    ),
    _versus(
        P.TILT_UP,
        P.MOVE_UP,
        "has_motion",
        "rotation_vs_translation",
        "has_tilt_up_not_pedestal_vs_has_pedestal_not_tilt_up",
        "Does the camera tilt up without moving physically upward?",
        "Does the camera move physically upward without tilting up?",
    ),
    _versus(
        P.TILT_DOWN,
        P.MOVE_DOWN,
        "has_motion",
        "rotation_vs_translation",
        "has_tilt_down_not_pedestal_vs_has_pedestal_not_tilt_down",
        "Does the camera tilt down without moving physically downward?",
        "Does the camera move physically downward without tilting down?",
    ),
    _versus(
        P.ZOOM_IN,
        P.MOVE_IN,
        "has_motion",
        "instrinsic_vs_extrinsic",
        "has_zoom_in_not_move_vs_has_move_not_zoom_in",
        "Does the camera zoom in without physically moving forward?",
        "Does the camera physically move forward without zooming in?",
    ),
    _versus(
        P.ZOOM_OUT,
        P.MOVE_OUT,
        "has_motion",
        "instrinsic_vs_extrinsic",
        "has_zoom_out_not_move_vs_has_move_not_zoom_out",
        "Does the camera zoom out without physically moving backward?",
        "Does the camera physically move backward without zooming out?",
    ),
    _compound_has(
        CompoundMotion.ARC_CLOCKWISE,
        "has_arc_clockwise",
        "Does the camera move in a clockwise arc?",
        "Is the camera free from any clockwise arc movement?",
    ),
    _compound_has(
        CompoundMotion.ARC_COUNTERCLOCKWISE,
        "has_arc_counterclockwise",
        "Does the camera move in a counterclockwise arc?",
        "Is the camera free from any counterclockwise arc movement?",
    ),
    _compound_has(
        CompoundMotion.CRANE_UP,
        "has_crane_up",
        "Does the camera crane upward in an arc?",
        "Is the camera not craning upward in an arc?",
    ),
    _compound_has(
        CompoundMotion.CRANE_DOWN,
        "has_crane_down",
        "Does the camera crane downward in an arc?",
        "Is the camera not craning downward in an arc?",
    ),
    # motion_direction
    _versus(
        P.PAN_LEFT,
        P.PAN_RIGHT,
        "motion_direction",
        "rotation_direction",
        "pan_left_vs_pan_right",
        "Does the camera pan to the left?",
        "Does the camera pan to the right?",
    ),
    _versus(
        P.TILT_UP,
        P.TILT_DOWN,
        "motion_direction",
        "rotation_direction",
        "tilt_up_vs_tilt_down",
        "Does the camera tilt upward?",
        "Does the camera tilt downward?",
    ),
    _versus(
        P.ROLL_CLOCKWISE,
        P.ROLL_COUNTERCLOCKWISE,
        "motion_direction",
        "rotation_direction",
        "roll_cc_vs_roll_ccw",
        "Does the camera roll clockwise?",
        "Does the camera roll counterclockwise?",
    ),
    _versus(
        P.ZOOM_IN,
        P.ZOOM_OUT,
        "motion_direction",
        "intrinsic_direction",
        "zoom_in_vs_zoom_out",
        "Does the camera zoom in?",
        "Does the camera zoom out?",
    ),
    _versus(
        P.MOVE_LEFT,
        P.MOVE_RIGHT,
        "motion_direction",
        "translation_direction",
        "has_leftward_vs_rightward",
        "Does the camera move leftward in the scene?",
        "Does the camera move rightward in the scene?",
    ),
    _versus(
        P.MOVE_IN,
        P.MOVE_OUT,
        "motion_direction",
        "translation_direction",
        "has_forward_vs_backward_ground",
        "Is the camera moving forward in the scene?",
        "Is the camera moving backward in the scene?",
        ground=True,
    ),
    _versus(
        P.MOVE_UP,
        P.MOVE_DOWN,
        "motion_direction",
        "translation_direction",
        "has_upward_vs_downward_ground",
        "Does the camera move upward relative to the ground?",
        "Does the camera move downward relative to the ground?",
        ground=True,
    ),
    _compound_versus(
        CompoundMotion.ARC_COUNTERCLOCKWISE,
        CompoundMotion.ARC_CLOCKWISE,
        "object_centric_direction",
        "arc_ccw_vs_arc_cc",
        "Does the camera move in a counterclockwise arc?",
        "Does the camera move in a clockwise arc?",
    ),
    _compound_versus(
        CompoundMotion.CRANE_UP,
        CompoundMotion.CRANE_DOWN,
        "object_centric_direction",
        "crane_up_vs_crane_down",
        "Is the camera craning upward in an arc?",
        "Does the camera move downward in a crane shot?",
    ),
    _compound_versus(
        CompoundMotion.DOLLY_ZOOM_IN,
        CompoundMotion.DOLLY_ZOOM_OUT,
        "intrinsic_direction",
        "dolly_zoom_in_vs_dolly_zoom_out",
        "Does the shot feature a dolly zoom effect with the camera moving backward and zooming in?",
        "Does the shot feature a dolly zoom effect with the camera moving forward and zooming out?",
    ),
    VQATask(
        "motion_direction",
        "object_centric_direction",
        "lead_tracking_vs_tail_tracking",
        "Is it a tracking shot with the camera moving ahead of the subject?",
        "Is it a tracking shot with the camera following behind the subject?",
        lambda c: c.spec.tracking is TrackingKind.LEAD,
        lambda c: c.spec.tracking is TrackingKind.TAIL,
    ),
    # only_motion
    _only_vs_more(
        P.MOVE_IN,
        "only_translation",
        "only_forward_vs_has_forward_and_not_only",
        "Does the camera only move forward (not zooming in) with respect to the ground?",
        "Does the camera not just move forward with respect to the ground?",
    ),
    _only_vs_more(
        P.MOVE_OUT,
        "only_translation",
        "only_backward_vs_has_backward_and_not_only",
        "Does the camera only move backward (not zooming out) with respect to the ground?",
        "Does the camera not just move backward with respect to the ground?",
    ),
    _only_vs_more(
        P.MOVE_UP,
        "only_translation",
        "only_pedestal_up_vs_has_pedestal_up_and_not_only",
        "Does the camera only move upward (not tilting up) with respect to the ground?",
        "Does the camera not just move physically upward?",
    ),
    _only_vs_more(
        P.MOVE_DOWN,
        "only_translation",
        "only_pedestal_down_vs_has_pedestal_down_and_not_only",
        "Does the camera only move downward (not tilting down) with respect to the ground?",
        "Does the camera not just move physically downward?",
    ),
    _only_vs_more(
        P.MOVE_LEFT,
        "only_translation",
        "only_truck_left_vs_has_truck_left_and_not_only",
        "Does the camera only move leftward without any other camera movements?",
        "Does the camera not just move laterally to the left?",
    ),
    _only_vs_more(
        P.MOVE_RIGHT,
        "only_translation",
        "only_truck_right_vs_has_truck_right_and_not_only",
        "Does the camera only move rightward without any other camera movements?",
        "Does the camera not just move laterally to the right?",
    ),
    _only_vs_more(
        P.PAN_LEFT,
        "only_rotation",
        "only_pan_left_vs_has_pan_left_and_not_only",
        "Does the camera only pan leftward without any other camera movements?",
        "Does the camera not just pan left?",
    ),
    _only_vs_more(
        P.PAN_RIGHT,
        "only_rotation",
        "only_pan_right_vs_has_pan_right_and_not_only",
        "Does the camera only pan rightward without any other camera movements?",
        "Does the camera not just pan right?",
    ),
    _only_vs_more(
        P.TILT_UP,
        "only_rotation",
        "only_tilt_up_vs_has_tilt_up_and_not_only",
        "Does the camera only tilt upward without any other camera movements?",
        "Does the camera not just tilt up?",
    ),
    _only_vs_more(
        P.TILT_DOWN,
        "only_rotation",
        "only_tilt_down_vs_has_tilt_down_and_not_only",
        "Does the camera only tilt downward without any other camera movements?",
        "Does the camera not just tilt down?",
    ),
    _only_vs_more(
        P.ROLL_CLOCKWISE,
        "only_rotation",
        "only_roll_cc_vs_has_roll_cc_and_not_only",
        "Does the camera only roll clockwise without any other camera movements?",
        "Does the camera not just roll clockwise?",
    ),
    _only_vs_more(
        P.ROLL_COUNTERCLOCKWISE,
        "only_rotation",
        "only_roll_ccw_vs_has_roll_ccw_and_not_only",
        "Does the camera only roll counterclockwise without any other camera movements?",
        "Does the camera not just roll counterclockwise?",
    ),
    _only_vs_more(
        P.ZOOM_IN,
        "only_intrinsic_change",
        "only_zoom_in_vs_has_zoom_in_and_not_only",
        "Does the camera only zoom in with no other movement?",
        "Does the camera not just zoom in?",
    ),
    _only_vs_more(
        P.ZOOM_OUT,
        "only_intrinsic_change",
        "only_zoom_out_vs_has_zoom_out_and_not_only",
        "Does the camera only zoom out with no other movement?",
        "Does the camera not just zoom out?",
    ),
    # confusable_motion
    _only_vs_only(
        P.PAN_LEFT,
        P.MOVE_LEFT,
        "rotation_vs_translation",
        "only_pan_left_vs_only_truck_left",
        "Does the camera only pan left with no other movement?",
        "Does the camera only move laterally to the left with no other movement?",
    ),
    _only_vs_only(
        P.PAN_RIGHT,
        P.MOVE_RIGHT,
        "rotation_vs_translation",
        "only_pan_right_vs_only_truck_right",
        "Does the camera only pan right with no other movement?",
        "Does the camera only move laterally to the right with no other movement?",
    ),
    _only_vs_only(
        P.TILT_UP,
        P.MOVE_UP,
        "rotation_vs_translation",
        "only_tilt_up_vs_only_pedestal_up",
        "Does the camera only tilt up with no other movement?",
        "Does the camera only move physically upward (pedestal up) with no other movement?",
    ),
    _only_vs_only(
        P.TILT_DOWN,
        P.MOVE_DOWN,
        "rotation_vs_translation",
        "only_tilt_down_vs_only_pedestal_down",
        "Does the camera only tilt down with no other movement?",
        "Does the camera only move physically downward (pedestal down) with no other movement?",
    ),
    _only_vs_only(
        P.ZOOM_IN,
        P.MOVE_IN,
        "instrinsic_vs_extrinsic",
        "only_zoom_in_vs_only_forward",
        "Does the camera only zoom in without any other camera movement?",
        "Does the camera only move forward without any other camera movement?",
    ),
    _only_vs_only(
        P.ZOOM_OUT,
        P.MOVE_OUT,
        "instrinsic_vs_extrinsic",
        "only_zoom_out_vs_only_backward",
        "Does the camera only zoom out without any other camera movement?",
        "Does the camera only move backward without any other camera movement?",
    ),
    # motion_and_steadiness
    VQATask(
        "motion_and_steadiness",
        "movement_and_steadiness",
        "is_the_camera_fixed_or_moving",
        "Is the camera completely still without any visible movement?",
        "Is the camera not completely still and shows visible movement?",
        lambda c: c.yes(P.STATIC),
        lambda c: c.movement is Movement.MAJOR_SIMPLE,
    ),
    VQATask(
        "motion_and_steadiness",
        "movement_and_steadiness",
        "is_the_fixed_camera_shaking_or_not",
        "Is the camera completely still without any motion or shaking?",
        "Is the camera stationary with minor vibrations or shaking?",
        lambda c: c.yes(P.STATIC),
        lambda c: c.spec.is_static and c.spec.shake_deg > 0,
    ),
    VQATask(
        "motion_and_steadiness",
        "movement_and_steadiness",
        "is_the_camera_clearly_moving_or_not",
        "Does the camera have noticeable motion beyond minor shake or wobble?",
        "Is the camera free from noticeable motion beyond minor shake or wobble?",
        lambda c: c.movement is Movement.MAJOR_SIMPLE,
        lambda c: c.movement in (Movement.NO, Movement.MINOR),
    ),
    VQATask(
        "motion_and_steadiness",
        "movement_and_steadiness",
        "is_the_camera_stable_or_shaky",
        "Is the camera movement exceptionally smooth and highly stable?",
        "Does the camera show noticable vibrations, shaking, or wobbling?",
        lambda c: c.movement is Movement.MAJOR_SIMPLE and c.spec.shake_deg == 0,
        lambda c: c.spec.shake_deg > 0,
    ),
    # motion_speed
    VQATask(
        "motion_speed",
        "camera_movement_speed",
        "is_camera_movement_slow_or_fast",
        "Does the camera have noticeable motion but at a slow motion speed?",
        "Does the camera have noticeable motion but at a fast motion speed?",
        lambda c: c.movement is Movement.MAJOR_SIMPLE and c.spec.speed is Speed.SLOW,
        lambda c: c.movement is Movement.MAJOR_SIMPLE and c.spec.speed is Speed.FAST,
    ),
    VQATask(
        "motion_speed",
        "camera_movement_speed",
        "has_motion_blur_or_not",
        "Does the video contain noticeable motion blur?",
        "Is the video free from any noticeable motion blur?",
        lambda c: c.spec.motion_blur > 1,
        lambda c: c.spec.motion_blur == 1 and c.clear,
    ),
    # scene_dynamics
    VQATask(
        "scene_dynamics",
        "scene_dynamics",
        "is_scene_static_or_not",
        "Is the scene in the video completely static?",
        "Is the scene in the video dynamic?",
        lambda c: not c.dynamic_scene,
        lambda c: c.dynamic_scene,
    ),
    # tracking_shot
    VQATask(
        "tracking_shot",
        "general_tracking",
        "is_tracking",
        "Does the camera track the subject as they move?",
        "Is the video not a tracking shot?",
        lambda c: c.spec.tracking is not None,
        lambda c: c.spec.tracking is None and c.clear,
    ),
    _tracking(
        TrackingKind.LEAD,
        "has_lead_tracking",
        "Is it a tracking shot with the camera moving ahead of the subject as they move?",
        "Is the camera not moving ahead of the subject in a tracking shot?",
    ),
    _tracking(
        TrackingKind.TAIL,
        "has_tail_tracking",
        "Is it a tracking shot with the camera following behind the subject as they move?",
        "Is the camera not following behind the subject in a tracking shot?",
    ),
)


def vqa_pairs(clips: Sequence[SynthClip]) -> dict[tuple[str, str], list[VQAPair]]:
    """``(folder, task)`` -> pairs, for every task with at least one positive and one negative.

    Each positive clip (in clip order) is paired with the next negative clip in turn.
    """
    out: dict[tuple[str, str], list[VQAPair]] = {}
    for task in VQA_TASKS:
        pos = [c for c in clips if task.positive(c)]
        neg = [c for c in clips if task.negative(c) and not task.positive(c)]
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
    """
    from camerabench.synth.motion import steadiness

    sentences: list[str] = []
    if spec.is_static:
        if spec.shake_deg > 0:
            sentences.append(f"The camera stays in place, but it is {steadiness(spec).caption_phrase}.")
        else:
            sentences.append(f"The camera {Primitive.STATIC.caption_phrase}.")
    elif spec.minor:
        sentences.append("The camera moves only very slightly.")
    else:
        phrases = [p.caption_phrase for p, _ in spec.moves]
        if spec.compound is not None:
            phrases.append(spec.compound.caption_phrase)
        speed = spec.speed.caption_phrase
        sentence = f"The camera {_join(phrases)}" + (f" {speed}" if speed else "")
        if spec.tracking is not None:
            sentence += f"; it {spec.tracking.caption_phrase}"
        sentences.append(sentence + ".")
        if spec.shake_deg > 0:
            sentences.append(f"The motion is {steadiness(spec).caption_phrase}.")
    if spec.moving_objects:
        sentences.append("Objects move through the scene.")
    return " ".join(sentences)


def caption_items(clips: Sequence[SynthClip], question: str) -> list[CaptionItem]:
    return [CaptionItem(c.video, question, caption(c.spec)) for c in clips]
