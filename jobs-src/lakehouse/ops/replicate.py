"""Disaster-recovery copies of the silver and gold tables the catalogue marks `critical` or `replicated`.

    replicate --catalog ecommerce_prod --dr-catalog ecommerce_prod_dr \\    # the wheel entry point
        --critical-rpo-minutes 15 --rpo-minutes 60

On Databricks each table is copied by an incremental Delta deep clone into the DR catalog, whose storage is in
the paired region: `CREATE OR REPLACE TABLE <dr> DEEP CLONE <source>` copies only the files added since the
previous clone, so a run costs what changed. Open-source Delta (delta-spark 4.x) has no DEEP CLONE, only
SHALLOW CLONE, whose copy would still point at the primary's files and so dies with the primary region; the
local warehouse is therefore copied as a Delta folder mirror that is incremental in the same way: the data
files not yet in the replica first, then the commits up to the version read at the start, oldest first, so a
reader of the replica always sees a complete version, and the replica keeps the primary's version history
(time travel and `RESTORE` work on it).

After copying, each table's data-loss window (from the commit of the version the replica holds to the
primary's newest commit) is checked against its RPO; a breach makes the run exit non-zero.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pyspark.sql import SparkSession

from lakehouse.catalogue import Catalogue, Table, load_catalogue
from lakehouse.locations import LocalLocations, TableLocations, UnityCatalogLocations
from lakehouse.ops.existing_tables import existing_tables
from lakehouse.session import get_spark

DELTA_LOG = "_delta_log"
LAST_CHECKPOINT = "_last_checkpoint"


@dataclass(frozen=True)
class RecoveryObjectives:
    """The most data, in minutes, each recovery class may lose (environment `disasterRecovery.rpoMinutes`)."""

    critical_minutes: int
    replicated_minutes: int

    def of(self, table: Table) -> timedelta:
        """The RPO of a replicated table."""
        minutes = self.critical_minutes if table.recovery == "critical" else self.replicated_minutes
        return timedelta(minutes=minutes)


@dataclass(frozen=True)
class CopyStats:
    """What one incremental copy of a Delta folder moved."""

    version: int
    """The source version the replica holds afterwards."""
    data_files: int
    log_files: int
    bytes: int


@dataclass(frozen=True)
class ReplicationResult:
    """One table's replication: what was copied and how far the replica is behind afterwards."""

    key: str
    recovery: str
    version: int
    files_copied: int
    bytes_copied: int
    seconds: float
    data_loss_window: timedelta
    rpo: timedelta

    @property
    def breached(self) -> bool:
        """Whether the replica lags the primary by more than the table's RPO."""
        return self.data_loss_window > self.rpo


def replicated_tables(catalogue: Catalogue) -> list[Table]:
    """The tables the DR catalog keeps copies of, critical ones first (they have the shorter RPO)."""
    tables = [t for t in catalogue.tables if t.replicated]
    return sorted(tables, key=lambda t: (t.recovery != "critical", t.key))


def data_loss_window(commits: Mapping[int, datetime], replica_version: int | None) -> timedelta:
    """How much of the primary's history a failover to a replica holding `replica_version` would lose: from
    that version's commit to the primary's newest commit (zero when the replica has the newest; from the first
    commit when there is no replica). `commits` maps the primary's versions to their commit times."""
    if not commits:
        return timedelta(0)
    newest = commits[max(commits)]
    if replica_version is None:
        return newest - commits[min(commits)]
    if replica_version not in commits:
        raise ValueError(
            f"version {replica_version} is no longer in the primary's log: the replica is older than the log "
            "retention, so its data-loss window cannot be measured (and exceeds any RPO)"
        )
    return max(newest - commits[replica_version], timedelta(0))


def deep_clone_statement(source: str, replica: str, version: int) -> str:
    """The Databricks statement that brings `replica` to `version` of `source`; a deep clone re-run onto the
    same replica copies only the files it lacks. The version is pinned so the measured window is exact even
    when the source commits during the clone."""
    return f"CREATE OR REPLACE TABLE {replica} DEEP CLONE {source} VERSION AS OF {version}"


def _log_version(name: str) -> int | None:
    """The version of a commit, checkpoint or checksum file in `_delta_log` (`00..05.json` -> 5)."""
    head = name.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def latest_version(table: Path) -> int | None:
    """The newest committed version of a Delta folder, from its log; None when there is no table."""
    log = table / DELTA_LOG
    versions = [_log_version(p.name) for p in log.glob("*.json")] if log.is_dir() else []
    known = [v for v in versions if v is not None]
    return max(known) if known else None


def _is_checksum_sidecar(path: Path) -> bool:
    """Hadoop's local-filesystem checksum of a file (`.part-0.parquet.crc`): not part of the table, and stale
    once its file is copied on its own, so it is never copied."""
    return path.name.startswith(".") and path.name.endswith(".crc")


def _files_to_copy(source: Path, replica: Path, names: Iterable[Path]) -> list[Path]:
    """Files of `source` the replica lacks or holds with another size (a copy cut short)."""
    wanted = []
    for path in names:
        if _is_checksum_sidecar(path):
            continue
        target = replica / path.relative_to(source)
        if not target.exists() or target.stat().st_size != path.stat().st_size:
            wanted.append(path)
    return sorted(wanted)


