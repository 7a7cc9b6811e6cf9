"""Sending over real loopback HTTP: GET as query parameters, others as JSON, headers, timeout, one retry."""

from __future__ import annotations

import pytest

from automations.notify.http import HttpRequest, scrub, send
from support.webhook_server import WebhookServer, closed_port_url

pytestmark = pytest.mark.unit


def test_get_sends_fields_as_query_parameters_and_applies_headers():
    with WebhookServer() as server:
        request = HttpRequest("GET", server.url("/hook?fixed=1"), {"X-Token": "abc"}, {"status": "SUCCESS", "n": 3})
        delivery = send(request, timeout_s=5)
    assert delivery.ok and delivery.attempts == 1 and delivery.status == 200
    [got] = server.recorder.requests
    assert (got.method, got.path, got.query) == ("GET", "/hook", {"fixed": "1", "status": "SUCCESS", "n": "3"})
    assert got.headers["X-Token"] == "abc" and got.body is None


def test_head_sends_query_parameters_too():
    with WebhookServer() as server:
        delivery = send(HttpRequest("HEAD", server.url("/h"), {}, {"status": "FAILURE"}), timeout_s=5)
    [got] = server.recorder.requests
    assert delivery.ok and (got.method, got.query, got.body) == ("HEAD", {"status": "FAILURE"}, None)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_other_methods_send_a_json_body(method):
    with WebhookServer() as server:
        delivery = send(HttpRequest(method, server.url("/h"), {}, {"model_id": "m"}), timeout_s=5)
    [got] = server.recorder.requests
    assert delivery.ok and got.method == method and got.body == {"model_id": "m"}
    assert got.headers["Content-Type"] == "application/json" and got.query == {}


def test_an_error_status_is_retried_once_then_reported():
    pauses = []
    with WebhookServer() as server:
        server.recorder.status = 500
        delivery = send(HttpRequest("POST", server.url("/h"), {}, {}), timeout_s=5, sleep=pauses.append)
    assert not delivery.ok and delivery.attempts == 2 and len(server.recorder.requests) == 2
    assert delivery.status == 500 and "HTTP 500" in delivery.error and len(pauses) == 1


def test_a_slow_endpoint_is_bounded_by_the_timeout():
    with WebhookServer() as server:
        server.recorder.delay_s = 3
        delivery = send(HttpRequest("POST", server.url("/slow"), {}, {}), timeout_s=0.5, sleep=lambda s: None)
    assert not delivery.ok and delivery.attempts == 2
    assert delivery.elapsed_s < 2.5, "two attempts of 0.5 s must not wait for the 3 s answer"
    assert "timed out" in delivery.error


def test_a_dead_endpoint_is_reported_without_its_url():
    url = closed_port_url("/services/T000/B000/secretpart")
    delivery = send(HttpRequest("POST", url, {}, {}), timeout_s=2, sleep=lambda s: None)
    assert not delivery.ok and delivery.status is None and delivery.error
    assert "secretpart" not in delivery.error and url not in delivery.error


def test_non_http_urls_are_refused():
    delivery = send(HttpRequest("GET", "file:///etc/passwd", {}, {}), timeout_s=1)
    assert not delivery.ok and delivery.attempts == 0


def test_scrub_removes_the_url_and_its_path():
    url = "https://hooks.slack.com/services/T/B/X?token=1"
    assert scrub(f"failed at {url} and https://hooks.slack.com/services/T/B/X", url) == (
        "failed at <url hidden> and <url hidden>"
    )
