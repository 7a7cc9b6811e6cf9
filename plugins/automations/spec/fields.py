"""Annotated field types whose validators carry the reasons users see in error messages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Union

from dateutil.relativedelta import relativedelta
from pydantic import AfterValidator, BeforeValidator, Field, StrictStr

_MEMORY = re.compile(r"^(?P<amount>[1-9][0-9]*)(?P<unit>Gi|Mi|GiB|MiB|Mib|Gib)$")
_ENV_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_DAG_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,249}$")
_LABEL_VALUE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$")
_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
# SELECT/WITH after any leading blank lines and SQL comments (-- line or /* block */), as SQL editors leave them.
_SQL_START = re.compile(r"^(\s+|--[^\n]*(\n|$)|/\*.*?\*/)*(select|with)\b", re.IGNORECASE | re.DOTALL)
_MAIN_DIR = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_SHORT_INTERVAL = re.compile(r"^(?P<n>[1-9][0-9]*)\s*(?P<unit>s|m|h|d|w)$")
_INTERVAL_WORDS = {
    "hourly": timedelta(hours=1),
    "daily": timedelta(days=1),
    "weekly": timedelta(weeks=1),
    "monthly": relativedelta(months=1),
}
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def normalize_memory(value: str) -> str:
    """Return a Kubernetes quantity (``2Gi``, ``512Mi``) for the memory spellings Qwak accepts."""
    match = _MEMORY.match(value.strip())
    if not match:
        raise ValueError(
            f"memory {value!r} is not a whole amount with a unit; use e.g. '512Mi', '2Gi', '2GiB' or '512MiB'"
        )
    return match["amount"] + ("Gi" if match["unit"].lower().startswith("g") else "Mi")


def _check_env_vars(values: list[str]) -> list[str]:
    for item in values:
        if not _ENV_VAR.match(item):
            raise ValueError(f"env var {item!r} is not in KEY=VALUE form")
    return values


def _check_dag_id(value: str) -> str:
    if not _DAG_ID.match(value):
        raise ValueError(
            f"name {value!r} is not a valid Airflow dag_id: "
            "use letters, digits, '_', '-' and '.', at most 250 characters"
        )
    return value


def _check_label_value(value: str) -> str:
    if not _LABEL_VALUE.match(value):
        raise ValueError(
            f"{value!r} must be 1-63 letters, digits, '_', '-' or '.', starting and ending with a letter or digit"
        )
    return value


def _require_string_threshold(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError(
            f"threshold must be a string: Qwak's SDK would have sent {value!r} as text; here quote it ('{value}') "
            "or give a SQL query"
        )
    return value


def _normalize_main_dir(value: str) -> str:
    text = value.strip()
    while text.startswith("./"):
        text = text[2:]
    text = text.strip("/")
    if "/" in text:
        raise ValueError(
            f"main_dir {value!r} must be one folder inside the model directory; "
            "put the folders above it into git_uri's '#sub/dir' (e.g. git_uri='...git#models/churn', main_dir='main')"
        )
    if not _MAIN_DIR.match(text):
        raise ValueError(f"main_dir {value!r} must be a folder name Python can import (letters, digits, '_')")
    return text


def is_number(text: str) -> bool:
    return bool(_NUMBER.match(text))


def _check_threshold(value: str) -> str:
    if not value.strip():
        raise ValueError("threshold is empty; give a number as a string (e.g. '0.65') or a SQL query")
    if not is_number(value) and not _SQL_START.match(value):
        raise ValueError(
            f"threshold {value!r} is neither a number (as a string, e.g. '0.65') nor a SQL query (SELECT/WITH)"
        )
    return value


def check_cron(value: str) -> str:
    from croniter import croniter

    if not croniter.is_valid(value):
        raise ValueError(
            f"cron {value!r} is not a valid cron expression (Qwak's SDK passes any text to its server unchecked); "
            "write five fields like '0 2 * * *', or use interval: e.g. interval='1d'"
        )
    return value


def parse_interval(value: str) -> Union[timedelta, relativedelta]:
    """``30m``/``1h``/``1d``, an ISO-8601 duration, or hourly/daily/weekly/monthly."""
    text = value.strip()
    if text.lower() in _INTERVAL_WORDS:
        return _INTERVAL_WORDS[text.lower()]
    short = _SHORT_INTERVAL.match(text)
    if short:
        return timedelta(seconds=int(short["n"]) * _UNIT_SECONDS[short["unit"]])
    if text.upper().startswith("P"):
        return _parse_iso_duration(text)
    raise ValueError(f"interval {value!r} is not understood; use e.g. '30m', '1h', '1d', 'PT6H' or 'daily'")


def _parse_iso_duration(text: str) -> Union[timedelta, relativedelta]:
    import pendulum

    try:
        duration = pendulum.parse(text)
    except Exception as exc:  # pendulum raises its own ParserError subclasses
        raise ValueError(f"interval {text!r} is not a valid ISO-8601 duration") from exc
    if not isinstance(duration, pendulum.Duration):
        raise ValueError(f"interval {text!r} is not an ISO-8601 duration")
    if duration.years or duration.months:
        return relativedelta(
            years=duration.years,
            months=duration.months,
            seconds=int(duration.remaining_seconds),
            days=duration.remaining_days,
        )
    if duration.total_seconds() <= 0:
        raise ValueError(f"interval {text!r} must be positive")
    return timedelta(seconds=duration.total_seconds())


def _check_interval(value: str) -> str:
    parse_interval(value)
    return value


def _stringify_scalar(value: object) -> object:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    return value


MainDir = Annotated[StrictStr, AfterValidator(_normalize_main_dir)]
Memory = Annotated[StrictStr, AfterValidator(normalize_memory)]
EnvVars = Annotated[list[StrictStr], AfterValidator(_check_env_vars)]
DagId = Annotated[StrictStr, AfterValidator(_check_dag_id)]
LabelValue = Annotated[StrictStr, AfterValidator(_check_label_value)]
Threshold = Annotated[StrictStr, AfterValidator(_check_threshold), BeforeValidator(_require_string_threshold)]
Cron = Annotated[StrictStr, AfterValidator(check_cron)]
Interval = Annotated[StrictStr, AfterValidator(_check_interval)]
ParamValue = Annotated[StrictStr, BeforeValidator(_stringify_scalar)]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveInt = Annotated[int, Field(gt=0)]
