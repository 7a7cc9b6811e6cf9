"""Variations whose Kubernetes names collide after lower-casing are a validation error of the later file."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.loading import load_now

pytestmark = pytest.mark.unit


def definition(name: str, model_id: str, variation: str, environments: str = "[]") -> str:
    return (
        f"name: {name}\nmodel_id: {model_id}\n"
        "action:\n  build_spec: {git_uri: 'https://x.example/m.git'}\n"
        f"  deployment_spec: {{variation_name: {variation!r}, environments: {environments}}}\n"
    )


def write(folder: Path, **files: str) -> None:
    for stem, text in files.items():
        (folder / f"{stem}.yaml").write_text(text)


def test_variations_a_and_A_of_one_model_are_refused_in_the_later_file(tmp_path):
    # Files load in sorted order: challenger.yaml first, so champion.yaml is the later one.
    write(tmp_path, challenger=definition("challenger", "churn", "A"), champion=definition("champion", "churn", "a"))
    result = load_now([tmp_path])
    assert [a.name for a in result.automations] == ["challenger"]
    [error] = result.errors
    assert error.file.endswith("champion.yaml") and error.path == "action.deployment_spec.variation_name"
    assert "variation 'a'" in error.reason and "'challenger'" in error.reason and "variation 'A'" in error.reason
    assert "Kubernetes Deployment 'churn-a'" in error.reason


def test_underscore_and_dash_collide_too_and_so_do_model_ids_in_other_case(tmp_path):
    write(tmp_path, one=definition("one", "Churn", "ab_test"), two=definition("two", "churn", "ab-test"))
    [error] = load_now([tmp_path]).errors
    assert error.file.endswith("two.yaml") and "'churn-ab-test'" in error.reason


def test_the_same_spelling_in_two_definitions_is_one_deployment_on_purpose(tmp_path):
    write(tmp_path, nightly=definition("nightly", "churn", "A"), on_drift=definition("on_drift", "churn", "A"))
    result = load_now([tmp_path])
    assert result.errors == [] and len(result.automations) == 2


def test_different_environments_never_collide(tmp_path, monkeypatch):
    write(tmp_path, one=definition("one", "churn", "A", "[staging]"), two=definition("two", "churn", "a", "[prod]"))
    result = load_now([tmp_path])
    problems = [e for e in result.errors if e.path == "action.deployment_spec.variation_name"]
    assert problems == []


def test_a_shared_environment_is_enough_to_collide(tmp_path):
    write(
        tmp_path, one=definition("one", "churn", "A", "[staging, prod]"), two=definition("two", "churn", "a", "[prod]")
    )
    problems = [e for e in load_now([tmp_path]).errors if e.path == "action.deployment_spec.variation_name"]
    assert len(problems) == 1 and problems[0].file.endswith("two.yaml")


@pytest.mark.parametrize(
    "a, b, same",
    [
        (("churn", "A"), ("churn", "a"), True),
        (("churn", "ab_test"), ("Churn", "ab-test"), True),
        (("churn", "a.b"), ("churn", "a__b"), True),
        (("churn", "ab"), ("churn", "a-b"), False),
    ],
)
def test_a_collision_is_exactly_two_variations_getting_one_deployment_name(a, b, same):
    """The loader's check and the kubernetes backend spell names by the one rule (dns_spelling.py)."""
    from automations.backends.kubernetes.names import dns_label
    from automations.variation_names import Target

    spelled = [Target(model, variation, frozenset()).spelled for model, variation in (a, b)]
    deployments = [dns_label(f"{model}-{variation}") for model, variation in (a, b)]
    assert (spelled[0] == spelled[1]) is same
    assert (deployments[0] == deployments[1]) is same


def test_each_definition_is_compared_only_with_those_spelled_alike(monkeypatch):
    """Linear in the number of definitions: 500 distinct deployments spell each name a bounded number of times
    (comparing each with every earlier one spelled names about 250,000 times and dominated the parse at 5,000)."""
    from automations import variation_names
    from automations.spec import Automation

    calls = []
    real = variation_names.dns_spelling
    monkeypatch.setattr(variation_names, "dns_spelling", lambda text: calls.append(text) or real(text))
    specs = [
        Automation.model_validate(
            {
                "name": f"a{i}",
                "model_id": f"m{i}",
                "action": {"build_spec": {"git_uri": "https://x.example/m.git"}, "deployment_spec": {}},
            }
        )
        for i in range(500)
    ]
    assert variation_names.collisions((spec, Path(f"a{i}.yaml")) for i, spec in enumerate(specs)) == []
    assert len(calls) <= 4 * len(specs)
