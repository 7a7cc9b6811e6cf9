"""``python -m model_runtime install|build|serve ...``: the entry point every backend starts (see contract.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import contract


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog=f"python -m {contract.MODULE}")
    sub = root.add_subparsers(dest="command", required=True)
    install = sub.add_parser("install", help="install the model's dependency list plus pytest and pandas")
    listed = f"the model directory, holding the clone step's {contract.DEPENDENCIES_FILE}"
    install.add_argument("--source", required=True, type=Path, help=listed)
    build = sub.add_parser("build", help="run tests/, call build(), save the model and its metrics")
    build.add_argument("--source", required=True, type=Path)
    build.add_argument("--main-dir", default="main")
    build.add_argument("--output", required=True, type=Path)
    build.add_argument("--xcom-file", default=None)
    it = sub.add_parser("integration", help="run tests/it/ against a deployed endpoint; never fails")
    it.add_argument("--source", required=True, type=Path, help="the model directory (a build's OUT/src)")
    it.add_argument("--endpoint", required=True, help="the deployed server's base URL")
    it.add_argument("--report", required=True, type=Path)
    serve = sub.add_parser("serve", help="serve GET /health, GET /metrics and POST /predict")
    serve.add_argument("--artifact", required=True, type=Path, help="a build's output directory")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=contract.DEFAULT_PORT)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "install":
        from .install import run as install

        return install(args.source)
    if args.command == "build":
        from .build import run as build

        return build(args.source, args.main_dir, args.output, args.xcom_file)
    if args.command == "integration":
        from .integration import run as integration

        return integration(args.source, args.endpoint, args.report)
    from .serve import run as serve

    return serve(args.artifact, args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
