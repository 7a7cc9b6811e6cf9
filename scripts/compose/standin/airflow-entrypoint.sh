#!/bin/bash
# The official apache/airflow image's command contract, reduced to what docker-compose.yaml uses:
# `bash ...` and `python ...` run as given, anything else is an `airflow` sub-command.
set -e
case "${1:-}" in
    bash|python|python3|sh) exec "$@" ;;
    "") exec airflow --help ;;
    *) exec airflow "$@" ;;
esac
