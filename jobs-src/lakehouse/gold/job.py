"""One gold table's run: find what changed upstream, rebuild only the affected rows, MERGE them.

A gold table remembers, in its Delta table property `lakehouse.gold.state`, the version of every
upstream table it has been built from and the `as_of` day of its last run. A run then:

1. reads each upstream's change data feed from that version on (the silver tables are created with
   the feed on; see the catalogue's `deltaProperties`);
2. asks the table's module which SCOPE rows the changes touch (`affected`);
3. rebuilds the table for just that scope from the full upstream tables (`build`);
4. MERGEs on the business keys in one commit: new rows inserted, rows whose values differ updated,
   rows of the scope that no longer exist deleted; unchanged rows are not rewritten;
5. records the new upstream versions.

The first run, a run with `full=True`, or a run whose change feed cannot be read (never enabled,
or its files vacuumed) builds the whole table instead. Every step is deterministic, so a crash
between the MERGE and the state write only makes the next run redo the same scope.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import reduce
from types import ModuleType

from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.catalogue import Catalogue, Table
from lakehouse.conform import catalogue_columns
from lakehouse.gold.contract import CHANGE_TYPE, GoldContext, Inputs
from lakehouse.gold.modules import GOLD_MODULES
from lakehouse.locations import CHANGE_FEED, TableLocations, create_table
from lakehouse.ops.accounting import TableCounts
from lakehouse.session import activate
from lakehouse.silver.common import ExpectationFailed, expectation_counts, with_expectations
from lakehouse.silver.writers import Target, execute_merge

STATE_PROPERTY = "lakehouse.gold.state"
AS_OF_COLUMN = "as_of_date"
"""Tables with this column hold one snapshot per run day (RFM, CLV, churn features)."""
_DELETE = "_delete"
_PRUNE_LIMIT = 1000
"""Scopes with at most this many distinct values of a column also filter the MERGE target by them
as literals, which lets Delta skip the files of untouched days and keys."""


class GoldModuleError(TypeError):
    """A gold module does not provide what `lakehouse.gold.contract` asks for."""


def gold_module(table: Table) -> ModuleType:
    """The module of gold table `table` (`lakehouse.gold.<table name>`, listed in
    `lakehouse.gold.modules`), checked against the contract."""
    name = f"lakehouse.gold.{table.name}"
    module = GOLD_MODULES.get(table.name)
    if module is None:
        raise GoldModuleError(
            f"{table.key}: no module {name} in lakehouse/gold/modules.py; add one with SCOPE, build() and "
            "affected() (see lakehouse/gold/contract.py) and list it there"
        )
    missing = [attr for attr in ("SCOPE", "build", "affected") if not hasattr(module, attr)]
    if missing:
        raise GoldModuleError(f"{name} lacks {', '.join(missing)} (see lakehouse/gold/contract.py)")
    outside = sorted(set(module.SCOPE) - set(table.business_keys))
    if not module.SCOPE or outside:
        raise GoldModuleError(
            f"{name}.SCOPE must be a non-empty subset of the business keys {list(table.business_keys)}, "
            f"got {list(module.SCOPE)}"
        )
    return module


def input_name(key: str) -> str:
    """The name an upstream table is given to gold modules: its table name (`silver.events` -> `events`)."""
    return key.split(".", 1)[1]


def conform(table: Table, rows: DataFrame) -> DataFrame:
    """Exactly the catalogue's columns of `table`, in order and cast to their types."""
    missing = [name for name in table.column_names if name not in rows.columns]
    extra = sorted(set(rows.columns) - set(table.column_names))
    if missing or extra:
        raise GoldModuleError(
            f"{table.key}: build() returned the wrong columns; missing {missing}, undeclared {extra}"
        )
    return rows.transform(catalogue_columns(table))


@dataclass(frozen=True)
class GoldState:
    """What the table was last built from."""

    as_of: date | None
    versions: dict[str, int]

    def to_json(self) -> str:
        as_of = None if self.as_of is None else self.as_of.isoformat()
        return json.dumps({"as_of": as_of, "versions": dict(sorted(self.versions.items()))})

    @staticmethod
    def from_json(text: str) -> GoldState:
        data = json.loads(text)
        as_of = None if data.get("as_of") is None else date.fromisoformat(data["as_of"])
        return GoldState(as_of, {str(k): int(v) for k, v in data["versions"].items()})


