"""Landing files bronze could not read: moved aside whole and recorded in the ops rejects table.

A rejected file goes to `<landing>/_rejected/<source>/<file name>` (outside every source folder, so
no stream lists it again) and keeps every byte, so nothing is lost: fix or re-export it and drop it
back into the source folder under a new name.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pyspark.sql import SparkSession

from lakehouse.catalogue import Catalogue, Table
from lakehouse.locations import TableLocations
from lakehouse.ops.upsert import upsert_rows

REJECT_COLUMNS = frozenset({"run_id", "source", "file_path", "moved_to", "reason", "rejected_at"})
"""Columns this module fills; the table declared `opsRecord: landing_rejects` must have them."""
REJECTED_FOLDER = "_rejected"


@dataclass(frozen=True)
class Rejection:
    source: str
    file_path: str
    reason: str
    moved_to: str | None = None
    rejected_at: datetime | None = None

    def describe(self) -> str:
        where = (
            f"moved to {self.moved_to}" if self.moved_to else "left in place, moved aside at the next start"
        )
        return f"[bronze] rejected {self.file_path}: {self.reason}; {where}"


def landing_rejects_table(catalogue: Catalogue) -> Table:
    """The catalogue's rejects table (its `opsRecord`; no table name typed here)."""
    return catalogue.ops_table("landing_rejects", REJECT_COLUMNS)


def rejected_folder(landing: Path, source: str) -> Path:
    return landing / REJECTED_FOLDER / source


def move_aside(path: Path, landing: Path, source: str, reason: str) -> Rejection:
    """Move `path` into the source's rejected folder; a name already there gets a numbered suffix."""
    folder = rejected_folder(landing, source)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    number = 1
    while target.exists():
        target = folder / f"{path.stem}.{number}{path.suffix}"
        number += 1
    shutil.move(str(path), target)
    return Rejection(source, str(path), reason, moved_to=str(target), rejected_at=datetime.now(UTC))


def write_rejects(
    spark: SparkSession,
    catalogue: Catalogue,
    locations: TableLocations,
    run_id: str,
    rejections: list[Rejection],
) -> int:
    """Upsert `rejections` of run `run_id` into the rejects table; returns how many."""
    now = datetime.now(UTC)
    rows = [
        {
            "run_id": run_id,
            "source": r.source,
            "file_path": r.file_path,
            "moved_to": r.moved_to,
            "reason": r.reason,
            "rejected_at": r.rejected_at or now,
        }
        for r in rejections
    ]
    return upsert_rows(spark, locations, landing_rejects_table(catalogue), rows)
