"""Pure parts of the metric gate: every direction at, above and below the threshold; metrics; table; skip text."""

from __future__ import annotations

import json

import pytest

from automations.spec import BuildMetric, DeployedBuildMetric, ThresholdDirection
from automations.steps.gate_report import explain_skip, render_table
from automations.steps.verdict import ConditionResult, GateError, Verdict, compared, decide, describe, metric_value

pytestmark = pytest.mark.unit

THRESHOLD = 0.8
# direction -> expected outcome for (below, at, above) the threshold
EXPECTED = {
    "ABOVE": (False, False, True),
    "BELOW": (True, False, False),
    "EQUALS": (False, True, False),
    "ABOVE_OR_EQUALS": (False, True, True),
    "BELOW_OR_EQUALS": (True, True, False),
}
CASES = [
    (direction, actual, outcome)
    for direction, outcomes in EXPECTED.items()
    for actual, outcome in zip((0.79, 0.8, 0.81), outcomes, strict=True)
]


@pytest.mark.parametrize(("direction", "actual", "passes"), CASES)
def test_every_direction_below_at_and_above(direction, actual, passes):
    condition = BuildMetric(metric_name="f1", direction=direction, threshold=str(THRESHOLD))
    result = compared(condition, actual, THRESHOLD, "static")
    assert result.passed is passes
    assert (result.actual, result.threshold, result.direction) == (actual, THRESHOLD, direction)
    assert result.symbol == ThresholdDirection(direction).symbol


def test_condition_labels():
    static = BuildMetric(metric_name="f1", direction="ABOVE", threshold=" 0.65 ")
    assert describe(static) == "BuildMetric(f1 ABOVE 0.65)"
    sql = BuildMetric(metric_name="f1", direction="BELOW", threshold="SELECT 1")
    assert describe(sql) == "BuildMetric(f1 BELOW <sql>)"
    champion = DeployedBuildMetric(metric_name="auc", direction="ABOVE_OR_EQUALS", variation="blue")
    assert describe(champion) == "DeployedBuildMetric(auc ABOVE_OR_EQUALS deployed@blue)"


@pytest.mark.parametrize("value", [0, 3, 0.5, -1.25])
def test_metric_value_accepts_numbers(value):
    assert metric_value({"f1": value}, "f1", "who") == float(value)


@pytest.mark.parametrize(
    ("metrics", "says"),
    [
        ({}, "the build logged no metric 'f1' (it logged: none)"),
        ({"auc": 1, "acc": 2}, "the build logged no metric 'f1' (it logged: acc, auc)"),
        ({"f1": "0.9"}, "the build's metric 'f1' is not a finite number: '0.9'"),
        ({"f1": None}, "the build's metric 'f1' is not a finite number: None"),
        ({"f1": True}, "the build's metric 'f1' is not a finite number: True"),
        ({"f1": float("nan")}, "the build's metric 'f1' is not a finite number: nan"),
    ],
)
def test_metric_value_rejects_missing_and_non_numeric(metrics, says):
    with pytest.raises(GateError) as raised:
        metric_value(metrics, "f1", "automation 'x'")
    assert str(raised.value) == f"automation 'x': {says}"


def _result(**overrides) -> ConditionResult:
    fields = dict(condition="BuildMetric(f1 ABOVE 0.8)", metric_name="f1", direction="ABOVE", symbol=">",
                  actual=0.7, threshold=0.8, source="static", passed=False)
    return ConditionResult(**{**fields, **overrides})


def test_table_shows_each_condition_and_the_outcome():
    verdict = Verdict("churn", "b1", False, False, (_result(), _result(condition="x", passed=True, actual=0.9)))
    lines = render_table(verdict).splitlines()
    assert lines[0].split() == ["condition", "metric", "actual", "direction", "threshold", "passed"]
    assert lines[2].split() == ["BuildMetric(f1", "ABOVE", "0.8)", "f1", "0.7", "ABOVE", "0.8", "(static)", "no"]
    assert lines[3].split()[-1] == "yes"
    assert lines[-1] == "verdict: SKIP DEPLOY"


def test_table_of_an_empty_forced_verdict():
    table = render_table(Verdict("churn", None, True, True, ()))
    assert "(no deployment_condition)" in table and table.endswith("verdict: DEPLOY (forced by force_deploy: override)")


def test_xcom_is_json_safe_and_keeps_both_outcomes():
    verdict = Verdict("churn", "b1", True, True, (_result(),))
    data = json.loads(json.dumps(verdict.to_xcom()))
    assert (data["passed"], data["forced"], data["conditions_passed"]) == (True, True, False)
    assert data["conditions"][0]["threshold"] == 0.8


def test_explain_skip_names_metric_threshold_direction_and_actual():
    failed = Verdict("churn", "b1", False, False, (_result(passed=True, actual=0.95), _result(metric_name="auc")))
    assert explain_skip(failed) == "auc = 0.7 is not ABOVE (>) the threshold 0.8 (static)"


def test_explain_skip_for_errors_first_deploy_and_no_verdict():
    error = _result(actual=None, threshold=None, source="", error="automation 'churn': boom")
    first = _result(threshold=None, source="first deploy", note="nothing is deployed yet: the first deploy fails")
    text = explain_skip(Verdict("churn", "b", False, False, (error, first)))
    assert "could not be evaluated: automation 'churn': boom" in text
    assert "f1 = 0.7 was not compared: nothing is deployed yet: the first deploy fails" in text
    assert explain_skip(None) == "metric_gate pushed no verdict, so there is nothing to explain"


def test_verdict_reads_back_from_its_xcom_and_ignores_keys_a_later_version_adds():
    verdict = Verdict("churn", "b1", False, False, (_result(), _result(condition="x", passed=True, error="")))
    data = json.loads(json.dumps(verdict.to_xcom()))
    data["conditions"][0]["added_later"] = 1
    assert Verdict.from_xcom({**data, "added_later": 2}) == verdict
    assert explain_skip(Verdict.from_xcom(data)) == "f1 = 0.7 is not ABOVE (>) the threshold 0.8 (static)"


@pytest.mark.parametrize(
    ("outcomes", "forced", "passed"),
    [((), False, True), ((True, True), False, True), ((True, False), False, False), ((False,), True, True)],
)
def test_decide_needs_every_condition_unless_forced(outcomes, forced, passed):
    verdict = decide("churn", "b1", tuple(_result(passed=p) for p in outcomes), forced)
    assert (verdict.passed, verdict.forced, verdict.conditions_passed) == (passed, forced, all(outcomes))
