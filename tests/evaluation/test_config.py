from __future__ import annotations

import json

import pytest

from urbangrid.evaluation.config import EvaluationConfig, default_config
from urbangrid.evaluation.indicators import ObjectKind
from urbangrid.kit.errors import InvalidInput


def test_default_config_round_trips_through_json() -> None:
    cfg = default_config()
    again = EvaluationConfig.from_json(cfg.to_json())
    assert again == cfg
    dept = again.for_kind(ObjectKind.DEPARTMENT)
    assert [t.weight for t in dept.score] == [10, 30, 30, 30]


def _data() -> dict:
    return json.loads(default_config().to_json())


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (
            lambda d: d["objects"]["department"]["rates"]["closing_rate"].update(numerator="nope"),
            "unknown count",
        ),
        (lambda d: d["objects"]["department"]["score"][0].update(weight=0), "must be positive"),
        (
            lambda d: d["objects"]["department"]["score"].append({"ref": "ghost", "weight": 1}),
            "no rate or band",
        ),
        (lambda d: d["grades"].reverse(), "ordered"),
        (lambda d: d["objects"].pop("grid"), "no configuration for grid"),
        (
            lambda d: d["objects"]["dispatcher"]["bands"]["dispatched_score"]["tables"][
                "default"
            ].pop(),
            "upper bound",
        ),
    ],
)
def test_bad_config_is_rejected_with_the_reason(mutate, needle) -> None:
    data = _data()
    mutate(data)
    with pytest.raises(InvalidInput) as err:
        EvaluationConfig.from_dict(data)
    assert needle in json.dumps(err.value.extra, ensure_ascii=False) + err.value.detail


def test_malformed_json_is_rejected() -> None:
    with pytest.raises(InvalidInput):
        EvaluationConfig.from_json("{not json")
    with pytest.raises(InvalidInput):
        EvaluationConfig.from_json('{"objects": {"department": {}}}')
