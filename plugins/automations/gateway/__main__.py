"""``python -m automations.gateway --state-dir DIR --host H``: run the local gateway in the foreground."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m automations.gateway")
    parser.add_argument("--deployments-dir", required=True, type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    from .control import table_loader
    from .proxy import Gateway, serve
    from .supervise import Supervisor

    gateway = Gateway(args.host, table_loader(args.deployments_dir))
    supervisor = Supervisor(args.deployments_dir)

    async def run() -> None:
        task = asyncio.ensure_future(serve(gateway, supervisor.tick))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            pass

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
