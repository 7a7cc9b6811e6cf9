"""Qwak-style dependency entries (conda.yml, Poetry, pip) as pip requirements, with a warning for each change.

The rules, as Qwak users' repos need them without conda on the machine:
- conda's ``name=1.2`` is a "starts with" match -> ``name==1.2.*``; ``name==1.2`` stays exact; a build string
  (``name=1.2=py39_0``) is dropped; channel prefixes (``conda-forge::``) are dropped.
- the ``python`` pin and conda-only packages (compilers, C libraries, CUDA toolkits) are dropped.
- Poetry's ``^``/``~`` keep their meaning, upper bound included (``^1.2`` -> ``>=1.2,<2.0``).
- a pin that cannot be written for pip is relaxed to the bare package name. Nothing here ever fails a build.

What pip accepts is decided by ``packaging`` (the library pip itself vendors), not by a pattern of our own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet

CONDA_ONLY = frozenset(
    """python pip conda conda-build setuptools wheel cudatoolkit cudnn cuda-toolkit cuda-nvcc nccl mkl mkl-service
    mkl_fft mkl_random intel-openmp blas openblas libblas libcblas liblapack libgcc-ng libstdcxx-ng libgomp
    libgfortran-ng libffi libuuid libzlib openssl ca-certificates ncurses readline sqlite tk xz zlib bzip2 tzdata
    ld_impl_linux-64 nomkl gcc gxx gfortran make cmake-binary r-base nodejs""".split()
)
# The leading package name (and extras) of an entry whose rest may not parse: what a relaxed pin keeps.
_NAME = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9._-]*)(\[[A-Za-z0-9._,\s-]+\])?")


@dataclass(frozen=True)
class Translated:
    """One dependency entry as pip takes it (None: dropped) and what was changed about it."""

    requirement: Optional[str]
    warning: str = ""


def valid_specifier(spec: str) -> bool:
    """A PEP 440 specifier set, as pip reads it."""
    try:
        SpecifierSet(spec)
    except InvalidSpecifier:
        return False
    return True


def relaxed(name: str, entry: str, why: str) -> Translated:
    return Translated(name, f"relaxed {entry!r} to {name!r}: {why}")


def conda_entry(entry: str) -> Translated:
    """One item of a conda ``dependencies:`` list (not of its ``pip:`` list)."""
    text = entry.split("::")[-1].strip()
    match = _NAME.match(text)
    if not match:
        return Translated(None, f"dropped {entry!r}: not a package name")
    name, rest = match[1], text[match.end() :].strip()
    if name.lower() == "python":
        # Translated on the Airflow side: the build environment's Python (which `install` prints) may differ.
        return Translated(None, f"dropped the python pin {entry!r}: the build uses its environment's Python")
    if name.lower() in CONDA_ONLY or name.startswith("_"):
        return Translated(None, f"dropped conda-only package {entry!r}: it is not installable with pip")
    return _conda_version(name + (match[2] or ""), rest, entry)


def _conda_version(name: str, rest: str, entry: str) -> Translated:
    warning = ""
    rest = "=" + rest if rest and rest[0] not in "=<>!~" else rest  # MatchSpec "numpy 1.2" means "numpy=1.2"
    exact = rest.startswith("==")
    if rest.startswith("=") and not exact:
        version, *build = rest[1:].split("=")
        if build:
            warning = f"dropped the conda build string of {entry!r}"
            exact = True
        rest = "==" + version
    spec = rest.replace(" ", "")
    if spec.startswith("==") and not exact and not spec.endswith(".*"):
        spec += ".*"  # conda's single '=' is a "starts with" match
    if "|" in spec or not valid_specifier(spec):
        return relaxed(_bare(name), entry, "the pin cannot be written for pip")
    return Translated(name + spec, warning)


def _bare(name: str) -> str:
    return name.split("[", 1)[0]


def pip_entry(entry: str) -> Translated:
    """An item of the ``pip:`` list or a requirements line: kept as written unless pip could not read it."""
    text = entry.strip()
    if text.startswith("-") or "@" in text or "://" in text:
        return Translated(text)  # options, URLs, VCS links: pip's own syntax, which packaging does not describe
    try:
        Requirement(text)
    except InvalidRequirement:
        match = _NAME.match(text)
        if not match:
            return Translated(text)  # not a requirement at all: pip says what is wrong with it
        return relaxed(match[1], entry, "the pin is not valid pip syntax")
    return Translated(text)


def poetry_entry(name: str, spec: object) -> Translated:
    """One ``[tool.poetry.dependencies]`` entry."""
    if isinstance(spec, list):
        return relaxed(name, f"{name} = {spec!r}", "several alternative constraints cannot be written for pip")
    if isinstance(spec, dict):
        return _poetry_table(name, spec)
    return _poetry_constraint(name, str(spec), f"{name} = {spec!r}")


def _poetry_table(name: str, spec: dict) -> Translated:
    extras = spec.get("extras") or []
    full = f"{name}[{','.join(extras)}]" if extras else name
    if "git" in spec:
        ref = spec.get("rev") or spec.get("tag") or spec.get("branch")
        return Translated(f"{full} @ git+{spec['git']}" + (f"@{ref}" if ref else ""))
    if "url" in spec:
        return Translated(f"{full} @ {spec['url']}")
    if "path" in spec:
        return Translated(None, f"dropped path dependency {name!r} ({spec['path']}): not part of the model's repo")
    return _poetry_constraint(full, str(spec.get("version", "*")), f"{name} = {spec!r}")


def _poetry_constraint(name: str, constraint: str, entry: str) -> Translated:
    text = constraint.strip()
    if text in ("", "*"):
        return Translated(name)
    if "|" in text:
        return relaxed(_bare(name), entry, "'or' constraints cannot be written for pip")
    clauses = [_poetry_clause(c.strip()) for c in re.split(r",|\s+(?=[<>=!~^])", text) if c.strip()]
    spec = ",".join(clauses)
    if not valid_specifier(spec):
        return relaxed(_bare(name), entry, "the constraint cannot be written for pip")
    return Translated(name + spec)


def _poetry_clause(clause: str) -> str:
    """Poetry's own operators (``^``, ``~``, a bare version) as PEP 440; the others are PEP 440 already."""
    clause = clause.replace(" ", "")
    if clause.startswith("^"):
        return _bounded(clause[1:], caret=True)
    if clause.startswith("~") and not clause.startswith("~="):
        return _bounded(clause[1:], caret=False)
    if clause[:1] in "<>=!~":
        return clause
    return f"=={clause}"


def _bounded(version: str, caret: bool) -> str:
    """Poetry's ``^``: ``^1.2.3`` -> ``>=1.2.3,<2.0.0``, ``^0.2.3`` -> ``<0.3.0``, ``^0.0.3`` -> ``<0.0.4``.
    Its ``~``: ``~1.2.3`` -> ``>=1.2.3,<1.3.0``, ``~1.2`` -> ``<1.3``, ``~1`` -> ``<2``. The upper bound keeps as
    many parts as the version was written with."""
    if not re.fullmatch(r"\d+(\.\d+)*", version):
        return ("^" if caret else "~") + version  # pre-releases, wildcards, words: left for valid_specifier to refuse
    nums = [int(part) for part in version.split(".")]
    if caret:
        bump = next((i for i, n in enumerate(nums) if n != 0), len(nums) - 1)
    else:
        bump = 1 if len(nums) >= 2 else 0
    upper = nums[:bump] + [nums[bump] + 1] + [0] * (len(nums) - bump - 1)
    return f">={version},<{'.'.join(map(str, upper))}"