@dataclass
class GoldResult:
    """What one run did to one gold table."""

    key: str
    mode: str
    """`full`, `incremental` or `unchanged`."""
    reason: str = ""
    scope_rows: int = 0
    rows_built: int = 0
    committed: dict[str, int] = field(default_factory=dict)
    failed_by_rule: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def counts(self) -> TableCounts:
        """The run's accounting row: rows built and what Delta committed (no conservation check:
        gold rows are aggregates, not the rows read)."""
        written = sum(self.committed.values())
        return TableCounts(
            self.key,
            rows_read=self.rows_built,
            rows_written=written,
            rows_checked=self.rows_built,
            failed_by_rule=Counter({rule: n for rule, n in self.failed_by_rule.items() if n}),
        )


@dataclass
class GoldJob:
    """Builds one gold table from its catalogue upstream tables."""

    spark: SparkSession
    catalogue: Catalogue
    locations: TableLocations
    table: Table
    log: Callable[[str], None] = lambda _line: None

    @property
    def upstream(self) -> list[Table]:
        return [self.catalogue.table(key) for key in self.table.upstream]

    def run(self, as_of: date, *, full: bool = False, upstream_prepared: bool = False) -> GoldResult:
        """Bring the table up to date with its upstream tables as of `as_of`; raises on a `fail`
        expectation before anything is written. `upstream_prepared`: `prepare_upstream` already ran for
        every upstream table (see `run_gold_jobs`)."""
        started = time.perf_counter()
        module = gold_module(self.table)
        if not upstream_prepared:
            for table in self.upstream:
                self.prepare_upstream(table)
        added = self._prepare()
        versions = {t.key: self._version(t.key) for t in self.upstream}
        state = None if full or added else self._state()
        reason = "full build requested" if full else ""
        if added and not full:
            reason = f"columns {', '.join(added)} added to the stored table"
        if state is not None and set(state.versions) != set(versions):
            state, reason = None, "upstream tables differ from the last build"
        elif state is None and not reason:
            reason = "first build"
        changes = None
        if state is not None:
            try:
                changes = self._changes(state, versions)
            except AnalysisException as error:  # feed not readable for that range: rebuild everything
                state, reason = None, f"change feed unreadable ({str(error).splitlines()[0][:160]})"
        if state is not None and changes is not None:
            unchanged = all(versions[k] == state.versions[k] for k in versions) and state.as_of == as_of
            if unchanged:
                return GoldResult(self.table.key, "unchanged", seconds=time.perf_counter() - started)
            result = self._incremental(module, as_of, state, changes)
        else:
            result = self._full(module, as_of, reason)
        self._save_state(GoldState(as_of, versions))
        result.seconds = time.perf_counter() - started
        return result

    def prepare_upstream(self, table: Table) -> None:
        """Create upstream `table` if missing and turn its change feed on."""
        create_table(self.spark, self.locations, table)
        if self._properties(table.key).get(CHANGE_FEED) != "true":
            # A table created before the feed was wanted: turn it on; the state check in `run` then
            # sees no usable history and rebuilds once.
            name = self.locations.sql_name(table.key)
            self.spark.sql(f"ALTER TABLE {name} SET TBLPROPERTIES ('{CHANGE_FEED}' = 'true')")

    def _prepare(self) -> list[str]:
        """Create the table if missing; returns the declared columns added to the stored table."""
        create_table(self.spark, self.locations, self.table)
        return self._add_declared_columns()

    def _add_declared_columns(self) -> list[str]:
        """Add the declared columns the stored table lacks: a table created before the catalogue declared them
        keeps its old columns (creation is `IF NOT EXISTS`). They are added nullable (Delta adds no NOT NULL
        column to a table with rows); `run` then builds the whole table, which fills them."""
        stored = set(self.locations.read(self.spark, self.table.key).columns)
        missing = [c for c in self.table.columns if c.name not in stored]
        if missing:
            columns = ", ".join(f"`{c.name}` {c.type}" for c in missing)
            self.spark.sql(f"ALTER TABLE {self.locations.sql_name(self.table.key)} ADD COLUMNS ({columns})")
        return [c.name for c in missing]

    def _properties(self, key: str) -> dict[str, str]:
        return self.locations.properties(self.spark, key)

    def _version(self, key: str) -> int:
        return Target(self.spark, self.catalogue.table(key), self.locations).version()

    def _state(self) -> GoldState | None:
        text = self._properties(self.table.key).get(STATE_PROPERTY)
        return None if text is None else GoldState.from_json(text)

    def _save_state(self, state: GoldState) -> None:
        self.spark.sql(
            f"ALTER TABLE {self.locations.sql_name(self.table.key)} "
            f"SET TBLPROPERTIES ('{STATE_PROPERTY}' = '{state.to_json()}')"
        )

    def _inputs(self) -> Inputs:
        return Inputs(
            self.table.key, {input_name(t.key): self.locations.read(self.spark, t.key) for t in self.upstream}
        )

    def _changes(self, state: GoldState, versions: dict[str, int]) -> Inputs:
        frames = {}
        for table in self.upstream:
            start, end = state.versions[table.key] + 1, versions[table.key]
            if end >= start:
                changed = self.locations.read_changes(self.spark, table.key, start, end)
                changed = changed.select(*table.column_names, CHANGE_TYPE)
                # Reading is lazy: plan the scan now, so a range without change data (the feed was
                # off for a while) fails here, where `run` falls back to a full build.
                changed.isEmpty()
            else:
                schema = table.spark_schema().add(CHANGE_TYPE, "string")
                changed = self.spark.createDataFrame([], schema)
            frames[input_name(table.key)] = changed
        return Inputs(self.table.key, frames)

    def _context(self, as_of: date, previous: date | None) -> GoldContext:
        dates = {as_of}
        if AS_OF_COLUMN in self.table.column_names:
            existing = self.locations.read(self.spark, self.table.key).select(AS_OF_COLUMN).distinct()
            dates |= {row[0] for row in existing.collect()}
        return GoldContext(as_of=as_of, snapshot_dates=tuple(sorted(dates)), previous_as_of=previous)

    def _checked(self, rows: DataFrame) -> tuple[DataFrame, dict[str, int]]:
        """Apply the table's expectations to the rows about to be written (warn counts, drop filters,
        fail stops the run)."""
        if not self.table.expectations:
            return rows, {}
        unsupported = [e.name for e in self.table.expectations if e.action == "quarantine"]
        if unsupported:
            raise ValueError(f"{self.table.key}: gold tables have no quarantine; rules {unsupported}")
        flagged = rows.transform(with_expectations(self.table)).persist()
        counts = expectation_counts(flagged, self.table)
        if counts.fatal:
            failed = [
                e.name for e in self.table.expectations if e.action == "fail" and counts.by_rule[e.name]
            ]
            flagged.unpersist()
            raise ExpectationFailed(
                f"{self.table.key}: {counts.fatal} rows failed 'fail' expectations {failed}"
            )
        kept = flagged.where(F.size("_dropped_rules") == 0).select(*self.table.column_names)
        return kept, counts.by_rule

    def _full(self, module: ModuleType, as_of: date, reason: str) -> GoldResult:
        self.log(f"{self.table.key}: full build ({reason})")
        ctx = self._context(as_of, None)
        rows = conform(self.table, module.build(ctx, self._inputs(), None)).persist()
        checked, failures = self._checked(rows)
        target = Target(self.spark, self.table, self.locations)
        version = target.version()
        self.locations.save(checked.write.mode("overwrite"), self.table.key)
        built = rows.count()
        rows.unpersist()
        committed = target.committed_since(version)
        return GoldResult(
            self.table.key,
            "full",
            reason,
            rows_built=built,
            committed=dict(committed),
            failed_by_rule=failures,
        )

    def _incremental(self, module: ModuleType, as_of: date, state: GoldState, changes: Inputs) -> GoldResult:
        ctx = self._context(as_of, state.as_of)
        inputs = self._inputs()
        scope_columns = list(module.SCOPE)
        scope = module.affected(ctx, changes, inputs).select(*scope_columns).distinct().persist()
        scope_rows = scope.count()
        if scope_rows == 0:
            scope.unpersist()
            return GoldResult(self.table.key, "incremental", "no affected rows")
        rows = conform(self.table, module.build(ctx, inputs, scope)).persist()
        checked, failures = self._checked(rows)
        built = rows.count()
        committed = self._merge(checked, scope, scope_columns)
        rows.unpersist()
        scope.unpersist()
        self.log(f"{self.table.key}: {scope_rows} scope rows rebuilt, {built} rows")
        return GoldResult(
            self.table.key,
            "incremental",
            scope_rows=scope_rows,
            rows_built=built,
            committed=dict(committed),
            failed_by_rule=failures,
        )

    def _merge(self, rows: DataFrame, scope: DataFrame, scope_columns: list[str]) -> Counter[str]:
        """One MERGE: insert new keys, update rows whose values differ, delete the scope's vanished keys.
        Returns Delta's metrics of it."""
        keys = list(self.table.business_keys)
        values = [c for c in self.table.columns if c.name not in keys]
        prune = _prune_predicate(scope, scope_columns)
        existing = self.locations.read(self.spark, self.table.key)
        if prune is not None:
            existing = existing.where(prune("t", existing))
        vanished = (
            existing.join(scope, scope_columns, "left_semi")
            .select(*keys)
            .join(rows.select(*keys), keys, "left_anti")
            .select(*keys, *(F.lit(None).cast(c.type).alias(c.name) for c in values))
            .withColumn(_DELETE, F.lit(True))
        )
        source = rows.withColumn(_DELETE, F.lit(False)).unionByName(vanished)
        on = " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in keys)
        target = self.locations.delta(self.spark, self.table.key).alias("t")
        condition = F.expr(on)
        if prune is not None:
            condition = condition & prune("t", None)
        differs = " OR ".join(f"NOT (t.`{c.name}` <=> s.`{c.name}`)" for c in values) or "false"
        return execute_merge(
            target.merge(source.alias("s"), condition)
            .whenMatchedDelete(condition=f"s.{_DELETE}")
            .whenMatchedUpdate(
                condition=f"NOT s.{_DELETE} AND ({differs})", set={c.name: f"s.`{c.name}`" for c in values}
            )
            .whenNotMatchedInsert(
                condition=f"NOT s.{_DELETE}",
                values={c: f"s.`{c}`" for c in self.table.column_names},
            )
        )


