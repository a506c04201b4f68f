"""Transforms every silver table shares: typing to the catalogue, expectations, quarantine, dedup.

All pure `DataFrame -> DataFrame` builders; the catalogue `Table` passed in is the only source of
column names, types and rules. A builder makes its column expressions when it is called, not each time
its transform runs: a stream builds them once and applies them to every micro-batch (each expression is
a call into the JVM; a silver batch made about 4,700 of them before).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.bronze.eventhub import rescue_undeclared_keys
from lakehouse.bronze.readers import BATCH_ID, INGESTED_AT, RESCUED, SOURCE_FILE
from lakehouse.catalogue import Catalogue, Expectation, Parsing, Table

RECORD = "_record"
"""The original bronze row as a struct, carried along so quarantine can store it unchanged."""
FAILED = "_failed_rules"
"""Names of failed `quarantine` expectations."""
DROPPED = "_dropped_rules"
"""Names of failed `drop` expectations."""
FATAL = "_fatal_rules"
"""Names of failed `fail` expectations."""
WARNED = "_warned_rules"
"""Names of failed `warn` expectations (counted, the row is kept)."""
BRONZE_META = (RESCUED, SOURCE_FILE, INGESTED_AT, BATCH_ID)
"""Audit columns of every bronze table, kept through silver typing for expectations and quarantine."""

_RULE_ARRAYS = {"quarantine": FAILED, "drop": DROPPED, "fail": FATAL, "warn": WARNED}


class ExpectationFailed(RuntimeError):
    """A `fail` expectation did not hold: the run stops before writing the batch."""


def with_record(bronze: Table) -> Callable[[DataFrame], DataFrame]:
    """Adds `_record`, a struct of every bronze column. Needs: the columns of `bronze`."""

    record = F.struct(*(F.col(name) for name in bronze.column_names))

    def transform(df: DataFrame) -> DataFrame:
        return df.withColumn(RECORD, record)

    return transform


def bronze_record(catalogue: Catalogue, bronze: Table) -> Callable[[DataFrame], DataFrame]:
    """Bronze rows made ready for silver's typing: `_record` (`with_record`: the bronze row as stored), then,
    for an `eventhub` source, each body's undeclared keys in `_rescued_data`
    (`lakehouse.bronze.eventhub.rescue_undeclared_keys`), so `well_formed_record` sees them as it sees a
    file's undeclared column. Needs: the columns of `bronze`."""
    record = with_record(bronze)
    source = None if bronze.source is None else catalogue.source(bronze.source)
    if source is None or source.kind != "eventhub":
        return record
    rescue = rescue_undeclared_keys(source.columns)
    return lambda df: df.transform(record).transform(rescue)


def conform(
    silver: Table, expressions: Mapping[str, Column], keep: Sequence[str] = ()
) -> Callable[[DataFrame], DataFrame]:
    """Select the silver columns, each `try_cast` to its catalogue type (bad values become NULL).

    A column is `expressions[name]` when given (renames and parsing are per-table logic), else the
    same-named input column. Keeps the bronze audit columns, `_record` and `keep` for the steps
    that follow (expectations, quarantine, CDC).
    """
    unknown = sorted(set(expressions) - set(silver.column_names))
    if unknown:
        raise ValueError(
            f"{silver.key}: expressions for undeclared columns {unknown}; declared: {silver.column_names}"
        )

    typed = [
        expressions.get(column.name, F.col(column.name)).try_cast(column.type).alias(column.name)
        for column in silver.columns
    ]

    def transform(df: DataFrame) -> DataFrame:
        carried = [
            name
            for name in (*BRONZE_META, *keep, RECORD)
            if name not in silver.column_names and name in df.columns
        ]
        return df.select(*typed, *carried)

    return transform


def _rule_names(expectations: Sequence[Expectation]) -> Column:
    return F.filter(
        F.array(
            *(
                F.when(~F.coalesce(F.expr(e.expression), F.lit(False)), F.lit(e.name)).otherwise(F.lit(None))
                for e in expectations
            )
        ),
        lambda name: name.isNotNull(),
    )


def with_expectations(table: Table) -> Callable[[DataFrame], DataFrame]:
    """Evaluate the catalogue's expectations; a NULL result counts as failed.

    Needs: every column the expressions use. Adds one array of failed rule names per action
    (`_failed_rules` for quarantine, `_dropped_rules`, `_fatal_rules`, `_warned_rules`).
    """

    arrays = {}
    for action, column in _RULE_ARRAYS.items():
        rules = [e for e in table.expectations if e.action == action]
        arrays[column] = _rule_names(rules) if rules else F.array().cast("array<string>")

    def transform(df: DataFrame) -> DataFrame:
        return df.withColumns(arrays)

    return transform


