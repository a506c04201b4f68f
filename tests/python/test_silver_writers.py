"""Write strategies on real Delta tables: SCD 2 versions, SCD 1 overwrite, CDC apply; all idempotent."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from chispa import assert_df_equality
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.catalogue import Catalogue, Table
from lakehouse.locations import LocalLocations
from lakehouse.silver import common, history
from lakehouse.silver.common import content_hash, key_hash
from lakehouse.silver.job import bronze_fed_tables
from lakehouse.silver.stored_keys import StoredKeys
from lakehouse.silver.writers import Target, append_new, merge_cdc, merge_latest, merge_scd2

T1, T2, T3, T4 = (datetime(2019, 10, d, 12) for d in (1, 2, 3, 4))
C1, C2, C7 = (
    "06b8999e2fba1a1fbc88172c00ba8bc7",
    "18955e83d337fd6b2def6b18a428ac77",
    "4e7b3e00288586ebd08712fdd0374a03",
)
"""Customer ids as Olist holds them: 32 hexadecimal characters, a string."""


@pytest.fixture(params=["one aggregate", "hash filter"])
def pick_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Runs a test with the latest row per key picked either way (`common.ONE_AGGREGATE_ROWS`): the
    writers choose by batch size, and a test's batch is small. Returns the `one_aggregate` flags the
    writer passed on (`history.latest_per_key`), so the test can check the writer chose as told."""
    if request.param == "hash filter":
        monkeypatch.setattr(common, "ONE_AGGREGATE_ROWS", 0)
    chosen: list[bool] = []
    real = history.latest_per_key

    def spy(*args: Any, one_aggregate: bool = False, **kwargs: Any) -> Any:
        chosen.append(one_aggregate)
        return real(*args, one_aggregate=one_aggregate, **kwargs)

    monkeypatch.setattr(history, "latest_per_key", spy)
    return chosen


def _expected_pick(request: pytest.FixtureRequest) -> list[bool]:
    return [request.node.callspec.params["pick_path"] == "one aggregate"]


def _silver(catalogue: Catalogue, source: str) -> Table:
    bronze = catalogue.source(source).table
    return next(s for s, b in bronze_fed_tables(catalogue) if b.key == bronze)


def _target(spark: SparkSession, table: Table, tmp_path: Path) -> Target:
    locations = LocalLocations(tmp_path)
    locations.create(spark, table.key, table.spark_schema())
    return Target(spark, table, locations)


def _customers(spark: SparkSession, table: Table, rows: list[tuple[str, str, datetime]]) -> DataFrame:
    """Customer versions (Olist-style string id, city, effective_from); other tracked columns fixed."""
    assert table.scd is not None
    values = {c.name: F.lit(None).cast(c.type) for c in table.columns}
    values.update({"region": F.lit("east"), "is_current": F.lit(True)})
    df = spark.createDataFrame(rows, "customer_id string, city string, effective_from timestamp")
    out = df.select(
        *(F.col(c.name) if c.name in df.columns else values[c.name].alias(c.name) for c in table.columns)
    )
    return out.withColumn("row_hash", content_hash(table.scd.tracked_columns))


def _chain(target: Target) -> list[tuple[object, ...]]:
    rows = target.read().orderBy("customer_id", "effective_from").collect()
    return [
        (r["customer_id"], r["city"], r["effective_from"], r["effective_to"], r["is_current"]) for r in rows
    ]


