"""Wiring of one bronze -> silver stream: read new bronze rows, type, check, quarantine, write, count.

Which silver tables exist, what feeds them, their rules and their quarantine tables all come from
the catalogue; the per-table logic is the module `lakehouse.silver.<table name>` (found by name,
so no table name is typed here).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from types import ModuleType

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.streaming import StreamingQuery

from lakehouse.bronze.ingest import BatchHook, Trigger
from lakehouse.catalogue import Catalogue, Parsing, Table
from lakehouse.locations import TableLocations, create_table
from lakehouse.ops.accounting import TableCounts
from lakehouse.silver.common import (
    BRONZE_META,
    ExpectationCounts,
    ExpectationFailed,
    bronze_record,
    expectation_counter,
    materialised,
    passing_rows,
    quarantine_rows,
    release,
    with_expectations,
    with_failed_records,
    without_checks,
)
from lakehouse.silver.late import (
    LateState,
    late_aggregates,
    late_cutoff,
    late_rows_and_latest,
    with_late_rule,
)
from lakehouse.silver.modules import DECLARED, SILVER_MODULES
from lakehouse.silver.stored_keys import StoredKeys
from lakehouse.silver.writers import Target
from lakehouse.stream_appends import StreamAppends

QUARANTINED_HOOK_STEP = ":quarantined"
"""Suffix of the hook call made between the quarantine write and the table write of a batch."""


def table_module(table: Table) -> ModuleType:
    """The module holding the per-table logic of `table`: `lakehouse.silver.<table name>` (listed in
    `lakehouse.silver.modules`), or for a table declared in the catalogue alone
    `lakehouse.silver.declared` (same-named columns parsed by the source's rules, one row per business
    key); the error says what to declare or create."""
    module = SILVER_MODULES.get(table.name)
    if module is not None:
        return module
    bronze_fed = len(table.upstream) == 1 and table.upstream[0].split(".", 1)[0] == "bronze"
    if table.scd or table.cdc or not bronze_fed or not table.business_keys:
        raise LookupError(
            f"{table.key}: no module lakehouse.silver.{table.name} in lakehouse/silver/modules.py, and only "
            "a table fed by one bronze table, with business keys and no scd/cdc, can go without one; add "
            "it with standardise(table, parsing) and write(...) (see lakehouse/silver/order_items.py)"
        )
    return DECLARED


def check_declared_columns(silver: Table, bronze: Table) -> None:
    """A table on `lakehouse.silver.declared` takes every column from the same-named bronze column:
    name the silver columns bronze lacks instead of failing later on an unresolved column."""
    missing = [
        c.name for c in silver.columns if c.name not in BRONZE_META and c.name not in bronze.column_names
    ]
    if missing:
        raise ValueError(
            f"{silver.key}: columns {missing} have no same-named column in {bronze.key}; rename them to "
            f"the source's names or give the table a module lakehouse.silver.{silver.name}"
        )


def bronze_fed_tables(catalogue: Catalogue) -> list[tuple[Table, Table]]:
    """(silver table, its bronze table) for every silver table fed by one ingested bronze table.

    Quarantine tables are written by their parent's job, so they are not listed.
    """
    quarantines = {t.quarantine_table for t in catalogue.tables if t.quarantine_table}
    pairs = []
    for table in catalogue.tables_in("silver"):
        if table.key in quarantines or len(table.upstream) != 1:
            continue
        upstream = catalogue.table(table.upstream[0])
        if upstream.layer == "bronze" and upstream.source is not None:
            pairs.append((table, upstream))
    return pairs


@dataclass
class SilverJob:
    """One bronze -> silver table stream of a run."""

    spark: SparkSession
    catalogue: Catalogue
    locations: TableLocations
    silver: Table
    bronze: Table
    run_id: str
    late_state: LateState = field(default_factory=LateState)
    """The latest event time this stream wrote (eventhub sources); see lakehouse.silver.late."""
    stored_keys: StoredKeys = field(default_factory=StoredKeys)
    """Key hashes of what this stream stored within its watermark (eventhub sources); see
    lakehouse.silver.stored_keys."""
    quarantine_appends: StreamAppends = field(init=False)
    """This run's appends to the quarantine table, exactly once (lakehouse.stream_appends); new per start."""

    @property
    def parsing(self) -> Parsing:
        """How the bronze source's text is read (the catalogue's `parse` block of the source)."""
        return self.catalogue.parsing_of(self.bronze)

    @property
    def watermark(self) -> timedelta | None:
        """How late an event of the bronze source may be and still be written (the catalogue's `watermark`
        of an eventhub source); None for file sources, whose late rows are not told apart."""
        return None if self.bronze.source is None else self.catalogue.source(self.bronze.source).watermark

    @property
    def quarantine(self) -> Table | None:
        key = self.silver.quarantine_table
        return None if key is None else self.catalogue.table(key)

    def __post_init__(self) -> None:
        self.quarantine_appends = StreamAppends(self.silver.quarantine_table or self.silver.key)

    def read_bronze(self) -> DataFrame:
        return self.locations.read(self.spark, self.bronze.key)

    def prepare(self) -> None:
        """Create the target (and quarantine) tables from the catalogue schemas if missing."""
        if table_module(self.silver) is DECLARED:
            check_declared_columns(self.silver, self.bronze)
        if any(e.action == "quarantine" for e in self.silver.expectations) and self.quarantine is None:
            raise ValueError(
                f"{self.silver.key}: quarantine expectations but no quarantineTable in the catalogue"
            )
        for table in (self.silver, self.quarantine):
            if table is not None:
                create_table(self.spark, self.locations, table)

    # The transforms' column expressions are built on a stream's first batch and kept for the others.
    @cached_property
    def _typing(self) -> tuple[Callable[[DataFrame], DataFrame], ...]:
        """Bronze rows to typed silver rows with their rule arrays: record, the module's typing, rules."""
        module = table_module(self.silver)
        return (
            bronze_record(self.catalogue, self.bronze),
            module.standardise(self.silver, self.parsing),
            with_expectations(self.silver),
        )

    @property
    def _late_column(self) -> str | None:
        """The event time column whose late rows are told apart (eventhub sources), else None."""
        return None if self.watermark is None else self.silver.event_time_column

    @cached_property
    def _count(self) -> Callable[[DataFrame], ExpectationCounts]:
        """The batch's rule counts; where late rows are told apart, their count and latest time too."""
        column = self._late_column
        return expectation_counter(self.silver, () if column is None else late_aggregates(column))

    @cached_property
    def _quarantine_shape(self) -> Callable[[DataFrame], DataFrame] | None:
        quarantine = self.quarantine
        return None if quarantine is None else quarantine_rows(quarantine, self.run_id, record_json=True)

    def process(self, batch: DataFrame, batch_id: int, hook: BatchHook | None = None) -> TableCounts:
        """Type, check and write one batch of bronze rows; returns its counts."""
        module = table_module(self.silver)

        # One pass types and checks the batch; its kept rows serve the counts, the quarantine write
        # and the table write. The bronze record is kept (as JSON) only on rows that go to quarantine.
        typed = batch
        for step in self._typing:
            typed = typed.transform(step)
        target = Target(self.spark, self.silver, self.locations)
        # An eventhub source declares how late an event may be (lakehouse.silver.late).
        late_after, column = self.watermark, self._late_column
        if late_after is None or column is None:
            kept = flagged = materialised(typed.transform(with_failed_records))
        else:
            kept = materialised(typed)
            cutoff = late_cutoff(self.late_state.latest(target, column), kept, column, late_after)
            self.stored_keys.advance(cutoff)
            flagged = kept.transform(with_late_rule(column, cutoff)).transform(with_failed_records)
        counts = self._count(flagged)
        late, written_latest = late_rows_and_latest(counts.extra) if counts.extra else (0, None)
        if counts.fatal:
            rules = [
                e.name for e in self.silver.expectations if e.action == "fail" and counts.by_rule[e.name]
            ]
            release(kept)
            raise ExpectationFailed(
                f"{self.silver.key}: {counts.fatal} rows of batch {batch_id} "
                f"failed 'fail' expectations {rules}"
            )
        version = target.version()
        quarantine = self.quarantine
        shape = self._quarantine_shape
        if quarantine is not None and shape is not None and counts.quarantined:
            rows = flagged.transform(shape)
            self.quarantine_appends.append(
                self.spark, self.locations, quarantine.key, rows.write.mode("append"), batch_id
            )
        if hook is not None:
            hook(self.silver.key + QUARANTINED_HOOK_STEP, batch_id)
        written = module.write(
            self, target, flagged.transform(passing_rows).transform(without_checks), batch_id, counts.valid
        )
        committed = written.committed(target, version)
        self.late_state.advance(written_latest)
        release(kept)
        return TableCounts(
            self.silver.key,
            rows_read=counts.read,
            rows_written=sum(committed[metric] for metric in written.metrics),
            rows_quarantined=counts.quarantined - late,
            rows_dropped=counts.dropped,
            rows_deduplicated=written.deduplicated,
            rows_late=late,
            quarantined_by_rule=_quarantine_rule_counts(self.silver, counts.by_rule),
            rows_checked=counts.read,
            failed_by_rule=Counter({rule: n for rule, n in counts.by_rule.items() if n}),
        )

    def start(
        self,
        trigger: Trigger,
        on_batch: Callable[[str, int, TableCounts], None],
        hook: BatchHook | None = None,
    ) -> StreamingQuery:
        """Start the stream over new bronze rows; `on_batch` receives each batch's counts."""
        self.prepare()
        self.quarantine_appends = StreamAppends(self.quarantine_appends.stream)  # a new run may be a replay
        reader = self.locations.read_stream(self.spark, self.bronze.key)
        if trigger.max_files_per_trigger:
            reader = reader.option("maxFilesPerTrigger", trigger.max_files_per_trigger)
        stream = self.locations.load_stream(reader, self.bronze.key)

        def write_batch(batch: DataFrame, batch_id: int) -> None:
            on_batch(self.silver.key, batch_id, self.process(batch, batch_id, hook))
            if hook is not None:
                hook(self.silver.key, batch_id)

        writer = stream.writeStream.foreachBatch(write_batch).option(
            "checkpointLocation", self.locations.checkpoint(self.silver.key)
        )
        return trigger.apply(writer).queryName(f"silver:{self.silver.key}").start()  # type: ignore[attr-defined]