def copy_delta_folder(source: Path, replica: Path) -> CopyStats:
    """Bring the Delta folder `replica` up to the version `source` has now, copying only what it lacks.

    The version is read first; data files go before the commits that reference them, commits oldest first,
    `_last_checkpoint` last, so the replica is a readable table of some version at every moment. Files a
    later commit adds while this runs may be copied too; they stay unreferenced until the next run copies
    their commit.
    """
    version = latest_version(source)
    if version is None:
        raise FileNotFoundError(f"{source} is not a Delta table (no commits in {DELTA_LOG})")
    data = [p for p in source.rglob("*") if p.is_file() and DELTA_LOG not in p.relative_to(source).parts]
    log = [
        p
        for p in (source / DELTA_LOG).iterdir()
        if p.is_file() and (v := _log_version(p.name)) is not None and v <= version
    ]
    copied_bytes = 0
    data_copies = _files_to_copy(source, replica, data)
    log_copies = sorted(_files_to_copy(source, replica, log), key=lambda p: (_log_version(p.name), p.name))
    for path in [*data_copies, *log_copies]:
        target = replica / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        copied_bytes += path.stat().st_size
    last_checkpoint = source / DELTA_LOG / LAST_CHECKPOINT
    if last_checkpoint.exists():
        shutil.copy2(last_checkpoint, replica / DELTA_LOG / LAST_CHECKPOINT)
    return CopyStats(version, len(data_copies), len(log_copies), copied_bytes)


def commit_times(spark: SparkSession, locations: TableLocations, key: str) -> dict[int, datetime]:
    """When each version of the table still in its log was committed (UTC)."""
    rows = locations.delta(spark, key).history().select("version", "timestamp").collect()
    return {int(r["version"]): _utc(r["timestamp"]) for r in rows}


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def replicate_table(
    spark: SparkSession,
    source: TableLocations,
    replica: TableLocations,
    table: Table,
    objectives: RecoveryObjectives,
) -> ReplicationResult:
    """Copy one table to the replica (deep clone on Unity Catalog, a folder mirror locally) and measure how
    much a failover to it would lose."""
    started = time.perf_counter()
    if isinstance(source, LocalLocations) and isinstance(replica, LocalLocations):
        stats = copy_delta_folder(Path(source.path(table.key)), Path(replica.path(table.key)))
        version, files, size = stats.version, stats.data_files + stats.log_files, stats.bytes
    elif isinstance(source, UnityCatalogLocations) and isinstance(replica, UnityCatalogLocations):
        version = source.version(spark, table.key)
        statement = deep_clone_statement(source.name(table.key), replica.name(table.key), version)
        metrics = spark.sql(statement).collect()
        files = int(metrics[0]["num_copied_files"]) if metrics else 0
        size = int(metrics[0]["copied_files_size"]) if metrics else 0
    else:
        raise TypeError("source and replica must both be local folders or both Unity Catalog catalogs")
    seconds = time.perf_counter() - started
    window = data_loss_window(commit_times(spark, source, table.key), version)
    return ReplicationResult(
        table.key, str(table.recovery), version, files, size, seconds, window, objectives.of(table)
    )


def restore_from_replica(
    spark: SparkSession, replica: TableLocations, target: TableLocations, key: str
) -> None:
    """Put the replica's copy of `key` back in place of a lost or corrupted table (failback, or repair from
    the DR copy): a deep clone on Unity Catalog, a fresh folder copy locally."""
    if isinstance(replica, LocalLocations) and isinstance(target, LocalLocations):
        shutil.rmtree(target.path(key), ignore_errors=True)
        copy_delta_folder(Path(replica.path(key)), Path(target.path(key)))
    elif isinstance(replica, UnityCatalogLocations) and isinstance(target, UnityCatalogLocations):
        version = replica.version(spark, key)
        spark.sql(deep_clone_statement(replica.name(key), target.name(key), version))
    else:
        raise TypeError("replica and target must both be local folders or both Unity Catalog catalogs")


def replicate_all(
    spark: SparkSession,
    catalogue: Catalogue,
    source: TableLocations,
    replica: TableLocations,
    objectives: RecoveryObjectives,
    log: Callable[[str], None] = print,
) -> list[ReplicationResult]:
    """Replicate every critical and replicated table that exists; tables not created yet are reported."""
    results = []
    for table in existing_tables(spark, replicated_tables(catalogue), source, "replicate", log):
        result = replicate_table(spark, source, replica, table, objectives)
        verdict = "BREACH" if result.breached else "ok"
        window, rpo = result.data_loss_window.total_seconds(), result.rpo.total_seconds()
        log(
            f"[replicate] {table.key} ({result.recovery}): v{result.version}, {result.files_copied} file(s), "
            f"{result.bytes_copied} bytes in {result.seconds:.1f}s; data-loss window "
            f"{window:.0f}s vs RPO {rpo:.0f}s {verdict}"
        )
        results.append(result)
    return results


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="replicate", description=__doc__.split("\n")[0])
    parser.add_argument("--catalog", required=True, help="Unity Catalog catalog of the environment")
    parser.add_argument("--dr-catalog", required=True, help="catalog on the DR region's storage")
    parser.add_argument("--critical-rpo-minutes", type=int, required=True, help="RPO of critical tables")
    parser.add_argument("--rpo-minutes", type=int, required=True, help="RPO of the other replicated tables")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    spark = get_spark("replicate")
    objectives = RecoveryObjectives(args.critical_rpo_minutes, args.rpo_minutes)
    source = UnityCatalogLocations(args.catalog, checkpoint_root="")
    replica = UnityCatalogLocations(args.dr_catalog, checkpoint_root="")
    results = replicate_all(spark, load_catalogue(), source, replica, objectives)
    breaches = [r.key for r in results if r.breached]
    if breaches:
        print(f"[replicate] RPO breached by {', '.join(breaches)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