def _prune_predicate(
    scope: DataFrame, columns: list[str]
) -> Callable[[str, DataFrame | None], F.Column] | None:
    """Literal `IN` filters on the scope columns with few distinct values, or None."""
    literal: dict[str, list[object]] = {}
    for name in columns:
        values = [row[0] for row in scope.select(name).distinct().limit(_PRUNE_LIMIT + 1).collect()]
        if len(values) <= _PRUNE_LIMIT and None not in values:
            literal[name] = values
    if not literal:
        return None

    def predicate(alias: str, frame: DataFrame | None) -> F.Column:
        conditions = [
            (frame[name] if frame is not None else F.col(f"{alias}.`{name}`")).isin(values)
            for name, values in literal.items()
        ]
        result = conditions[0]
        for condition in conditions[1:]:
            result = result & condition
        return result

    return predicate


def data_as_of(spark: SparkSession, catalogue: Catalogue, locations: TableLocations) -> date:
    """The latest UTC day in the data gold reads: the greatest event-time day of its upstream tables
    (today when there is no data yet)."""
    latest_days = [
        locations.read(spark, key).select(F.max(F.to_date(table.event_time_column)).alias("day"))
        for key in sorted({key for gold in catalogue.tables_in("gold") for key in gold.upstream})
        if (table := catalogue.table(key)).event_time_column and locations.exists(spark, key)
    ]
    if not latest_days:
        return datetime.now(UTC).date()
    # One Spark job over all tables rather than one per table.
    latest = reduce(DataFrame.unionAll, latest_days).agg(F.max("day")).first()[0]
    return latest if latest is not None else datetime.now(UTC).date()


