"""Run records: status and timings of every stage of every run, for `ops.pipeline_runs`.

log = RunLog(run_id)
with log.stage("silver"):
    ...                       # an exception marks the stage failed (see `describe_error`) and propagates
write_pipeline_runs(spark, catalogue, locations, log)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pyspark.sql import SparkSession

from lakehouse.catalogue import Catalogue, Table
from lakehouse.locations import TableLocations
from lakehouse.ops.upsert import upsert_rows

RUN_COLUMNS = frozenset(
    {"run_id", "stage", "status", "started_at", "finished_at", "duration_seconds", "error"}
)
"""Columns this module fills; the table declared `opsRecord: stage_runs` must have them."""
MAX_ERROR_CHARS = 1000
_TRACEBACK = "Traceback (most recent call last)"


def describe_error(error: BaseException) -> str:
    """One line for the `error` column: the exception's type and first line, led by the root cause
    when the message carries a Python traceback. A failure inside a stream's foreachBatch reaches the
    driver as a StreamingQueryException whose first line only says "an exception was raised by the
    Python Proxy"; the line worth reading is the one ending the traceback, the first line after it
    that is not indented (`Killed: killed at ...`)."""
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0] if lines else ''}"
    starts = [i for i, line in enumerate(lines) if _TRACEBACK in line]
    if starts:
        ending = next((line for line in lines[starts[-1] + 1 :] if line and not line[0].isspace()), None)
        if ending is not None:
            text = f"{ending.strip()} (raised as {text})"
    return text[:MAX_ERROR_CHARS]


def pipeline_runs_table(catalogue: Catalogue) -> Table:
    """The catalogue's run-record table (its `opsRecord`; no table name typed here)."""
    return catalogue.ops_table("stage_runs", RUN_COLUMNS)


@dataclass
class StageRecord:
    stage: str
    started_at: datetime
    status: str = "running"
    finished_at: datetime | None = None
    error: str | None = None

    @property
    def duration_seconds(self) -> float | None:
        return None if self.finished_at is None else (self.finished_at - self.started_at).total_seconds()


@dataclass
class RunLog:
    """The stages of one run in the order they started."""

    run_id: str
    stages: list[StageRecord] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str) -> Iterator[StageRecord]:
        record = StageRecord(name, datetime.now(UTC))
        self.stages.append(record)
        try:
            yield record
        except BaseException as error:
            record.status = "failed"
            record.error = describe_error(error)
            raise
        else:
            record.status = "succeeded"
        finally:
            record.finished_at = datetime.now(UTC)

    @property
    def failed(self) -> bool:
        return any(record.status == "failed" for record in self.stages)

    def rows(self) -> list[dict[str, object]]:
        return [
            {
                "run_id": self.run_id,
                "stage": record.stage,
                "status": record.status,
                "started_at": record.started_at,
                "finished_at": record.finished_at,
                "duration_seconds": record.duration_seconds,
                "error": record.error,
            }
            for record in self.stages
        ]


def write_pipeline_runs(
    spark: SparkSession, catalogue: Catalogue, locations: TableLocations, log: RunLog
) -> int:
    """Upsert the run's stage records; returns how many were written."""
    return upsert_rows(spark, locations, pipeline_runs_table(catalogue), log.rows())
