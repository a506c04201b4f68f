"""Reads what the flow needs from a local Delta table's log files, without a Spark job.

Every batch asks its tables for their version before and after a write, and for the metrics of the
commits it made (see `lakehouse.silver.writers.Target`). Through `DeltaTable.history()` each ask
plans a query and runs a job over the commit files (about 90 ms on a warm local session; a flow run
asks about forty times). The answers are plain files in `<table>/_delta_log/`, whose layout the
Delta protocol fixes: `<version, 20 digits>.json` holds one commit, one action per line, among them
`commitInfo` with the `operationMetrics` that `history()` shows; `<version>.crc` holds the table's
file count and metadata (its properties) after that commit.

Only for path-based tables on a local file system. A table whose commits are staged by a commit
coordinator (catalog-managed tables) may have its newest commits outside these files, so the
functions return None for it and callers use the Spark API instead.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

LOG_FOLDER = "_delta_log"
_COMMIT_FILE = re.compile(r"^(\d{20})\.json$")
_STAGED = "_staged_commits"


@dataclass(frozen=True)
class Commit:
    """One commit of a table: its version, operation (`WRITE`, `MERGE`, ...) and metrics."""

    version: int
    operation: str
    metrics: dict[str, str] = field(default_factory=dict)


def _log(table_path: str | Path) -> Path | None:
    """The table's log folder, or None when the log cannot be read from files alone."""
    log = Path(table_path) / LOG_FOLDER
    if not log.is_dir():
        return None
    staged = log / _STAGED
    if staged.is_dir() and any(staged.iterdir()):
        return None
    return log


def latest_version(table_path: str | Path) -> int | None:
    """The table's latest committed version; None without a readable log."""
    log = _log(table_path)
    if log is None:
        return None
    versions = [int(match.group(1)) for name in _names(log) if (match := _COMMIT_FILE.match(name))]
    return max(versions) if versions else None


def commits_after(table_path: str | Path, version: int) -> list[Commit] | None:
    """The commits after `version` up to the latest, oldest first; None without a readable log.

    Raises when a commit file in that range is missing (the log was cleaned past it): the caller
    asked about commits the table no longer records.
    """
    log = _log(table_path)
    latest = latest_version(table_path)
    if log is None or latest is None:
        return None
    commits = []
    for number in range(version + 1, latest + 1):
        path = log / f"{number:020d}.json"
        if not path.is_file():
            raise FileNotFoundError(f"{table_path}: commit {number} is no longer in the Delta log ({path})")
        commits.append(_commit(number, path))
    return commits


def file_count(table_path: str | Path, version: int) -> int | None:
    """Data files in the table at `version`, from that version's checksum file; None without one."""
    checksum = _checksum(table_path, version)
    value = None if checksum is None else checksum.get("numFiles")
    return None if value is None else int(value)


def properties(table_path: str | Path, version: int) -> dict[str, str] | None:
    """The table's properties (`TBLPROPERTIES`) at `version`, from that version's checksum file;
    None without one."""
    checksum = _checksum(table_path, version)
    metadata = None if checksum is None else checksum.get("metadata")
    if metadata is None:
        return None
    return {key: str(value) for key, value in (metadata.get("configuration") or {}).items()}


def _checksum(table_path: str | Path, version: int) -> dict[str, object] | None:
    log = _log(table_path)
    path = None if log is None else log / f"{version:020d}.crc"
    if path is None or not path.is_file():
        return None
    content = json.loads(path.read_text(encoding="utf-8"))
    return content if isinstance(content, dict) else None


def _names(log: Path) -> list[str]:
    return [entry.name for entry in log.iterdir()]


def _commit(version: int, path: Path) -> Commit:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if '"commitInfo"' in line:
                info = json.loads(line).get("commitInfo")
                if info is not None:
                    metrics = {k: str(v) for k, v in (info.get("operationMetrics") or {}).items()}
                    return Commit(version, str(info.get("operation", "")), metrics)
    return Commit(version, "")
