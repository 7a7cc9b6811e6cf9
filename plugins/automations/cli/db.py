"""db: manage the analytics store (``db init`` creates its tables; ``db status`` counts their rows)."""

from __future__ import annotations

import argparse

from ..settings import get_settings

COMMAND = "db"
HELP = "Analytics store: 'db init' creates the tables (idempotent), 'db status' shows where it is and row counts."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("init", "status"), help="init: create missing tables; status: row counts")


def run(args: argparse.Namespace) -> int:
    from ..analytics import open_store
    from ..analytics.connection import dispose_engines
    from ..analytics.tables import TABLES

    try:
        store = open_store(get_settings())
        store.ensure_schema(force=args.action == "init")
        where = "embedded SQLite" if store.target.embedded else f"connection {store.target.conn_id!r}"
        print(f"analytics store: {store.target.url} ({where}, {store.target.dialect})")
        if args.action == "init":
            print(f"tables ready: {', '.join(TABLES)}")
        else:
            for table in TABLES:
                print(f"{table}\t{store.fetch(f'SELECT count(*) FROM {table}')[0][0]}")
    finally:
        dispose_engines()
    return 0
