"""Landing-folder readers and the pure transforms that shape raw records into bronze rows.

One reader per source format, built from the source's catalogue options. On Databricks the reader
is Auto Loader (`cloudFiles`), which fills `_rescued_data` itself. Locally it is Spark's file
stream source with the same options, and `_rescued_data` is emulated so nothing is dropped:

- CSV: PERMISSIVE mode with a corrupt-record column catches lines with the wrong number of fields
  (a truncated last line included); the raw line goes to `_rescued_data` as
  `{"_corrupt_record": ..., "_file_path": ...}`. Rows of a file whose header differs from the
  declaration (schema drift) are re-parsed by that header, so declared columns are matched by
  name and the extra columns land in `_rescued_data` under their own names, as Auto Loader does.
- JSON lines: each line is parsed to a string map, so keys outside the declaration (drift) land in
  `_rescued_data` and a line that is not a JSON object is kept whole as `_corrupt_record`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from pyspark.sql import Column, DataFrame, DataFrameReader, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import DataStreamReader
from pyspark.sql.types import StringType, StructField, StructType

from lakehouse.bronze.headers import ddl
from lakehouse.catalogue import Source

RESCUED = "_rescued_data"
SOURCE_FILE = "_source_file"
INGESTED_AT = "_ingested_at"
BATCH_ID = "_batch_id"
CORRUPT = "_corrupt_record"
"""Local-only column of the raw line of a malformed record; folded into RESCUED."""
FILE_PATH_KEY = "_file_path"
"""Key Auto Loader uses for the file path inside the rescued-data JSON."""
_VALUE = "value"
_FIELDS = "_fields"


def string_schema(columns: Sequence[str], *extra: str) -> StructType:
    """Every column as a nullable STRING, in order: bronze reads nothing but text."""
    return StructType([StructField(name, StringType(), True) for name in (*columns, *extra)])


def reader_options(source: Source) -> dict[str, str]:
    """The source's declared reader options, shared by Auto Loader and the local file source.

    A declared non-UTF-8 encoding (the catalogue's `parse.encoding`) becomes the reader's `encoding`.
    """
    options = dict(source.options)
    if source.parsing.encoding.upper().replace("-", "") != "UTF8":
        options.setdefault("encoding", source.parsing.encoding)
    return options


def landing_stream(
    spark: SparkSession,
    source: Source,
    path: str,
    *,
    databricks: bool,
    max_files_per_trigger: int | None = None,
) -> DataStreamReader:
    """A stream reader of the landing folder `path` for `source`; call `.load(path)` on it.

    Returns the reader rather than the DataFrame so callers (and tests) can see the options.
    """
    if databricks:
        options = reader_options(source)
        if max_files_per_trigger:
            options["cloudFiles.maxFilesPerTrigger"] = str(max_files_per_trigger)
        return (
            spark.readStream.options(**options)
            .format("cloudFiles")
            .option("cloudFiles.format", source.format)
            .option("rescuedDataColumn", RESCUED)
            .schema(string_schema(source.columns))
        )
    reader = local_reader(spark.readStream, source)
    if max_files_per_trigger:
        reader = reader.option("maxFilesPerTrigger", str(max_files_per_trigger))
    return reader


_Reader = TypeVar("_Reader", DataFrameReader, DataStreamReader)


def local_reader(reader: _Reader, source: Source) -> _Reader:
    """`reader` (a batch or a stream reader) set up as the local reader of `source`'s files.

    The batch form (`local_reader(spark.read, source)`) reads a landing folder the way the local
    stream does, for one-off loads and the benchmark's batch reference.
    """
    reader = reader.options(**reader_options(source))
    if source.format == "csv":
        return (
            reader.format("csv")
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", CORRUPT)
            .schema(string_schema(source.columns, CORRUPT))
        )
    if source.format == "json":
        # Read lines as text: Spark's JSON reader silently drops keys outside the schema.
        return reader.format("text")
    raise ValueError(f"source {source.name}: format '{source.format}' has no reader; expected csv or json")


def with_source_file(df: DataFrame) -> DataFrame:
    """Adds `_source_file` from the file metadata. Needs: a file-source DataFrame."""
    return df.withColumn(SOURCE_FILE, F.col("_metadata.file_path"))


def _file_name(path: Column) -> Column:
    return F.element_at(F.split(path, "/"), -1)


def rescue_csv(
    columns: Sequence[str], drifted: Mapping[str, Sequence[str]]
) -> Callable[[DataFrame], DataFrame]:
    """Fold the local CSV corrupt-record column into `_rescued_data`.

    `drifted` maps a landing file name to its header when that header is not the declared one.
    Needs: the declared columns, `_corrupt_record`, `_source_file`. Adds `_rescued_data`, drops
    `_corrupt_record`.
    """

    def transform(df: DataFrame) -> DataFrame:
        corrupt = F.to_json(
            F.create_map(F.lit(CORRUPT), F.col(CORRUPT), F.lit(FILE_PATH_KEY), F.col(SOURCE_FILE))
        )
        out = df.withColumn(RESCUED, F.when(F.col(CORRUPT).isNotNull(), corrupt))
        for file_name, header in sorted(drifted.items()):
            parsed = F.from_csv(F.col(CORRUPT), ddl(header))
            extras = [name for name in header if name not in columns]
            rescued = F.to_json(
                F.create_map(
                    *(part for name in extras for part in (F.lit(name), parsed[name])),
                    F.lit(FILE_PATH_KEY),
                    F.col(SOURCE_FILE),
                )
            )
            in_file = (_file_name(F.col(SOURCE_FILE)) == F.lit(file_name)) & F.col(CORRUPT).isNotNull()
            out = out.select(
                *(
                    F.when(in_file, parsed[name] if name in header else F.lit(None))
                    .otherwise(F.col(name))
                    .alias(name)
                    for name in columns
                ),
                SOURCE_FILE,
                F.when(in_file, rescued).otherwise(F.col(RESCUED)).alias(RESCUED),
                CORRUPT,
            )
        return out.drop(CORRUPT)

    return transform


def parse_json_lines(columns: Sequence[str]) -> Callable[[DataFrame], DataFrame]:
    """Parse JSON-lines text into the declared columns (as strings) and `_rescued_data`.

    Needs: `value` (one line), `_source_file`. Adds the declared columns and `_rescued_data`;
    drops `value`. Blank lines are not records and are skipped.
    """

    declared = F.array(*(F.lit(name) for name in columns))

    def transform(df: DataFrame) -> DataFrame:
        lines = df.where(F.trim(F.col(_VALUE)) != "")
        parsed = lines.withColumn(_FIELDS, F.from_json(F.col(_VALUE), "MAP<STRING,STRING>"))
        extras = F.map_filter(F.col(_FIELDS), lambda key, _: ~F.array_contains(declared, key))
        file_path = F.create_map(F.lit(FILE_PATH_KEY), F.col(SOURCE_FILE))
        rescued = (
            F.when(
                F.col(_FIELDS).isNull(),
                F.to_json(F.map_concat(F.create_map(F.lit(CORRUPT), F.col(_VALUE)), file_path)),
            )
            .when(F.cardinality(extras) > 0, F.to_json(F.map_concat(extras, file_path)))
            .otherwise(F.lit(None))
        )
        return parsed.select(
            *(F.col(_FIELDS)[name].alias(name) for name in columns), SOURCE_FILE, rescued.alias(RESCUED)
        )

    return transform


def with_audit(batch_id: int | None) -> Callable[[DataFrame], DataFrame]:
    """Adds `_ingested_at` (now, UTC; in a streaming query, the micro-batch's start) and `_batch_id` (the
    writing micro-batch; None leaves it null for `with_batch_id` to set per micro-batch)."""

    def transform(df: DataFrame) -> DataFrame:
        return df.withColumn(INGESTED_AT, F.current_timestamp()).transform(with_batch_id(batch_id))

    return transform


def with_batch_id(batch_id: int | None) -> Callable[[DataFrame], DataFrame]:
    """Sets `_batch_id` to the writing micro-batch (in place when the column is there already)."""

    def transform(df: DataFrame) -> DataFrame:
        return df.withColumn(BATCH_ID, F.lit(batch_id).cast("bigint"))

    return transform
