"""``python -m automations.gateway --deployments-dir DIR --host H``: run the local gateway in the foreground.

This process is the keeper (keeper.py): it forks the process that serves and forks it again if it dies.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Optional

ORPHAN_CHECK_S = 0.5


def loop_factory() -> Optional[Callable[[], asyncio.AbstractEventLoop]]:
    """uvloop's event loop when it imports (pinned in requirements.txt, as the model server's uvicorn uses it), else
    asyncio's: the gateway spends most of its CPU per request in the loop and its transports."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m automations.gateway")
    parser.add_argument("--deployments-dir", required=True, type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    # Imported here, before any fork, so a restarted serving process starts in milliseconds.
    from .control import table_loader
    from .keeper import Keeper
    from .listeners import Listeners
    from .proxy import Gateway, serve
    from .supervise import Supervisor

    keeper_pid = os.getpid()

    def serve_forever(listeners: Listeners) -> int:
        gateway = Gateway(args.host, table_loader(args.deployments_dir), listeners=listeners)
        supervisor = Supervisor(args.deployments_dir)

        async def orphaned() -> None:  # a keeper killed with SIGKILL cannot stop us: go, the next deploy restarts
            while os.getppid() == keeper_pid:
                await asyncio.sleep(ORPHAN_CHECK_S)
            logging.getLogger("automations.gateway").error("gateway: the keeper process is gone; stopping")

        async def run() -> None:
            task = asyncio.ensure_future(serve(gateway, supervisor.tick))
            watch = asyncio.ensure_future(orphaned())
            watch.add_done_callback(lambda _: task.cancel())
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, task.cancel)
            try:
                await task
            except asyncio.CancelledError:
                pass
            finally:
                watch.cancel()

        with asyncio.Runner(loop_factory=loop_factory()) as runner:
            runner.run(run())
        return 0

    return Keeper(args.deployments_dir, args.host, serve_forever).run()


if __name__ == "__main__":
    sys.exit(main())
