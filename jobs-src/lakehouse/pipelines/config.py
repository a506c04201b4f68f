"""The declarative pipeline's settings, read from its `configuration` (Spark conf keys).

On Databricks the Pipeline construct sets them; locally `lakehouse.pipelines.local` writes them into
`spark-pipeline.yml`. Every problem is reported at once, naming the key and how to set it.

- `lakehouse.environment` (always): environment name (`dev`, `prod`, `local`, ...), part of the run id;
- `lakehouse.as_of` (always): day the as-of gold tables describe, `YYYY-MM-DD`, or `today` (UTC);
- `lakehouse.catalog`, `lakehouse.bronze_schema` (Databricks): bronze is `<catalog>.<bronze_schema>.<table>`;
- `lakehouse.bronze_root` (local only): folder of one Delta folder per bronze table, `<root>/<table name>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Protocol

from pyspark.sql import DataFrame, SparkSession

from lakehouse.catalogue import Table

ENVIRONMENT = "lakehouse.environment"
CATALOG = "lakehouse.catalog"
BRONZE_SCHEMA = "lakehouse.bronze_schema"
BRONZE_ROOT = "lakehouse.bronze_root"
AS_OF = "lakehouse.as_of"
TODAY = "today"
"""`lakehouse.as_of` value meaning the UTC day the pipeline update starts (scheduled pipelines)."""

_WHERE_TO_SET = (
    "set it in the pipeline's configuration (the Pipeline construct on Databricks, "
    "spark-pipeline.yml locally; `python -m lakehouse.pipelines.local` writes it)"
)


class PipelineConfigError(ValueError):
    """A configuration key is missing or malformed; the message names every such key."""


class ConfReader(Protocol):
    """What is read from `spark.conf` (a plain dict works too, for tests)."""

    def get(self, key: str, default: str | None = None, /) -> str | None: ...


@dataclass(frozen=True)
class PipelineConfig:
    """Validated settings of one pipeline update."""

    environment: str
    as_of: date
    catalog: str | None
    bronze_schema: str | None
    bronze_root: str | None
    """Set locally (bronze tables are Delta folders), None on Databricks (Unity Catalog tables)."""

    @property
    def run_id(self) -> str:
        """Recorded in quarantine rows: the environment and day of the update."""
        return f"pipeline-{self.environment}-{self.as_of.isoformat()}"

    def bronze_source(self, table: Table) -> str:
        """Where bronze table `table` is read from: a Delta folder locally, else a Unity Catalog name."""
        if self.bronze_root is not None:
            return f"{self.bronze_root.rstrip('/')}/{table.name}"
        return f"{self.catalog}.{self.bronze_schema}.{table.name}"

    def has_bronze(self, table: Table) -> bool:
        """Whether the bronze table is there to read: always on Databricks (the bootstrap creates every
        table); locally only once a run wrote it (a stream's table needs a run with --kafka-bootstrap)."""
        if self.bronze_root is None:
            return True
        return (Path(self.bronze_source(table)) / "_delta_log").is_dir()

    def read_bronze(self, spark: SparkSession, table: Table) -> DataFrame:
        """The bronze table as a batch DataFrame (it lives outside the pipeline)."""
        if self.bronze_root is not None:
            return spark.read.format("delta").load(self.bronze_source(table))
        return spark.read.table(self.bronze_source(table))


def read_config(conf: ConfReader, *, databricks: bool) -> PipelineConfig:
    """Read and check the `lakehouse.*` keys; raises PipelineConfigError listing every problem."""
    values = {key: _value(conf, key) for key in (ENVIRONMENT, CATALOG, BRONZE_SCHEMA, BRONZE_ROOT, AS_OF)}
    required = [ENVIRONMENT, AS_OF, *((CATALOG, BRONZE_SCHEMA) if databricks else (BRONZE_ROOT,))]
    problems = [f"{key} is missing; {_WHERE_TO_SET}" for key in required if values[key] is None]
    if databricks and values[BRONZE_ROOT] is not None:
        problems.append(
            f"{BRONZE_ROOT} is for local runs only, got '{values[BRONZE_ROOT]}'; on Databricks bronze is "
            f"read from {CATALOG}.{BRONZE_SCHEMA}: remove the key"
        )
    as_of = None
    if values[AS_OF] is not None:
        as_of = _parse_day(values[AS_OF])
        if as_of is None:
            problems.append(f"{AS_OF} must be a day YYYY-MM-DD or '{TODAY}', got '{values[AS_OF]}'")
    if problems:
        raise PipelineConfigError("pipeline configuration: " + "; ".join(problems))
    assert values[ENVIRONMENT] is not None
    assert as_of is not None
    return PipelineConfig(
        environment=values[ENVIRONMENT],
        as_of=as_of,
        catalog=values[CATALOG],
        bronze_schema=values[BRONZE_SCHEMA],
        bronze_root=None if databricks else values[BRONZE_ROOT],
    )


def _value(conf: ConfReader, key: str) -> str | None:
    value = conf.get(key, None)
    return None if value is None or not value.strip() else value.strip()


def _parse_day(text: str) -> date | None:
    if text == TODAY:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
