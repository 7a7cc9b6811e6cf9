"""Hypothesis strategies for definition files: random YAML trees, mutations of valid definitions, raw bytes."""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import strategies as st

from automations.spec import Automation


def _schema_keys() -> list[str]:
    schema = Automation.model_json_schema()
    keys = set(schema.get("properties", {}))
    for definition in schema.get("$defs", {}).values():
        keys |= set(definition.get("properties", {}))
    return sorted(keys)


SCHEMA_KEYS = _schema_keys()
# Text that YAML and pydantic find awkward: NUL and other controls, surrogates are not encodable so stay out.
TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | TEXT
    | st.sampled_from(["0.9", "ABOVE", "BELOW", "0 2 * * *", "1h", "main", "https://x/y.git#m", "-x", "../.."])
)
KEYS = st.sampled_from(SCHEMA_KEYS) | TEXT
TREES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=25,
)


def dump(value: Any) -> bytes:
    """YAML for any tree (arbitrary Python values become plain strings, as a user could have typed them)."""
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False).encode("utf-8", "surrogatepass")


def paths(tree: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(tree, dict):
        for key, value in tree.items():
            found += paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            found += paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, valid: list[dict]) -> dict | list:
    """A valid definition (renamed, so it never claims a valid file's name) with one to three random edits."""
    tree = copy.deepcopy(draw(st.sampled_from(valid)))
    tree["name"] = "fuzzed_" + str(tree.get("name", "x"))
    for _ in range(draw(st.integers(1, 3))):
        tree = _mutate_once(draw, tree)
    return tree


def _mutate_once(draw: st.DrawFn, tree: Any) -> Any:
    target = draw(st.sampled_from(paths(tree)))
    if not target:
        return draw(TREES)
    parent = tree
    for step in target[:-1]:
        parent = parent[step]
    last = target[-1]
    edit = draw(st.sampled_from(["replace", "delete", "wrong_type", "huge", "extra_key"]))
    if edit == "delete":
        del parent[last]
    elif edit == "replace":
        parent[last] = draw(TREES)
    elif edit == "wrong_type":
        parent[last] = draw(st.sampled_from([[parent[last]], {"value": parent[last]}, 1, 1.5, True, None, "text"]))
    elif edit == "huge":
        parent[last] = "x" * draw(st.sampled_from([10_000, 1_000_000]))
    elif isinstance(parent[last], dict):
        parent[last][draw(TEXT)] = draw(SCALARS)
    return tree


YAML_TOKENS = st.sampled_from(
    [
        "name: a\n",
        "- ",
        ": ",
        "{",
        "}",
        "[",
        "]",
        "&a ",
        "*a ",
        "!!python/object:os.system ",
        "\x00",
        "\t",
        "---\n",
        "...\n",
        "'",
        '"',
        "#",
        "%YAML 1.1\n",
        "? ",
        "|\n",
        "<<: *a\n",
        "\n",
        "  ",
        "\ufeff",
        "\u202e",
    ]
)
RAW_BYTES = st.binary(max_size=300) | st.lists(YAML_TOKENS | TEXT, max_size=30).map(
    lambda parts: "".join(parts).encode("utf-8", "surrogatepass")
)
