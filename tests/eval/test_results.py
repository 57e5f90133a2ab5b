"""The typed result's document and the one failed-sample policy function."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from camerabench.eval.failed import FAILED_POLICIES, apply_failed_policy, check_failed_policy, lowest_scores
from camerabench.eval.results import (
    BinaryCI,
    CaptionResult,
    Chance,
    EvaluationResult,
    FactScores,
    MethodResult,
    MotionFacts,
    RunInfoSummary,
)


def test_policies_and_their_order() -> None:
    assert FAILED_POLICIES == ("lowest", "drop")
    assert check_failed_policy("drop") == "drop"
    with pytest.raises(ValueError, match="'lowest' or 'drop'"):
        check_failed_policy("ignore")


def test_apply_failed_policy_on_samples_and_on_pairs() -> None:
    ok = np.array([True, False, True])
    assert apply_failed_policy(ok, "lowest").tolist() == [True, True, True]
    assert apply_failed_policy(ok, "drop").tolist() == [True, False, True]
    pairs = np.array([[True, True, True, True], [True, False, True, True]])
    assert apply_failed_policy(pairs, "lowest").tolist() == [True, True]
    assert apply_failed_policy(pairs, "drop").tolist() == [True, False]  # a pair with a failed cell goes
    assert apply_failed_policy(np.zeros((0, 4), bool), "drop").shape == (0,)
    with pytest.raises(ValueError):
        apply_failed_policy(ok, "ignore")


def test_lowest_scores_rank_failures_last_and_tie() -> None:
    s = lowest_scores([0.3, math.nan, -2.0, math.nan], [True, False, True, False])
    assert s[1] == s[3] == -3.0 and s[0] == 0.3
    assert lowest_scores([math.nan], [False]).tolist() == [0.0]


def test_none_fields_are_left_out_except_run_info_provenance() -> None:
    info = RunInfoSummary("m", {}, None, "0.1", None, 1, 0, "t0", None)
    assert info.to_dict() == {
        "method": "m", "settings": {}, "model_path": None, "package_version": "0.1", "git_commit": None,
        "videos_ok": 1, "videos_failed": 0, "started": "t0", "finished": None,
    }  # fmt: skip
    section = CaptionResult(videos=2, evaluated=0, failed=2, missing=0, failed_policy="drop", note="none")
    assert list(section.to_dict()) == ["videos", "evaluated", "failed", "missing", "failed_policy", "note"]
    method = MethodResult(run_info=info, captions=section, kind="semantic")
    assert list(method.to_dict()) == ["run_info", "captions"]  # kind stays in memory


def test_from_dict_turns_null_into_nan_where_a_number_is_expected() -> None:
    result = EvaluationResult("d", "r", "lowest", 0, 0, chance=Chance({"Pan_Left": math.nan}, math.nan))
    text = json.dumps(result.to_json(), allow_nan=False)
    back = EvaluationResult.from_dict(json.loads(text))
    assert (
        back.chance is not None
        and math.isnan(back.chance.mean_ap)
        and math.isnan(back.chance.per_primitive["Pan_Left"])
    )
    ci = BinaryCI.from_dict({"per_primitive": {"A": [None, None]}, "mean_ap": [0.1, 0.2]})
    assert math.isnan(ci.per_primitive["A"][0]) and ci.mean_ap == (0.1, 0.2) and ci.degenerate is None
    facts = MotionFacts.from_dict({"vs_reference": FactScores(math.nan, 0.0, math.nan, 0, 1, 0, 1).to_dict()})
    assert facts.vs_labels is None and facts.vs_reference.fp == 1
