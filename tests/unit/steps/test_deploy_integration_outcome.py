import logging

import pytest

from automations.runs import DeployResult, IntegrationTests
from automations.steps.deploy import with_integration_outcome

pytestmark = pytest.mark.unit


def test_a_backend_that_runs_no_tests_it_gets_a_skip_with_the_reason(caplog):
    caplog.set_level(logging.INFO)
    result = with_integration_outcome(DeployResult(endpoint="http://m"), "kubernetes")
    assert result.integration_tests.status == "skipped"
    assert "the kubernetes backend does not run tests/it/" in result.integration_tests.reason
    assert "svc.cluster.local" in result.integration_tests.reason  # why: the endpoint is in-cluster
    assert DeployResult.from_xcom(result.to_xcom()).integration_tests == result.integration_tests
    assert "tests/it/ skipped" in caplog.text


def test_a_failed_run_is_a_warning_and_the_result_stands(caplog):
    tested = IntegrationTests(status="failed", reason="pytest exited with 1", tests={"passed": 1, "failed": 1})
    result = with_integration_outcome(DeployResult(endpoint="http://m", integration_tests=tested), "local")
    assert result.integration_tests == tested
    [record] = [r for r in caplog.records if "tests/it/" in r.getMessage()]
    assert record.levelno == logging.WARNING and "1 passed, 1 failed" in record.getMessage()


@pytest.mark.parametrize("backend", ["local", "docker"])
def test_a_backend_that_runs_tests_it_but_reported_nothing_says_so(backend):
    result = with_integration_outcome(DeployResult(endpoint="http://m"), backend)
    reason = "the deploy reported no tests/it/ outcome"
    assert result.integration_tests == IntegrationTests(status="skipped", reason=reason)
