"""register: validate definition files, then copy them into AUTOMATIONS_DIR (Qwak's ``automations register -p``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..settings import Settings, get_settings
from .definition_files import Candidate, defining_files, names_in, validate_in_place, write_atomically

COMMAND = "register"
HELP = (
    "Validate the definition file (or each one in a folder) with AUTOMATIONS_DIR's defaults, then copy it there. "
    "A name that already exists is refused unless --force, which replaces the file that defines it."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-p", "--path", required=True, type=Path, help="a definition file or a folder of them")
    parser.add_argument("--force", action="store_true", help="replace automations that already exist")


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    files = _files(args.path)
    if isinstance(files, str):
        return _fail(files)
    result = validate_in_place(files, settings)
    if result.errors:
        for error in result.errors:
            print(error, file=sys.stderr)
        return _fail(f"nothing registered: {len(result.errors)} problem(s)")
    new_names = sorted(a.name for a in result.automations)
    replaced = _replaced_files(files, new_names, settings, args.force)
    if isinstance(replaced, str):
        return _fail(replaced)
    for file in files:
        write_atomically(file.source, settings.automations_dir / file.target)
    targets = {settings.automations_dir / f.target for f in files}
    for old in replaced - targets:
        old.unlink()
        print(f"removed {old} (its automations are now defined by the registered file)")
    target_of = {f.source: settings.automations_dir / f.target for f in files}
    for automation in sorted(result.automations, key=lambda a: a.name):
        print(f"registered {automation.name} -> {target_of.get(automation.source, settings.automations_dir)}")
    return 0


def _files(path: Path) -> list[Candidate] | str:
    from .definition_files import candidates

    if not path.exists():
        return f"{path}: no such file or directory"
    found = candidates(path)
    if not found:
        return f"{path}: no definition files (.yaml, .yml or .py) found"
    if any(f.source.name.startswith(("_", ".")) for f in found):
        return f"{path}: files starting with '_' or '.' are not definitions (the loader skips them)"
    return found


def _replaced_files(files: list[Candidate], new_names: list[str], settings: Settings, force: bool) -> set[Path] | str:
    """The files in AUTOMATIONS_DIR that the registration replaces, or why it may not."""
    existing = defining_files(settings)
    taken = {name: existing[name] for name in new_names if name in existing}
    targets = {(settings.automations_dir / f.target).resolve() for f in files}
    overwritten = {t for t in targets if t.exists()}
    if (taken or overwritten) and not force:
        what = [f"{name} (in {file})" for name, file in sorted(taken.items())]
        what += [f"file {t}" for t in sorted(overwritten) if t not in taken.values()]
        return f"already registered: {', '.join(what)}; pass --force to replace"
    replaced = {file.resolve() for file in taken.values()} | overwritten
    for file in replaced:
        others = sorted(set(names_in(file, settings)) - set(new_names))
        if others:
            return f"{file} also defines {', '.join(others)}, which the new file does not: edit that file instead"
    return replaced


def _fail(message: str) -> int:
    print(f"register: {message}", file=sys.stderr)
    return 1
