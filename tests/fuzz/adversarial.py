"""Hand-made hostile definition files: each is (file name, content, what its one-line error must say)."""

from __future__ import annotations

import yaml

_VALID = {
    "name": "adversarial_ok",
    "model_id": "m",
    "action": {"build_spec": {"git_uri": "https://example.com/models.git#m"}},
}


def _nested_flow(depth: int, leaf: str = "1") -> str:
    return "name: deep\nmodel_id: m\naction: " + "{a: " * depth + leaf + "}" * depth + "\n"


def _nested_block(depth: int) -> str:
    lines = ["name: deep_block", "model_id: m", "action:"]
    lines += [" " * (2 * level) + "a:" for level in range(1, depth)]
    return "\n".join(lines) + " 1\n"


def _billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


CASES = {
    # The reported bug: 1,000 levels with a ${...} reference recursed in interpolation and removed every DAG.
    "nested_1000_interpolated": (
        "nested_1000_interpolated.yaml",
        _nested_flow(999, '"${HOME}"'),
        "nested more than 32 levels deep",
    ),
    "nested_1000_flow": ("nested_1000_flow.yaml", _nested_flow(1000), "YAML syntax error"),
    "nested_200_block": ("nested_200_block.yaml", _nested_block(200), "nested more than 32 levels deep"),
    "nested_1000_lists": (
        "nested_1000_lists.yaml",
        "name: l\nmodel_id: m\naction: " + "[" * 999 + "]" * 999,
        "nested more than 32 levels deep",
    ),
    "billion_laughs": ("billion_laughs.yaml", _billion_laughs(), "more than 100,000 values"),
    "huge_name": ("huge_name.yaml", yaml.safe_dump({**_VALID, "name": "n" * 1_000_000}), "name"),
    "nul_byte": ("nul_byte.yaml", "name: a\x00b\nmodel_id: m\n", "control characters are not allowed"),
    "not_utf8": ("not_utf8.yaml", b"name: \xff\xfe\n", "not UTF-8 text"),
    "python_loops_forever": ("loops_forever.py", "while True:\n    pass\n", "still running after 1s"),
    "python_sleeps": ("sleeps.py", "import time\ntime.sleep(3600)\n", "still running after 1s"),
    "python_sys_exit": ("calls_exit.py", "import sys\nsys.exit(3)\n", "called sys.exit(3)"),
    "python_exit_builtin": ("calls_exit_builtin.py", "exit()\n", "called sys.exit(None)"),
    "python_swallows_exceptions": (
        "swallows.py",
        "while True:\n    try:\n        pass\n    except Exception:\n        pass\n",
        "still running after 1s",
    ),
    "python_recursion": ("recurses.py", "def f():\n    return f()\nf()\n", "RecursionError"),
}

# A 1 MB string where the schema takes any text is valid: it must load, not be refused or time out.
HUGE_DESCRIPTION = ("huge_description.yaml", yaml.safe_dump({**_VALID, "description": "d" * 1_000_000}))
