"""Bronze shaping transforms: rescued data instead of dropped records, audit columns."""

from __future__ import annotations

import json
from pathlib import Path

from chispa import assert_df_equality
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.bronze.readers import (
    CORRUPT,
    RESCUED,
    SOURCE_FILE,
    landing_stream,
    local_reader,
    parse_json_lines,
    rescue_csv,
    string_schema,
)
from lakehouse.catalogue import Catalogue

COLUMNS = ("a", "b")
FILE = "file:/landing/x/x-2019-10-01.csv"


def test_rescue_csv_keeps_malformed_line_as_corrupt_record(spark: SparkSession) -> None:
    df = spark.createDataFrame(
        [("1", "2", None, FILE), ("3", None, "3", FILE)], string_schema(COLUMNS, CORRUPT, SOURCE_FILE)
    )
    out = df.transform(rescue_csv(COLUMNS, {}))
    expected = spark.createDataFrame(
        [
            ("1", "2", FILE, None),
            ("3", None, FILE, json.dumps({CORRUPT: "3", "_file_path": FILE}, separators=(",", ":"))),
        ],
        string_schema(COLUMNS, SOURCE_FILE, RESCUED),
    )
    assert_df_equality(out, expected, ignore_row_order=True)


def test_rescue_csv_matches_drifted_file_by_header_and_rescues_extra_column(spark: SparkSession) -> None:
    drifted = "file:/landing/x/x-2019-10-02-drift.csv"
    df = spark.createDataFrame([("9", "r1", "8,r1,9", drifted)], string_schema(COLUMNS, CORRUPT, SOURCE_FILE))
    # The drifted header puts the new column in the middle: positional parsing would shift b.
    out = df.transform(rescue_csv(COLUMNS, {"x-2019-10-02-drift.csv": ("a", "ref", "b")})).collect()[0]
    assert (out["a"], out["b"]) == ("8", "9")
    assert json.loads(out[RESCUED]) == {"ref": "r1", "_file_path": drifted}


def test_parse_json_lines_rescues_unknown_keys_and_malformed_lines(spark: SparkSession) -> None:
    lines = ['{"a": "1", "b": 2}', '{"a": "1", "extra": "e"}', '{"a": "tru', "   "]
    df = spark.createDataFrame([(line, FILE) for line in lines], "value string, _source_file string")
    out = df.transform(parse_json_lines(COLUMNS)).withColumn(RESCUED, F.col(RESCUED))
    rows = sorted(out.collect(), key=lambda r: (r["a"] is None, r[RESCUED] or ""))
    assert len(rows) == 3  # the blank line is not a record
    assert (rows[0]["a"], rows[0]["b"], rows[0][RESCUED]) == ("1", "2", None)
    assert json.loads(rows[1][RESCUED]) == {"extra": "e", "_file_path": FILE}
    assert json.loads(rows[2][RESCUED]) == {CORRUPT: '{"a": "tru', "_file_path": FILE}


def test_local_batch_reader_reads_what_the_local_stream_reads(
    spark: SparkSession, catalogue: Catalogue, tmp_path: Path
) -> None:
    source = catalogue.source("events")
    folder = tmp_path / source.name
    folder.mkdir()
    good = "2019-10-01 00:00:00 UTC,view,1,2,electronics.phone,acme,9.99,7,s1"
    (folder / "events-2019-10-01.csv").write_text(
        f"{','.join(source.columns)}\n{good}\nnot,enough,fields\n", encoding="utf-8"
    )
    batch = local_reader(spark.read, source).load(str(folder))
    query = (
        landing_stream(spark, source, str(folder), databricks=False)
        .load(str(folder))
        .writeStream.format("memory")
        .queryName("local_reader_stream")
        .trigger(availableNow=True)
        .start()
    )
    query.awaitTermination()
    streamed = spark.table("local_reader_stream")
    assert_df_equality(batch, streamed, ignore_row_order=True)
    # Spark refuses a query of the raw file that reads only the corrupt-record column: collect rows.
    assert [row[CORRUPT] for row in batch.collect() if row[CORRUPT] is not None] == ["not,enough,fields"]