@dataclass(frozen=True)
class ExpectationCounts:
    """Rows of a batch by outcome, and failures per rule name."""

    read: int
    quarantined: int
    dropped: int
    fatal: int
    by_rule: dict[str, int]
    extra: tuple[Any, ...] = ()
    """The values of the counter's `extra` aggregates, in their order."""

    @property
    def valid(self) -> int:
        return self.read - self.quarantined - self.dropped


def expectation_counter(
    table: Table, extra: Sequence[Column] = ()
) -> Callable[[DataFrame], ExpectationCounts]:
    """Counts a flagged batch of `table` in one pass (an action: call on a persisted DataFrame). `extra`
    aggregates over the same rows ride along in that pass (`ExpectationCounts.extra`) instead of costing
    a Spark job of their own."""
    quarantined = F.size(FAILED) > 0
    aggregates = [
        F.count(F.lit(1)).alias("read"),
        F.count(F.when(quarantined, 1)).alias("quarantined"),
        F.count(F.when(~quarantined & (F.size(DROPPED) > 0), 1)).alias("dropped"),
        F.count(F.when(F.size(FATAL) > 0, 1)).alias("fatal"),
        *(
            F.count(F.when(F.array_contains(F.col(_RULE_ARRAYS[e.action]), e.name), 1)).alias(f"rule_{index}")
            for index, e in enumerate(table.expectations)
        ),
        *(column.alias(f"extra_{index}") for index, column in enumerate(extra)),
    ]

    def count(df: DataFrame) -> ExpectationCounts:
        row = df.agg(*aggregates).collect()[0]
        return ExpectationCounts(
            read=row["read"],
            quarantined=row["quarantined"],
            dropped=row["dropped"],
            fatal=row["fatal"],
            by_rule={e.name: row[f"rule_{index}"] for index, e in enumerate(table.expectations)},
            extra=tuple(row[f"extra_{index}"] for index in range(len(extra))),
        )

    return count


def expectation_counts(df: DataFrame, table: Table) -> ExpectationCounts:
    """Count a flagged batch in one pass (an action: call on a persisted DataFrame)."""
    return expectation_counter(table)(df)


def with_failed_records(df: DataFrame) -> DataFrame:
    """Turns `_record` into the bronze row's JSON on rows that fail a quarantine rule, NULL on the
    others. Needs: `_record`, `_failed_rules`.

    A batch can then be typed, checked and cached once, and its quarantine rows taken from that
    cache (`quarantine_rows(..., record_json=True)`): the cache holds a NULL for the rows that pass
    instead of a copy of every bronze row.
    """
    return df.withColumn(RECORD, F.when(F.size(FAILED) > 0, F.to_json(F.col(RECORD))))


def quarantine_rows(
    quarantine: Table, run_id: str, *, record_json: bool = False
) -> Callable[[DataFrame], DataFrame]:
    """Rows that failed a quarantine rule, shaped as the quarantine table.

    Needs: `_failed_rules`, `_record`, `_source_file`, `_batch_id`. The record is the bronze row as
    JSON exactly as ingested (rescued data and audit columns included); `record_json` says that
    `_record` already is that JSON (see `with_failed_records`) rather than the struct.
    """

    values = {
        "record": F.col(RECORD) if record_json else F.to_json(F.col(RECORD)),
        "failed_rules": F.col(FAILED),
        SOURCE_FILE: F.col(SOURCE_FILE),
        BATCH_ID: F.col(BATCH_ID),
        "run_id": F.lit(run_id),
        "quarantined_at": F.current_timestamp(),
    }
    missing = sorted(set(quarantine.column_names) - set(values))
    if missing:
        raise ValueError(f"{quarantine.key}: no value for quarantine columns {missing}")
    failed = F.size(FAILED) > 0
    shaped = [values[c.name].cast(c.type).alias(c.name) for c in quarantine.columns]

    def transform(df: DataFrame) -> DataFrame:
        return df.where(failed).select(*shaped)

    return transform


def passes() -> Column:
    """True for a row that failed no quarantine and no drop rule: a row the table write receives.
    Needs: `_failed_rules`, `_dropped_rules`."""
    return (F.size(FAILED) == 0) & (F.size(DROPPED) == 0)


def passing_rows(df: DataFrame) -> DataFrame:
    """Rows that failed no quarantine and no drop rule. Needs: `_failed_rules`, `_dropped_rules`."""
    return df.where(passes())