def _quarantine_rule_counts(table: Table, by_rule: dict[str, int]) -> Counter[str]:
    return Counter(
        {e.name: by_rule[e.name] for e in table.expectations if e.action == "quarantine" and by_rule[e.name]}
    )


def derived_tables(catalogue: Catalogue) -> list[tuple[Table, Table]]:
    """(silver table, its upstream silver table) for silver tables built from another silver table."""
    pairs = []
    for table in catalogue.tables_in("silver"):
        if len(table.upstream) == 1:
            upstream = catalogue.table(table.upstream[0])
            if upstream.layer == "silver":
                pairs.append((table, upstream))
    return pairs


@dataclass
class DerivedJob:
    """A silver table derived from the new rows of an append-only silver table (e.g. sessions from
    events); the module's `derive(job, batch)` writes it and returns the batch counts."""

    spark: SparkSession
    catalogue: Catalogue
    locations: TableLocations
    silver: Table
    upstream: Table
    run_id: str

    def prepare(self) -> None:
        """Create the table (and its upstream, so the stream has something to read) if missing."""
        for table in (self.silver, self.upstream):
            create_table(self.spark, self.locations, table)

    def process(self, batch: DataFrame) -> TableCounts:
        """Derive and write from one batch of new upstream rows; returns its counts."""
        return table_module(self.silver).derive(self, batch)

    def start(
        self,
        trigger: Trigger,
        on_batch: Callable[[str, int, TableCounts], None],
        hook: BatchHook | None = None,
    ) -> StreamingQuery:
        self.prepare()
        reader = self.locations.read_stream(self.spark, self.upstream.key)
        if trigger.max_files_per_trigger:
            reader = reader.option("maxFilesPerTrigger", trigger.max_files_per_trigger)
        stream = self.locations.load_stream(reader, self.upstream.key)

        def write_batch(batch: DataFrame, batch_id: int) -> None:
            on_batch(self.silver.key, batch_id, self.process(batch))
            if hook is not None:
                hook(self.silver.key, batch_id)

        writer = stream.writeStream.foreachBatch(write_batch).option(
            "checkpointLocation", self.locations.checkpoint(self.silver.key)
        )
        return trigger.apply(writer).queryName(f"silver:{self.silver.key}").start()  # type: ignore[attr-defined]