def test_merge_scd2_no_op_change_writes_nothing(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    table = _silver(catalogue, "customers")
    target = _target(spark, table, tmp_path)
    merge_scd2(target, _customers(spark, table, [(C1, "rome", T1)]), 1)
    version = target.version()
    written = merge_scd2(target, _customers(spark, table, [(C1, "rome", T2)]), 1)
    assert (written.predicted, written.deduplicated, target.version()) == (0, 1, version)
    assert _chain(target) == [(C1, "rome", T1, None, True)]


def test_merge_scd2_slots_a_late_change_in_place(
    spark: SparkSession,
    catalogue: Catalogue,
    tmp_path: Path,
    pick_path: list[bool],
    request: pytest.FixtureRequest,
) -> None:
    table = _silver(catalogue, "customers")
    target = _target(spark, table, tmp_path)
    merge_scd2(target, _customers(spark, table, [(C1, "rome", T1), (C1, "oslo", T3)]), 2)
    written = merge_scd2(target, _customers(spark, table, [(C1, "lyon", T2)]), 1)
    assert written.predicted == 1
    assert _chain(target) == [
        (C1, "rome", T1, T2, False),
        (C1, "lyon", T2, T3, False),
        (C1, "oslo", T3, None, True),
    ]
    assert pick_path == _expected_pick(request) * 2  # each batch picked the way its size says


def test_merge_scd2_replayed_batch_changes_nothing(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    table = _silver(catalogue, "customers")
    target = _target(spark, table, tmp_path)
    batch = _customers(spark, table, [(C1, "rome", T1), (C1, "oslo", T2), (C2, "kyiv", T1)])
    merge_scd2(target, batch, 3)
    before, version = _chain(target), target.version()
    written = merge_scd2(target, batch, 3)
    assert (written.predicted, written.deduplicated, target.version(), _chain(target)) == (
        0,
        3,
        version,
        before,
    )


def _tickets(spark: SparkSession, table: Table, rows: list[tuple[int, str, int, str]]) -> DataFrame:
    """Changes (ticket_id, status, sequence_number, operation), other columns fixed."""
    assert table.cdc is not None
    df = spark.createDataFrame(
        rows, f"ticket_id long, status string, {table.cdc.sequence_column} long, operation string"
    )
    fixed = {"customer_id": F.lit(C7), "updated_at": F.lit(T1)}
    return df.select(
        *(
            F.col(c.name)
            if c.name in df.columns
            else fixed.get(c.name, F.lit(None)).cast(c.type).alias(c.name)
            for c in table.columns
        ),
        F.col(table.cdc.operation_column),
    )


def _no_tombstones(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame([], "ticket_id long, sequence_number long")


def _state(target: Target) -> list[tuple[object, ...]]:
    return sorted((r["ticket_id"], r["status"], r["sequence_number"]) for r in target.read().collect())


def test_merge_cdc_highest_sequence_wins_out_of_order(
    spark: SparkSession,
    catalogue: Catalogue,
    tmp_path: Path,
    pick_path: list[bool],
    request: pytest.FixtureRequest,
) -> None:
    table = _silver(catalogue, "support_tickets")
    target = _target(spark, table, tmp_path)
    first = _tickets(
        spark, table, [(1, "open", 1, "insert"), (1, "solved", 3, "update"), (1, "solved", 3, "update")]
    )
    merge_cdc(target, first, 3, _no_tombstones(spark))
    late = merge_cdc(target, _tickets(spark, table, [(1, "pending", 2, "update")]), 1, _no_tombstones(spark))
    assert (late.predicted, late.deduplicated) == (0, 1)
    assert _state(target) == [(1, "solved", 3)]
    assert pick_path == _expected_pick(request) * 2  # each batch picked the way its size says


def test_merge_cdc_delete_of_unknown_key_changes_nothing(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    table = _silver(catalogue, "support_tickets")
    target = _target(spark, table, tmp_path)
    merge_cdc(target, _tickets(spark, table, [(1, "open", 1, "insert")]), 1, _no_tombstones(spark))
    written = merge_cdc(
        target, _tickets(spark, table, [(99, "closed", 2, "delete")]), 1, _no_tombstones(spark)
    )
    assert (written.predicted, written.deduplicated) == (0, 1)
    assert _state(target) == [(1, "open", 1)]


def test_merge_cdc_insert_older_than_a_delete_stays_deleted(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    table = _silver(catalogue, "support_tickets")
    target = _target(spark, table, tmp_path)
    merge_cdc(
        target,
        _tickets(spark, table, [(1, "open", 1, "insert"), (2, "open", 2, "insert")]),
        2,
        _no_tombstones(spark),
    )
    merge_cdc(target, _tickets(spark, table, [(1, "closed", 5, "delete")]), 1, _no_tombstones(spark))
    tombstones = spark.createDataFrame([(1, 5)], "ticket_id long, sequence_number long")
    stale = merge_cdc(target, _tickets(spark, table, [(1, "pending", 4, "update")]), 1, tombstones)
    assert stale.predicted == 0
    assert _state(target) == [(2, "open", 2)]


def test_merge_latest_scd1_ignores_no_op_and_older_values(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    table = _silver(catalogue, "products")
    assert table.scd is not None
    target = _target(spark, table, tmp_path)
    schema = "product_id long, product_name string, updated_at timestamp"

    def batch(rows: list[tuple[object, ...]]) -> DataFrame:
        df = spark.createDataFrame(rows, schema)
        return df.select(
            *(
                F.col(c.name) if c.name in df.columns else F.lit(None).cast(c.type).alias(c.name)
                for c in table.columns
            )
        )

    def recency() -> F.Column:
        return F.col("updated_at")

    tracked = list(table.scd.tracked_columns)
    merge_latest(target, batch([(1, "lamp", T1), (2, "desk", T1)]), 2, recency, tracked)
    written = merge_latest(
        target,
        batch([(1, "lamp", T3), (2, "old desk", T1), (2, "desk v2", T2), (3, "sofa", T4)]),
        4,
        recency,
        tracked,
    )
    assert (written.predicted, written.deduplicated) == (2, 2)
    expected = batch([(1, "lamp", T1), (2, "desk v2", T2), (3, "sofa", T4)])
    assert_df_equality(
        target.read(), spark.createDataFrame(expected.collect(), target.read().schema), ignore_row_order=True
    )


def _operations(target: Target) -> list[str]:
    history = target.locations.delta(target.spark, target.table.key).history()
    return [r["operation"] for r in history.orderBy("version").collect()]


def test_batches_meeting_no_stored_row_are_appended_others_merged(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    table = _silver(catalogue, "support_tickets")
    target = _target(spark, table, tmp_path)
    first = merge_cdc(target, _tickets(spark, table, [(1, "open", 1, "insert")]), 1, _no_tombstones(spark))
    second = merge_cdc(target, _tickets(spark, table, [(2, "open", 2, "insert")]), 1, _no_tombstones(spark))
    # The appends are measured from their commits.
    assert (first.merged, second.merged) == (None, None)
    assert target.committed_since(0) == {"inserted": 2}
    version = target.version()
    third = merge_cdc(
        target,
        _tickets(spark, table, [(1, "solved", 3, "update"), (3, "open", 4, "insert")]),
        2,
        _no_tombstones(spark),
    )
    # Creation, two appends of new keys only, then a MERGE because ticket 1 is stored.
    assert _operations(target)[1:] == ["WRITE", "WRITE", "MERGE"]
    assert _state(target) == [(1, "solved", 3), (2, "open", 2), (3, "open", 4)]
    # The MERGE reports its own metrics, and they are the ones Delta recorded in its commit.
    assert third.merged == {"inserted": 1, "updated": 1, "deleted": 0}
    assert third.committed(target, version) == third.merged
    history = target.locations.delta(spark, table.key).history(1).collect()[0]["operationMetrics"]
    recorded = {k: int(history[f"numTargetRows{k.title()}"]) for k in ("inserted", "updated", "deleted")}
    assert recorded == third.merged


def test_target_is_empty_until_a_data_file_is_committed(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    table = _silver(catalogue, "support_tickets")
    target = _target(spark, table, tmp_path)
    assert target.is_empty()  # created from the catalogue schema, no data yet
    merge_cdc(target, _tickets(spark, table, [(1, "open", 1, "insert")]), 1, _no_tombstones(spark))
    assert not target.is_empty()


def _cart_events(spark: SparkSession, table: Table, rows: list[tuple[str, datetime, str]]) -> DataFrame:
    """Silver cart events (event id, event time, the bronze position `_source_file`); the rest fixed."""
    df = spark.createDataFrame(rows, "event_id string, event_time timestamp, _source_file string")
    fixed = {
        "event_date": F.to_date("event_time"),
        "action": F.lit("add"),
        "product_id": F.lit(1002544).cast("bigint"),
        "quantity": F.lit(1),
        "price": F.lit("12.50").cast("decimal(12,2)"),
        "user_id": F.lit(541312140).cast("bigint"),
        "user_session": F.lit("72d76fde-8bb3-4e00-8c23-a032dfed738c"),
        "_ingested_at": F.lit(T4).cast("timestamp"),
    }
    return df.select(
        *(F.col(c.name) if c.name in df.columns else fixed[c.name].alias(c.name) for c in table.columns)
    )


def test_append_new_looks_up_stored_rows_of_the_batch_time_span_only(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    """A resent event keeps its time: the stored rows looked up are those of the batch's dates and, given
    `within`, of its time span (Delta skips the other files by their statistics)."""
    table = _silver(catalogue, "cart_events")
    target = _target(spark, table, tmp_path)
    morning, noon, evening = (datetime(2019, 10, 1, h) for h in (8, 12, 18))
    stored = [("cart-1", morning, "cart/0/1"), ("cart-2", noon, "cart/0/2")]
    append_new(target, _cart_events(spark, table, stored), 0, 2, "event_date", within="event_time")
    # cart-2 resent (same time): a duplicate. cart-1 again at another time: outside the span, so written.
    batch = [("cart-2", noon, "cart/0/3"), ("cart-1", evening, "cart/0/4"), ("cart-3", evening, "cart/0/5")]
    written = append_new(target, _cart_events(spark, table, batch), 1, 3, "event_date", within="event_time")
    assert (written.predicted, written.deduplicated) == (2, 1)
    rows = sorted((r.event_id, r.event_time) for r in target.read().collect())
    assert rows == [("cart-1", morning), ("cart-1", evening), ("cart-2", noon), ("cart-3", evening)]
    # Without `within`, the lookup reads the whole day: cart-1 is stored, so a duplicate.
    again = [("cart-1", noon, "cart/0/6"), ("cart-4", noon, "cart/0/7")]
    written = append_new(target, _cart_events(spark, table, again), 2, 2, "event_date")
    assert (written.predicted, written.deduplicated) == (1, 1)


def _hash_of(spark: SparkSession, event_id: str) -> int:
    return int(
        spark.createDataFrame([(event_id,)], "event_id string").select(key_hash(["event_id"])).first()[0]
    )


def _stored_ids(target: Target) -> list[str]:
    return sorted(r.event_id for r in target.read().collect())


def test_a_stream_reads_its_table_only_for_the_ids_whose_hash_it_holds(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = _silver(catalogue, "cart_events")
    target = _target(spark, table, tmp_path)
    reads: list[int] = []
    real_read = Target.read

    def counted_read(self: Target) -> DataFrame:
        reads.append(1)
        return real_read(self)

    monkeypatch.setattr(Target, "read", counted_read)
    held = StoredKeys()

    def write(rows: list[tuple[str, datetime, str]], batch_id: int) -> tuple[int, int]:
        held.advance(datetime(2019, 10, 1, 0))
        written = append_new(
            target, _cart_events(spark, table, rows), batch_id, len(rows), "event_date", "event_time", held
        )
        return written.predicted, written.deduplicated

    noon, one = datetime(2019, 10, 1, 12), datetime(2019, 10, 1, 13)
    assert write([("cart-1", noon, "cart/0/1"), ("cart-2", noon, "cart/0/2")], 0) == (2, 0)
    assert reads == []  # an empty table: nothing to seed, nothing to look up
    assert write([("cart-3", one, "cart/0/3"), ("cart-4", one, "cart/0/4")], 1) == (2, 0)
    assert reads == []  # no id of the batch is held: the table is not read
    # cart-2 resent with its time, and cart-3 twice in the batch: the held id is looked up and found stored.
    batch = [("cart-2", noon, "cart/0/5"), ("cart-3", one, "cart/0/6"), ("cart-5", one, "cart/0/7")]
    assert write(batch, 2) == (1, 2)
    assert len(reads) == 1
    assert _stored_ids(target) == ["cart-1", "cart-2", "cart-3", "cart-4", "cart-5"]
    # Replaying batch 2 (a restart after its commit) writes nothing.
    assert write(batch, 2) == (0, 3)


def test_a_restarted_stream_holds_the_stored_ids_within_the_watermark(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    table = _silver(catalogue, "cart_events")
    target = _target(spark, table, tmp_path)
    eight, noon = datetime(2019, 10, 1, 8), datetime(2019, 10, 1, 12)
    stored = [("cart-1", eight, "cart/0/1"), ("cart-2", noon, "cart/0/2")]
    append_new(target, _cart_events(spark, table, stored), 0, 2, "event_date", "event_time")
    restarted = StoredKeys()
    restarted.advance(datetime(2019, 10, 1, 11))  # the first batch's watermark: cart-1 is older
    restarted.seed(target, ["event_id"], "event_time")
    one, two = _hash_of(spark, "cart-1"), _hash_of(spark, "cart-2")
    assert restarted.held(np.array([one, two], dtype=np.int64)).tolist() == [two]
    written = append_new(
        target,
        _cart_events(spark, table, [("cart-2", noon, "cart/0/3"), ("cart-6", noon, "cart/0/4")]),
        1,
        2,
        "event_date",
        "event_time",
        restarted,
    )
    assert (written.predicted, written.deduplicated) == (1, 1)


def test_a_held_hash_of_a_new_id_only_costs_a_lookup(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    """Two ids hashing alike (made here by holding the new id's hash): the lookup finds nothing stored, so the
    row is written; a held hash can never drop an event."""
    table = _silver(catalogue, "cart_events")
    target = _target(spark, table, tmp_path)
    noon = datetime(2019, 10, 1, 12)
    append_new(target, _cart_events(spark, table, [("cart-1", noon, "cart/0/1")]), 0, 1, "event_date")
    held = StoredKeys(seeded=True)
    held.add(np.array([_hash_of(spark, "cart-7")], dtype=np.int64), noon)
    rows = [("cart-7", noon, "cart/0/2")]
    written = append_new(target, _cart_events(spark, table, rows), 1, 1, "event_date", "event_time", held)
    assert (written.predicted, written.deduplicated) == (1, 0)
    assert _stored_ids(target) == ["cart-1", "cart-7"]