def without_checks(df: DataFrame) -> DataFrame:
    """Drops the rule arrays and `_record` (where present): what passing rows carry into a write."""
    return df.drop(RECORD, *_RULE_ARRAYS.values())


def materialised(df: DataFrame) -> DataFrame:
    """`df`, computed on its first action and its rows kept for the actions after it.

    Spark's DataFrame cache (`persist`) encodes rows into compressed columns, which for a batch of
    a million events costs about as much again as computing it; a local checkpoint keeps the rows
    as they are (serialised, spilling to disk under memory pressure). Free them with `release`.
    """
    return df.localCheckpoint(eager=False)


def release(df: DataFrame) -> None:
    """Drop the rows `materialised` kept now, not when Spark's cleaner finds them unreferenced.

    Reaches the checkpointed RDD through the JVM, so only on classic Spark; Spark Connect frees
    them with the DataFrame.
    """
    jdf = getattr(df, "_jdf", None)
    if jdf is None:
        return
    plan = jdf.queryExecution().logical()
    if plan.getClass().getSimpleName() == "LogicalRDD":
        plan.rdd().unpersist(False)


def content_hash(columns: Sequence[str]) -> Column:
    """SHA-256 over the values of `columns`, NULL-safe and unambiguous (a separator and a NULL mark)."""
    parts = [F.coalesce(F.col(name).cast("string"), F.lit("\u0000")) for name in columns]
    return F.sha2(F.concat_ws("\u0001", *parts), 256)


def key_hash(keys: Sequence[str]) -> Column:
    """A 64-bit hash of the key columns that tells NULL from any value in each position.

    Equal keys always hash alike; different keys may collide, so use it only to find candidates
    that are then compared on the keys themselves.
    """
    return F.xxhash64(*(part for name in keys for part in (F.col(name), F.col(name).isNull())))


_KEY_HASH = "_key_hash"

ONE_AGGREGATE_ROWS = 20_000
"""Batches up to this many rows pick their latest row per key in one aggregate. Measured on 2 cores
(scratch script, unique keys, 15 columns, medians of 4): one aggregate against the hash filter took 0.46x
the time at 2,000 rows, 0.87x at 20,000, 1.37x at 100,000 and 3.3x at 1,000,000. A stream's micro-batches
(`maxOffsetsPerTrigger`, 10,000 by default) and most daily increments fall under it; a first load over it."""


def picks_in_one_aggregate(rows: int) -> bool:
    """Whether `latest_per_key` over `rows` rows is quicker in one aggregate (`ONE_AGGREGATE_ROWS`)."""
    return rows <= ONE_AGGREGATE_ROWS


def latest_per_key(
    keys: Sequence[str],
    order: Column,
    tie_break: Sequence[str],
    columns: Sequence[str] | None = None,
    *,
    one_aggregate: bool = False,
) -> Callable[[DataFrame], DataFrame]:
    """One row per key: the one with the greatest `order`, ties broken by a hash of `tie_break`.

    The tie-break makes the choice independent of batch layout (restarts give the same winner).
    Most keys are unique, so only rows whose key hash repeats (found by a count per 64-bit hash,
    a much smaller shuffle than the key columns) go through the row-picking aggregate, which groups
    by the keys themselves; the others pass straight through. A hash collision only sends a few
    more rows down the exact path. `columns` are the input's columns (default: asked from the
    DataFrame); give them where a schema cannot be analysed, such as inside a declarative
    pipeline's query function.

    `one_aggregate` sends every row through the row-picking aggregate instead: the same rows come out,
    with more shuffled but no hash filter, whose two broadcast lookups are Spark jobs of their own and
    whose plan takes longer to plan than a small batch takes to move. `picks_in_one_aggregate` says
    when (the batch writers decide by the batch's row count).
    """

    def transform(df: DataFrame) -> DataFrame:
        others = [name for name in (df.columns if columns is None else columns) if name not in keys]
        ranking = F.struct(order.alias("o"), content_hash(tie_break).alias("h"))

        def pick(rows: DataFrame) -> DataFrame:
            return (
                rows.groupBy(*keys)
                .agg(F.max_by(F.struct(*(F.col(name) for name in others)), ranking).alias("_row"))
                .select(*keys, *(F.col(f"_row.{name}").alias(name) for name in others))
            )

        if one_aggregate:
            return pick(df)
        hashed = df.withColumn(_KEY_HASH, key_hash(keys))
        repeated = hashed.groupBy(_KEY_HASH).count().where(F.col("count") > 1).select(_KEY_HASH)
        unique = hashed.join(F.broadcast(repeated), _KEY_HASH, "left_anti")
        picked = pick(hashed.join(F.broadcast(repeated), _KEY_HASH, "left_semi"))
        return unique.select(*keys, *others).unionByName(picked)

    return transform


