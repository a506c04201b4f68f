"""How a batch of valid rows reaches its silver table, one strategy per table behaviour.

Every strategy is idempotent: re-running a batch that was already committed changes nothing, so a
stream restarted after a crash may replay its last batch safely. Each returns what it predicts it
writes; the caller compares that with what Delta reports (see `lakehouse.ops.accounting`).

- `append_new`: insert-only; keys already present are duplicates. The lookup of existing keys is
  limited to the pruning column's values in the batch (e.g. the event dates), so the cost follows
  the batch, not the table's history; an empty table (`Target.is_empty`, from the Delta log) is not
  looked up at all.
- `merge_latest`: one row per key, the greatest `order` wins; no-op changes write nothing (SCD 1).
- `merge_scd2`: versions per key ordered by the event time column; a change whose tracked-column
  hash equals the previous version's is not a version; late changes are slotted in place.
- `merge_cdc`: highest sequence number wins per key, out-of-order safe, hard deletes.

The merging strategies append instead when none of a batch's rows meets a stored row (a first load,
only new keys): the result is the same and the table is not joined a second time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from delta.tables import DeltaMergeBuilder
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.catalogue import Table
from lakehouse.locations import TableLocations
from lakehouse.silver.common import key_hash, latest_per_key, materialised, picks_in_one_aggregate, release
from lakehouse.silver.history import HASH_COLUMN, NEXT_START, latest_change, tie_break, version_chain

if TYPE_CHECKING:
    from lakehouse.silver.stored_keys import StoredKeys

_ORDER = "_order"
_ORIGIN = "_origin"
_ACTION = "_action"
_STORED = "_stored"


@dataclass(frozen=True)
class Target:
    """The silver table a batch goes to, and where it lives."""

    spark: SparkSession
    table: Table
    locations: TableLocations

    def read(self) -> DataFrame:
        return self.locations.read(self.spark, self.table.key)

    def version(self) -> int:
        return self.locations.version(self.spark, self.table.key)

    def is_empty(self) -> bool:
        """True when the table holds no data file: from the Delta log, without reading any data."""
        return self.locations.file_count(self.spark, self.table.key) == 0

    def append(self, rows: DataFrame) -> None:
        """Insert `rows` (the table's columns) with a plain append."""
        self.locations.save(rows.select(*self.table.column_names).write.mode("append"), self.table.key)

    def committed_since(self, version: int) -> Counter[str]:
        """Rows Delta reports as written (`inserted`) by the appends and overwrites after `version`.

        Reads only those commits, not the table's whole history. A MERGE reports its own metrics when it
        runs (`execute_merge`), so a strategy's MERGE is not read back from here.
        """
        total: Counter[str] = Counter()
        for commit in self.locations.commits_after(self.spark, self.table.key, version):
            total["inserted"] += int(commit.metrics.get("numOutputRows", "0"))
        return total


@dataclass(frozen=True)
class Written:
    """What a strategy predicted it would write, and the rows it found to change nothing."""

    predicted: int
    deduplicated: int
    metrics: tuple[str, ...] = ("inserted",)
    """Which Delta metrics (`inserted`, `updated`, `deleted`) measure the predicted rows."""
    merged: Counter[str] | None = None
    """Delta's metrics of the MERGE the strategy ran (`execute_merge`); None when it appended or wrote
    nothing, and the caller reads the rows from the table's commits (`Target.committed_since`)."""

    def committed(self, target: Target, version: int) -> Counter[str]:
        """The rows Delta reports written since `version`: the MERGE's own metrics, else the commits'."""
        return self.merged if self.merged is not None else target.committed_since(version)


def execute_merge(merge: DeltaMergeBuilder) -> Counter[str]:
    """Runs a MERGE and returns Delta's own metrics of it (the row `execute()` answers with), as
    `inserted`, `updated` and `deleted`, instead of reading them back from the commit afterwards."""
    row = merge.execute().collect()[0]
    return Counter(
        inserted=int(row["num_inserted_rows"]),
        updated=int(row["num_updated_rows"]),
        deleted=int(row["num_deleted_rows"]),
    )


def _data_columns(table: Table) -> list[str]:
    return list(table.column_names)


def append_new(
    target: Target,
    valid: DataFrame,
    batch_id: int,
    valid_count: int,
    prune: str,
    within: str | None = None,
    held: StoredKeys | None = None,
) -> Written:
    """Insert rows whose business key is not in the table yet (in-batch duplicates collapse first).

    Equal keys share the `prune` value (a date), and the `within` value when given (an event's time: a
    resent event is the same event), so the batch's values bound the stored rows looked up; with `within`,
    Delta's file statistics skip the stored files outside the batch's time span, so a stream's lookup
    reads about its latest files rather than every file of the batch's days. With `held` (a stream's key
    hashes, `lakehouse.silver.stored_keys`; needs `within`), only the keys whose hash it holds are looked up.

    No Delta idempotent-write options (`txnAppId`) on the append: the lookup makes a replayed batch write
    nothing (its rows are stored), and open-source Delta answers a `txnAppId` by reconstructing the table's
    state from its log (three Spark jobs, about 0.5 s a micro-batch here)."""
    table, keys = target.table, list(target.table.business_keys)
    one = picks_in_one_aggregate(valid_count)
    winners = valid.transform(
        latest_per_key(keys, F.col("_source_file"), tie_break(table), one_aggregate=one)
    )
    new = winners.select(*_data_columns(table))
    if held is not None and within is not None:
        return _append_not_held(target, new, valid_count, prune, within, held)
    if not target.is_empty():  # else nothing is stored to look up (a first load)
        # Joined even when none of the batch's days is stored yet: asking first (`isEmpty`) cost a
        # planned Spark job of its own, more than the join it saved (about 0.6 s a micro-batch here).
        new = new.join(_stored_keys_of(target, valid, prune, within), keys, "left_anti")
    new = materialised(new)
    count = new.count()
    if count:
        target.append(new)
    release(new)
    return Written(predicted=count, deduplicated=valid_count - count)


def _stored_keys_of(target: Target, rows: DataFrame, prune: str, within: str | None) -> DataFrame:
    """The keys of the stored rows on `rows`' `prune` values (and in their `within` span, when given)."""
    bounds = [F.collect_set(prune), *((F.min(within), F.max(within)) if within else ())]
    found = rows.agg(*bounds).collect()[0]
    stored = target.read().where(F.col(prune).isin(list(found[0])))
    if within:
        stored = stored.where(F.col(within).between(found[1], found[2]))
    return stored.select(*target.table.business_keys)


def _append_not_held(
    target: Target, new: DataFrame, valid_count: int, prune: str, within: str, held: StoredKeys
) -> Written:
    """`append_new` for a stream that holds its stored key hashes: the batch's hashes come back in one
    aggregate, and the table is read only for the keys whose hash is held."""
    keys = list(target.table.business_keys)
    new = materialised(new)
    collected, latest = new.agg(F.collect_list(key_hash(keys)), F.max(within)).collect()[0]
    hashes = np.array(collected, dtype=np.int64)
    held.seed(target, keys, within)
    count = len(hashes)
    maybe = held.held(hashes).tolist()
    if maybe:  # a resent event (or two keys hashing alike): the stored rows of these keys decide
        candidates = new.where(key_hash(keys).isin(maybe))
        stored = _stored_keys_of(target, candidates, prune, within).where(key_hash(keys).isin(maybe))
        kept = materialised(new.join(stored, keys, "left_anti"))
        count = kept.count()  # computes `kept` from `new`'s rows before they are let go
        release(new)
        new = kept
    if count:
        target.append(new)
    release(new)
    held.add(hashes, latest)
    return Written(predicted=count, deduplicated=valid_count - count)


def _count_stored(applying: DataFrame) -> tuple[int, int]:
    """Rows to apply, and how many of them meet a stored row (`_stored`). When none does, every row
    is an insert and a plain append does what a MERGE would, without joining the table again."""
    row = applying.agg(F.count(F.lit(1)), F.count(F.when(F.col(_STORED), 1))).collect()[0]
    return int(row[0]), int(row[1])


def _changed(columns: list[str]) -> Column:
    condition = F.lit(False)
    for name in columns:
        condition = condition | ~F.col(f"s.{name}").eqNullSafe(F.col(f"t.{name}"))
    return condition


def merge_latest(
    target: Target, valid: DataFrame, valid_count: int, order: Callable[[], Column], tracked: list[str]
) -> Written:
    """Upsert one row per key: inserted when new, updated when `order` is greater and a tracked
    column differs; anything else changes nothing and counts as deduplicated."""
    table, keys = target.table, list(target.table.business_keys)
    pick = latest_per_key(keys, order(), tie_break(table), one_aggregate=picks_in_one_aggregate(valid_count))
    winners = valid.transform(pick).select(*_data_columns(table))
    if target.is_empty():  # a first load: every winner is an insert, no join needed
        applying = winners.withColumn(_STORED, F.lit(False))
    else:
        source = winners.withColumn(_ORDER, order()).alias("s")
        existing = target.read().withColumn(_ORDER, order()).alias("t")
        joined = source.join(existing, [F.col(f"s.{k}") == F.col(f"t.{k}") for k in keys], "left")
        absent = F.col(f"t.{keys[0]}").isNull()
        applying = joined.where(absent | ((F.col(f"s.{_ORDER}") > F.col(f"t.{_ORDER}")) & _changed(tracked)))
        applying = applying.select(
            *(F.col(f"s.{name}").alias(name) for name in _data_columns(table)), (~absent).alias(_STORED)
        )
    applying = applying.persist()
    count, stored = _count_stored(applying)
    merged: Counter[str] | None = None
    if count and not stored:
        target.append(applying)
    elif count:
        on = " AND ".join(f"t.{k} = s.{k}" for k in keys)
        merged = execute_merge(
            target.locations.delta(target.spark, table.key)
            .alias("t")
            .merge(applying.drop(_STORED).alias("s"), on)
            .whenMatchedUpdateAll()
            .whenNotMatchedInsertAll()
        )
    applying.unpersist()
    return Written(
        predicted=count, deduplicated=valid_count - count, metrics=("inserted", "updated"), merged=merged
    )


def merge_scd2(target: Target, valid: DataFrame, valid_count: int) -> Written:
    """Type 2 dimension: rebuild the version chain of every key in the batch and apply the difference.

    The table's business keys identify the entity, its event time column starts a version, and
    the hash column (`row_hash`, over the catalogue's tracked columns) decides whether a version
    differs from the one before. Versions are (key, event time); a batch row whose (key, time) is
    already stored is a duplicate. Writes: new versions (inserts), `effective_to` / `is_current`
    of neighbours (updates), versions that a late change made redundant (deletes).
    """
    table = target.table
    keys, start = list(table.business_keys), table.event_time_column
    if start is None or table.scd is None:
        raise ValueError(f"{table.key}: SCD type 2 needs an eventTimeColumn and scd.trackedColumns")
    columns = _data_columns(table)
    version_keys = [*keys, start]
    # `existing` and `rebuilt` are each used by several branches of the plan below; cached, the final
    # plan reads them once instead of re-deriving them per branch (tens of scans otherwise).
    batch = valid.select(*columns).withColumn(_ORIGIN, F.lit(1))
    affected = valid.select(*keys).distinct()
    existing = target.read().join(affected, keys, "left_semi").persist()
    stored = not target.is_empty() and not existing.isEmpty()
    both = existing.withColumn(_ORIGIN, F.lit(0)).unionByName(batch) if stored else batch
    # The stored version wins over a batch row with the same (key, time), so replays add nothing; among
    # batch rows the greatest hash, as the pipeline picks.
    prefer = F.struct(-F.col(_ORIGIN), F.col(HASH_COLUMN))
    rebuilt = (
        both.transform(version_chain(table, prefer, one_aggregate=picks_in_one_aggregate(valid_count)))
        .withColumn("_new_effective_to", F.col(NEXT_START))
        .withColumn("_new_is_current", F.col(NEXT_START).isNull())
        .persist()
    )
    inserts = rebuilt.where(F.col(_ORIGIN) == 1).select(
        *(
            F.col("_new_effective_to").alias(name)
            if name == "effective_to"
            else F.col("_new_is_current").alias(name)
            if name == "is_current"
            else F.col(name)
            for name in columns
        ),
        F.lit("insert").alias(_ACTION),
    )
    updates = rebuilt.where(
        (F.col(_ORIGIN) == 0)
        & (
            ~F.col("effective_to").eqNullSafe(F.col("_new_effective_to"))
            | (F.col("is_current") != F.col("_new_is_current"))
        )
    ).select(
        *(
            F.col("_new_effective_to").alias(name)
            if name == "effective_to"
            else F.col("_new_is_current").alias(name)
            if name == "is_current"
            else F.col(name)
            for name in columns
        ),
        F.lit("update").alias(_ACTION),
    )
    deletes = (
        existing.join(rebuilt.where(F.col(_ORIGIN) == 0).select(*version_keys), version_keys, "left_anti")
        .select(*columns)
        .withColumn(_ACTION, F.lit("delete"))
    )
    # With no stored versions of these keys there is nothing to update or delete: append the inserts.
    plan = (inserts.unionByName(updates).unionByName(deletes) if stored else inserts).persist()
    count = plan.where(F.col(_ACTION) == "insert").count()
    merged: Counter[str] | None = None
    if count and not stored:
        target.append(plan)
    elif stored and plan.limit(1).count():
        on = " AND ".join(f"t.{k} = s.{k}" for k in version_keys)
        merged = execute_merge(
            target.locations.delta(target.spark, table.key)
            .alias("t")
            .merge(plan.alias("s"), on)
            .whenMatchedDelete(condition=f"s.{_ACTION} = 'delete'")
            .whenMatchedUpdate(
                condition=f"s.{_ACTION} = 'update'",
                set={"effective_to": "s.effective_to", "is_current": "s.is_current"},
            )
            .whenNotMatchedInsert(
                condition=f"s.{_ACTION} = 'insert'", values={name: f"s.{name}" for name in columns}
            )
        )
    for cached in (plan, rebuilt, existing):
        cached.unpersist()
    return Written(predicted=count, deduplicated=valid_count - count, merged=merged)


def merge_cdc(target: Target, valid: DataFrame, valid_count: int, tombstones: DataFrame) -> Written:
    """Apply a change feed: per key the highest sequence number wins, across batches too.

    `tombstones` holds, per key, the highest sequence number of a valid delete seen so far (hard
    deletes leave no row to compare with, so an insert delivered after its delete must be checked
    against them). A change applies when the key is stored and the change is newer, or when the
    key is absent, the change is not a delete and no newer delete exists. A delete of an absent
    key, or a change older than what is stored, changes nothing (counted as deduplicated).
    """
    table, keys, cdc = target.table, list(target.table.business_keys), target.table.cdc
    if cdc is None:
        raise ValueError(f"{table.key}: merge_cdc needs the table's cdc settings")
    seq, op = cdc.sequence_column, cdc.operation_column
    columns = _data_columns(table)
    pick = latest_change(table, one_aggregate=picks_in_one_aggregate(valid_count))
    winners = valid.transform(pick).select(*columns, op).alias("s")
    stored = target.read().select(*keys, F.col(seq).alias("_stored_seq")).alias("t")
    deleted = tombstones.select(*keys, F.col(seq).alias("_deleted_seq")).alias("d")
    joined = winners.join(stored, keys, "left").join(deleted, keys, "left")
    absent_insert = (
        F.col("_stored_seq").isNull()
        & (F.col(op) != "delete")
        & (F.col("_deleted_seq").isNull() | (F.col(seq) > F.col("_deleted_seq")))
    )
    newer = F.col("_stored_seq").isNotNull() & (F.col(seq) > F.col("_stored_seq"))
    applying = joined.where(absent_insert | newer).select(*columns, op, newer.alias(_STORED)).persist()
    count, stored = _count_stored(applying)
    merged: Counter[str] | None = None
    if count and not stored:
        target.append(applying)
    elif count:
        on = " AND ".join(f"t.{k} = s.{k}" for k in keys)
        values = {name: f"s.{name}" for name in columns}
        merged = execute_merge(
            target.locations.delta(target.spark, table.key)
            .alias("t")
            .merge(applying.drop(_STORED).alias("s"), on)
            .whenMatchedDelete(condition=f"s.{op} = 'delete'")
            .whenMatchedUpdate(set=values)
            .whenNotMatchedInsert(condition=f"s.{op} <> 'delete'", values=values)
        )
    applying.unpersist()
    return Written(
        predicted=count,
        deduplicated=valid_count - count,
        metrics=("inserted", "updated", "deleted"),
        merged=merged,
    )
