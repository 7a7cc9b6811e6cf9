"""One set of naming rules (names.py) for the build, image and deploy objects."""

from __future__ import annotations

import re

import pytest

from automations.backends.kubernetes import build_pod, manifests, names

pytestmark = pytest.mark.unit

LABEL = re.compile(r"([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?")
RFC1123 = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
RFC1035 = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")


def test_build_and_deploy_objects_share_one_label_rule():
    assert build_pod.label_value is names.label_value is manifests.label_value


@pytest.mark.parametrize("text", ["churn_model", "_x_", "a b/c", "é", "x" * 300, "---"])
def test_label_values_are_valid(text):
    assert LABEL.fullmatch(names.label_value(text))


def test_a_label_value_with_nothing_left_is_empty_and_its_tag_is_dropped():
    assert names.label_value("---") == ""
    assert names.tag_labels(["---", "Prod"]) == {"tag.automations/Prod": "true"}


def test_long_values_keep_a_digest_of_the_whole_text():
    a, b = names.label_value("b" * 70 + "1"), names.label_value("b" * 70 + "2")
    assert len(a) == len(b) == 63 and a != b and a.startswith("b" * 54 + "-")


def test_user_given_names_keep_a_leading_digit_service_names_do_not():
    assert names.dns_name("9-Token") == "9-token"  # a Secret the user created under that name
    assert names.dns_label("9lives") == "m-9lives"  # a Service name must start with a letter
    for text in ("9lives", "Churn_Model", "a" * 80, "..."):
        assert RFC1123.fullmatch(names.dns_name(text)) and RFC1035.fullmatch(names.dns_label(text))


def test_one_irsa_annotation_for_the_build_and_the_deploy_service_accounts():
    arn = "arn:aws:iam::123456789012:role/model"
    assert names.irsa_annotations(arn) == {"eks.amazonaws.com/role-arn": arn}
    assert names.irsa_annotations("") == {}


@pytest.mark.parametrize(
    "text, spelled", [("Churn_Model", "churn-model"), ("--a  b--", "a-b"), ("é", ""), ("9x", "9x")]
)
def test_dns_names_start_from_the_one_backend_neutral_spelling(text, spelled):
    from automations.dns_spelling import dns_spelling

    assert dns_spelling(text) == spelled
    assert names.dns_name(text) == (spelled or "x")