def category_level(path: Column, level: int) -> Column:
    """Level `level` (1-based) of a dotted category path; NULL when the path is shorter."""
    return F.try_element_at(F.split(path, r"\."), F.lit(level))


def clean_brand(brand: Column) -> Column:
    """Trimmed, lowercase brand; empty becomes NULL."""
    return F.nullif(F.lower(F.trim(brand)), F.lit(""))


_ZONE_LETTERS = frozenset("VzOXxZ")
_ZONED_TEXT = r"(Z|[+-]\d{2}:?\d{2}|\s[A-Za-z][A-Za-z_/+-]*)$"
"""Timestamp text that names its zone (ISO offset, Z, or a trailing zone id such as ` UTC`)."""


def _has_zone(pattern: str) -> bool:
    unquoted = "".join(part for index, part in enumerate(pattern.split("'")) if index % 2 == 0)
    return any(letter in _ZONE_LETTERS for letter in unquoted)


def text(value: Column, parsing: Parsing) -> Column:
    """Trimmed text; NULL when it is one of the source's null tokens (compared after trimming)."""
    trimmed = F.trim(value.cast("string"))
    tokens = [token.strip() for token in parsing.null_tokens]
    if not tokens:
        return trimmed
    return F.when(~trimmed.isin(*tokens), trimmed)


def _in_utc(parsed: Column, parsing: Parsing) -> Column:
    # Spark reads zone-less text in the session zone (UTC here); shift it from the source's zone.
    return parsed if parsing.time_zone == "UTC" else F.to_utc_timestamp(parsed, parsing.time_zone)


def parse_timestamp(value: Column, parsing: Parsing) -> Column:
    """A UTC timestamp from text by the source's patterns (first that parses wins), NULL when none does.

    Without patterns, Spark's ISO 8601 cast. Text without a zone is in `parsing.time_zone`.
    """
    raw = text(value, parsing)
    candidates: list[Column] = []
    if parsing.timestamp_formats:
        for pattern in parsing.timestamp_formats:
            parsed = F.try_to_timestamp(raw, F.lit(pattern))
            candidates.append(parsed if _has_zone(pattern) else _in_utc(parsed, parsing))
    else:
        cast = raw.try_cast("timestamp")
        candidates.append(F.when(raw.rlike(_ZONED_TEXT), cast).otherwise(_in_utc(cast, parsing)))
    candidates += [_in_utc(F.try_to_timestamp(raw, F.lit(p)), parsing) for p in parsing.date_formats]
    return candidates[0] if len(candidates) == 1 else F.coalesce(*candidates)


def parse_date(value: Column, parsing: Parsing) -> Column:
    """A date from text: the date patterns, else the UTC day of the parsed timestamp, else the ISO
    date cast."""
    raw = text(value, parsing)
    dates = [F.to_date(F.try_to_timestamp(raw, F.lit(p))) for p in parsing.date_formats]
    return F.coalesce(*dates, F.to_date(parse_timestamp(value, parsing)), raw.try_cast("date"))


def parse_number(value: Column, parsing: Parsing) -> Column:
    """Number text in the source's notation as `1234.5` text (with `,` decimals, `.` and spaces group)."""
    raw = text(value, parsing)
    if parsing.decimal_separator == ".":
        return raw
    return F.regexp_replace(F.regexp_replace(raw, r"[.\s]", ""), ",", ".")


_NUMERIC = ("DECIMAL", "DOUBLE", "FLOAT", "INT", "BIGINT", "SMALLINT", "TINYINT")


def from_text(type_name: str, value: Column, parsing: Parsing) -> Column:
    """Bronze text as a value of the catalogue type `type_name`, by the source's parsing rules."""
    upper = type_name.upper()
    if upper == "TIMESTAMP":
        return parse_timestamp(value, parsing)
    if upper == "DATE":
        return parse_date(value, parsing)
    if upper.startswith(_NUMERIC):
        return parse_number(value, parsing)
    return text(value, parsing)


def conform_text(
    silver: Table, parsing: Parsing, expressions: Mapping[str, Column], keep: Sequence[str] = ()
) -> Callable[[DataFrame], DataFrame]:
    """`conform` for bronze text: a column without an expression is its same-named bronze value, parsed
    for its catalogue type with the source's rules (null tokens, number notation, timestamp patterns)."""
    parsed = {
        column.name: from_text(column.type, F.col(column.name), parsing)
        for column in silver.columns
        if column.name not in expressions and column.name not in BRONZE_META
    }
    return conform(silver, {**parsed, **expressions}, keep)