def run_gold_jobs(
    jobs: Sequence[GoldJob],
    as_of: date,
    *,
    full: bool = False,
    parallelism: int = 1,
    stage: Callable[[str], AbstractContextManager[object]] = lambda _key: nullcontext(),
) -> list[GoldResult]:
    """Run `jobs` with up to `parallelism` at once; results in the order of `jobs`.

    Gold tables read only silver, so they do not wait for each other, and a table's run spends much of its
    time planning on one driver thread: running several at once uses the cores a sequence leaves idle
    (as Databricks runs the gold tasks of the job DAG side by side). The upstream tables they share are
    prepared first, one at a time, because two runs turning on one table's change feed at once would
    conflict. `stage(key)` wraps each table's run (the runner records it as a stage). With `parallelism` above
    1, when runs fail the others still finish and the first failure in `jobs` order is raised; with 1 the jobs
    run in order in the calling thread and the first failure stops the rest.
    """
    prepared: set[str] = set()
    for job in jobs:
        for table in job.upstream:
            if table.key not in prepared:
                job.prepare_upstream(table)
                prepared.add(table.key)

    def run_one(job: GoldJob) -> GoldResult:
        activate(job.spark)  # a pool thread has no active session
        with stage(job.table.key):
            return job.run(as_of, full=full, upstream_prepared=True)

    if parallelism <= 1:
        return [run_one(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="gold") as pool:
        futures = [pool.submit(run_one, job) for job in jobs]
    for future in futures:
        error = future.exception()
        if error is not None:
            raise error
    return [future.result() for future in futures]
