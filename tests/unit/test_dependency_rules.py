"""Qwak-style dependency entries -> pip requirements, with the warning users see for each change."""

from __future__ import annotations

import pytest

from automations.dependency_rules import Translated, conda_entry, pip_entry, poetry_entry, valid_specifier

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "entry,requirement,warning",
    [
        ("numpy=1.26", "numpy==1.26.*", ""),  # conda's single '=' is "starts with"
        ("numpy==1.26", "numpy==1.26", ""),
        ("numpy 1.2", "numpy==1.2.*", ""),  # MatchSpec with a space
        ("conda-forge::scikit-learn=1.3.*", "scikit-learn==1.3.*", ""),
        ("numpy >=1.2,<2", "numpy>=1.2,<2", ""),
        ("pandas", "pandas", ""),
        ("numpy=1.2=py39_0", "numpy==1.2", "dropped the conda build string of 'numpy=1.2=py39_0'"),
        ("numpy=>1.2", "numpy", "relaxed 'numpy=>1.2' to 'numpy': the pin cannot be written for pip"),
        ("numpy=1.2|1.3", "numpy", "relaxed 'numpy=1.2|1.3' to 'numpy'"),
        ("numpy=1.*.3", "numpy", "relaxed 'numpy=1.*.3' to 'numpy'"),
        ("python=3.9", None, "dropped the python pin 'python=3.9': the build uses its environment's Python"),
        ("cudatoolkit=11.3", None, "dropped conda-only package 'cudatoolkit=11.3'"),
        ("_libgcc_mutex", None, "dropped conda-only package"),
        ("pip", None, "dropped conda-only package 'pip'"),
    ],
)
def test_conda_entries(entry, requirement, warning):
    got = conda_entry(entry)
    assert got.requirement == requirement
    assert got.warning.startswith(warning) and bool(got.warning) == bool(warning)


@pytest.mark.parametrize(
    "spec,requirement",
    [
        ("^1.26", "x>=1.26,<2.0"),
        ("^1.2.3", "x>=1.2.3,<2.0.0"),
        ("^0.2.3", "x>=0.2.3,<0.3.0"),
        ("^0.0.3", "x>=0.0.3,<0.0.4"),
        ("~1.2.3", "x>=1.2.3,<1.3.0"),
        ("~1.2", "x>=1.2,<1.3"),
        ("~1", "x>=1,<2"),
        ("~=1.4", "x~=1.4"),
        ("2.0.1", "x==2.0.1"),
        ("1.2.*", "x==1.2.*"),
        (">= 1.2, < 1.5", "x>=1.2,<1.5"),
        ("*", "x"),
        ({"version": "^2.1", "extras": ["gpu"]}, "x[gpu]>=2.1,<3.0"),
        ({"git": "https://github.com/a/x.git", "tag": "v1"}, "x @ git+https://github.com/a/x.git@v1"),
    ],
)
def test_poetry_constraints_keep_their_upper_bound(spec, requirement):
    got = poetry_entry("x", spec)
    assert (got.requirement, got.warning) == (requirement, "")


@pytest.mark.parametrize("spec", ["^1.2 || ^2.0", [{"version": "1"}, {"version": "2"}], "^banana"])
def test_poetry_constraints_pip_cannot_express_are_relaxed_with_a_warning(spec):
    got = poetry_entry("x", spec)
    assert got.requirement == "x"
    assert got.warning.startswith("relaxed ")


def test_poetry_path_dependency_is_dropped_with_a_warning():
    got = poetry_entry("local", {"path": "../lib"})
    assert got.requirement is None and "path dependency 'local'" in got.warning


@pytest.mark.parametrize(
    "entry,requirement",
    [("requests==2.31", "requests==2.31"), ("-e .", "-e ."), ("x @ https://h/x.whl", "x @ https://h/x.whl")],
)
def test_pip_entries_are_kept_as_written(entry, requirement):
    assert pip_entry(entry).requirement == requirement


def test_valid_specifier():
    assert valid_specifier(">=1,<2") and valid_specifier("==1.2.*") and valid_specifier("")
    assert not valid_specifier(">=1.*") and not valid_specifier("=>1") and not valid_specifier("==1.*.3")


@pytest.mark.parametrize(
    "entry,requirement,warning",
    [
        ("numpy>=1.2,<2", "numpy>=1.2,<2", ""),
        ('numpy==1.26; python_version < "3.12"', 'numpy==1.26; python_version < "3.12"', ""),
        ("x[gpu]>=1", "x[gpu]>=1", ""),
        ("bad===", "bad", "relaxed 'bad===' to 'bad': the pin is not valid pip syntax"),
        ("numpy>=1.*", "numpy", "relaxed 'numpy>=1.*' to 'numpy': the pin is not valid pip syntax"),
        ("git+https://github.com/a/x.git", "git+https://github.com/a/x.git", ""),
    ],
)
def test_pip_entries_pip_cannot_read_are_relaxed(entry, requirement, warning):
    assert pip_entry(entry) == Translated(requirement, warning)


@pytest.mark.parametrize(
    "entry,requirement",
    [("scikit-learn[alldeps]=1.3", "scikit-learn[alldeps]==1.3.*"), ("x[a,b]>=2", "x[a,b]>=2")],
)
def test_conda_extras(entry, requirement):
    assert conda_entry(entry).requirement == requirement
