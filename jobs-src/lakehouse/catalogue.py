"""Typed, read-only view of the table catalogue exported by the TypeScript side.

Every table, column, expectation and source of the lakehouse is declared once in
`constructs/tables` and exported by `npm run catalogue:export` to `catalogue.json` next to this
module. Jobs look everything up here instead of restating table or column lists, so a table
change is one TypeScript edit plus a re-export, and the infrastructure and the jobs cannot drift.

The loader is strict about what jobs rely on (types, required keys, column references, the
format version) and tolerant of additions: unknown keys are ignored, so the exporter can add
fields before the jobs use them. Every problem is reported with the file and the JSON path of the
offending value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeVar

from pyspark.sql import SparkSession
from pyspark.sql.types import DataType, StructField, StructType

FORMAT_VERSION = 1
"""The only `formatVersion` this loader understands; the exporter bumps it on breaking changes."""

EXPECTATION_ACTIONS = frozenset({"warn", "drop", "quarantine", "fail"})
BREACH_ACTIONS = frozenset({"warn", "fail"})
"""Actions the jobs implement; an unknown one must stop the load, not be skipped silently."""

SCD_TYPES = frozenset({1, 2})
CDC_DELETE_MODES = frozenset({"hard", "soft"})

RetentionDays = int | Literal["environment"]

RECOVERY_CLASSES = frozenset({"critical", "replicated", "rebuildable"})
"""How a table comes back after a disaster: copied to the DR catalog (`critical` within the critical RPO,
`replicated` within the standard one) or rebuilt from bronze (`rebuildable`)."""
REPLICATED_CLASSES = frozenset({"critical", "replicated"})

_T = TypeVar("_T")


class CatalogueError(ValueError):
    """The catalogue file is missing, not JSON, of an unknown format, or has a malformed field."""


class CatalogueLookupError(LookupError):
    """A table, layer or source that the catalogue does not declare was asked for."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column; `type` is a Spark SQL type string such as `DECIMAL(12,2)` or `ARRAY<STRING>`."""

    name: str
    type: str
    nullable: bool
    comment: str
    pii: str
    """PII class (`none`, `email`, ...); anything but `none` is masked for non-PII readers."""

    @property
    def is_pii(self) -> bool:
        """Whether the column holds personal data."""
        return self.pii != "none"


@dataclass(frozen=True, slots=True)
class Expectation:
    """A data-quality rule: a Spark SQL boolean expression that every good row satisfies."""

    name: str
    expression: str
    action: str
    """One of EXPECTATION_ACTIONS."""
    max_failure_rate: float
    """Share of rows (0-1) that may fail in a run before the run breaches the rule."""
    on_breach: str = "fail"
    """What a breach does: `fail` fails the run (non-zero exit), `warn` reports it; one of BREACH_ACTIONS."""


@dataclass(frozen=True, slots=True)
class Scd:
    """Slowly-changing-dimension settings: type 1 overwrites, type 2 keeps versions."""

    type: int
    tracked_columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Cdc:
    """How a change feed is applied: highest `sequence_column` wins per business key."""

    sequence_column: str
    operation_column: str
    delete_mode: str
    """`hard` removes deleted rows, `soft` marks them."""


@dataclass(frozen=True, slots=True)
class RowFilter:
    """Row-level visibility: readers of a regional group see only rows of their region."""

    column: str
    rule: str


SUBJECT_IDENTITIES = frozenset({"customer", "shop_user"})
"""Identities of a data subject: the CRM (Olist) customer id and the web shop (REES46) user id."""

OPS_RECORDS = frozenset(
    {"run_accounting", "quality_results", "stage_runs", "erasure_requests", "landing_rejects"}
)
"""What an ops table records (the catalogue's `opsRecord`, OPS_RECORDS in constructs/tables/types.ts);
the code writing a record looks its table up by it (`Catalogue.ops_table`)."""


@dataclass(frozen=True, slots=True)
class Parsing:
    """How silver reads one source's text values (the catalogue's `parse` block, defaults applied)."""

    timestamp_formats: tuple[str, ...] = ()
    """Spark datetime patterns tried in order, the first that parses wins; empty: the ISO 8601 cast."""
    date_formats: tuple[str, ...] = ()
    """Patterns for date-only text, tried after `timestamp_formats`; empty: the ISO date cast."""
    time_zone: str = "UTC"
    """Zone of timestamp text that carries none; silver stores UTC."""
    decimal_separator: str = "."
    encoding: str = "UTF-8"
    null_tokens: tuple[str, ...] = ("",)
    """Values (after trimming) that mean no value."""


@dataclass(frozen=True, slots=True)
class Source:
    """Where a bronze table's raw data comes from (landing files or an Event Hub)."""

    kind: str
    """`files` (landing folder read by Auto Loader) or `eventhub`."""
    name: str
    """Source name; for `files` also the landing sub-folder."""
    format: str
    options: Mapping[str, str] = field(hash=False)
    """Reader options, passed unchanged to the stream reader."""
    columns: tuple[str, ...]
    """Field names in file (or event body) order; bronze keeps them all as STRING."""
    consumer_groups: tuple[str, ...]
    """Event Hubs consumer groups, one per consuming job; empty for `files`."""
    table: str
    """Key of the bronze table that ingests this source."""
    parsing: Parsing = Parsing()
    """How silver types this source's values."""
    watermark: timedelta | None = None
    """`eventhub` only: how far behind the latest event seen an event may arrive and still be written to
    silver (the source's `watermark`, see lakehouse.silver.late); None for `files`."""


@dataclass(frozen=True, slots=True)
class Table:
    """One medallion table with every default applied by the exporter."""

    key: str
    """`schema.name`, e.g. the argument of `Catalogue.table`."""
    schema: str
    name: str
    layer: str
    description: str
    columns: tuple[Column, ...]
    business_keys: tuple[str, ...]
    event_time_column: str | None
    partition_columns: tuple[str, ...]
    cluster_columns: tuple[str, ...]
    stats_columns: tuple[str, ...]
    """Columns Delta collects file statistics on (`delta.dataSkippingStatsColumns`)."""
    ops_record: str | None
    """For ops tables: what the table records (one of OPS_RECORDS)."""
    delta_properties: Mapping[str, str]
    """Delta properties the table is created with (stats columns; change data feed when gold reads it),
    the same the governance bootstrap's SQL creates it with."""
    expectations: tuple[Expectation, ...]
    scd: Scd | None
    cdc: Cdc | None
    source: str | None
    """Name of the ingested source (bronze tables only); see `Catalogue.source`."""
    quarantine_table: str | None
    subject_key: str | None
    subject_identity: str | None
    """Which identity `subject_key` holds (one of SUBJECT_IDENTITIES); None without a subject key."""
    identity_columns: Mapping[str, str]
    """Columns holding another identity of the subject, by identity (e.g. shop_user -> shop_user_id)."""
    """Column identifying the person a row is about; GDPR erasure deletes by it."""
    row_filter: RowFilter | None
    owner: str
    readers: tuple[str, ...]
    retention_days: RetentionDays
    """Days to keep, or `environment` for the environment's retention of the layer."""
    upstream: tuple[str, ...]
    recovery: str | None = None
    served_by_data_app: bool = False
    """Whether the business dashboard app (lakehouse.app) reads the table; its principal may SELECT it."""
    """One of RECOVERY_CLASSES for silver and gold tables; None for bronze and ops (geo-redundant storage
    keeps their copy)."""

    @property
    def replicated(self) -> bool:
        """Whether the replication job keeps a DR copy of this table."""
        return self.recovery in REPLICATED_CLASSES

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in declaration order."""
        return tuple(column.name for column in self.columns)

    @property
    def pii_columns(self) -> tuple[Column, ...]:
        """Columns that hold personal data (`pii` other than `none`), in declaration order."""
        return tuple(column for column in self.columns if column.is_pii)

    def column(self, name: str) -> Column:
        """The column called `name`; the error lists the table's columns."""
        for column in self.columns:
            if column.name == name:
                return column
        raise CatalogueLookupError(
            f"table {self.key} has no column '{name}'; its columns are: {', '.join(self.column_names)}"
        )

    def spark_schema(self) -> StructType:
        """The table schema as Spark sees it, comments kept as column metadata.

        Spark's own DDL parser reads the type strings (so the catalogue and Spark cannot disagree
        on what a type means), which needs a running Spark: call `lakehouse.session.get_spark()`
        first.
        """
        if SparkSession.getActiveSession() is None:
            raise RuntimeError(
                f"{self.key}: spark_schema() needs a running Spark to parse the column types; "
                "call lakehouse.session.get_spark() first"
            )
        return StructType(
            [
                StructField(
                    column.name,
                    self._parse_type(column),
                    nullable=column.nullable,
                    metadata={"comment": column.comment},
                )
                for column in self.columns
            ]
        )

    def _parse_type(self, column: Column) -> DataType:
        try:
            return DataType.fromDDL(column.type)
        except Exception as error:  # Spark raises ParseException from py4j; keep its message.
            raise CatalogueError(
                f"table {self.key}: columns.{column.name}.type: Spark cannot parse '{column.type}': {error}"
            ) from error


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Every table and source of the lakehouse, as exported by `npm run catalogue:export`."""

    path: str
    """Where the catalogue was loaded from, for messages."""
    format_version: int
    generated_by: str
    roles: tuple[str, ...]
    pii_classes: tuple[str, ...]
    sources: tuple[Source, ...]
    tables: tuple[Table, ...]
    """Every table (quarantine tables included) in layer, then declaration, order."""

    @property
    def table_keys(self) -> tuple[str, ...]:
        """Keys of every table, in catalogue order."""
        return tuple(table.key for table in self.tables)

    @property
    def layers(self) -> tuple[str, ...]:
        """Layers that hold at least one table, in catalogue (data-flow) order."""
        return tuple(dict.fromkeys(table.layer for table in self.tables))

    def table(self, key: str) -> Table:
        """The table with key `schema.name`; the error lists the declared keys."""
        for table in self.tables:
            if table.key == key:
                return table
        raise CatalogueLookupError(
            f"no table '{key}' in {self.path}; declared tables: {', '.join(self.table_keys)}"
        )

    def tables_in(self, layer: str) -> tuple[Table, ...]:
        """The tables of one layer (`bronze`, `silver`, `gold`, `ops`), in catalogue order."""
        if layer not in self.layers:
            raise CatalogueLookupError(
                f"no layer '{layer}' in {self.path}; layers with tables: {', '.join(self.layers)}"
            )
        return tuple(table for table in self.tables if table.layer == layer)

    def ops_table(self, record: str, columns: Iterable[str] = ()) -> Table:
        """The ops table declared as recording `record` (its `opsRecord`, one of OPS_RECORDS): how each
        ops writer finds its table without typing its name. `columns`, what the caller writes, must all
        be columns of it; the error names the record and what is missing."""
        if record not in OPS_RECORDS:
            raise CatalogueLookupError(
                f"'{record}' is not a kind of ops record: {', '.join(sorted(OPS_RECORDS))}"
            )
        found = [t for t in self.tables if t.ops_record == record]
        if len(found) != 1:
            raise CatalogueLookupError(
                f"{self.path}: expected one ops table with opsRecord '{record}', "
                f"found {[t.key for t in found]}"
            )
        missing = sorted(set(columns) - set(found[0].column_names))
        if missing:
            raise CatalogueLookupError(f"{found[0].key} (opsRecord '{record}') lacks the columns {missing}")
        return found[0]

    def parsing_of(self, bronze: Table) -> Parsing:
        """How silver reads the text of `bronze`'s source; the error names a table that has none."""
        if bronze.source is None:
            raise CatalogueLookupError(f"table {bronze.key} ingests no source, so it has no parsing rules")
        return self.source(bronze.source).parsing

    def source(self, name: str) -> Source:
        """The source called `name`; the error lists the declared sources."""
        for source in self.sources:
            if source.name == name:
                return source
        names = ", ".join(source.name for source in self.sources)
        raise CatalogueLookupError(f"no source '{name}' in {self.path}; declared sources: {names}")


def default_catalogue_file() -> Traversable:
    """The `catalogue.json` packaged with this module."""
    return resources.files(__package__ or "lakehouse").joinpath("catalogue.json")


def load_catalogue(path: str | Path | Traversable | None = None) -> Catalogue:
    """Load and validate the catalogue (by default the one packaged with `lakehouse`).

    Raises CatalogueError naming the file and the JSON path of the first problem found.
    """
    file = default_catalogue_file() if path is None else Path(path) if isinstance(path, str) else path
    shown = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise CatalogueError(
            f"{shown}: catalogue file not found; run `npm run catalogue:export` to write it"
        ) from error
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogueError(f"{shown}: cannot read the catalogue: {error}") from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise CatalogueError(
            f"{shown}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
            "re-run `npm run catalogue:export` instead of editing it by hand"
        ) from error
    return _parse_catalogue(_Node(shown, "", document))


class _Node:
    """A JSON object plus where it sits in the file, so every error can say file and field."""

    def __init__(self, file: str, where: str, value: Any) -> None:
        self.file = file
        self.where = where
        if not isinstance(value, dict):
            raise self.error(f"expected an object, got {_json_type(value)}")
        self.value: dict[str, Any] = value

    def error(self, message: str, key: str | None = None) -> CatalogueError:
        path = ".".join(part for part in (self.where, key) if part)
        return CatalogueError(f"{self.file}: {path or '<document>'}: {message}")

    def _get(self, key: str, check: Callable[[Any], bool], expected: str, *, nullable: bool = False) -> Any:
        if key not in self.value:
            raise self.error("required field is missing", key)
        value = self.value[key]
        if (value is None and nullable) or (value is not None and check(value)):
            return value
        raise self.error(f"expected {expected}{' or null' if nullable else ''}, got {_json_type(value)}", key)

    def string(self, key: str) -> str:
        return self._get(key, lambda v: isinstance(v, str), "a string")

    def opt_string(self, key: str) -> str | None:
        return self._get(key, lambda v: isinstance(v, str), "a string", nullable=True)

    def boolean(self, key: str) -> bool:
        return self._get(key, lambda v: isinstance(v, bool), "true or false")

    def integer(self, key: str) -> int:
        return self._get(key, _is_int, "an integer")

    def scd_type(self, key: str) -> int:
        value = self.integer(key)
        if value not in SCD_TYPES:
            raise self.error(f"SCD type {value} is not one of {', '.join(map(str, sorted(SCD_TYPES)))}", key)
        return value

    def retention(self, key: str) -> RetentionDays:
        def valid(value: Any) -> bool:
            return (_is_int(value) and value > 0) or value == "environment"

        return self._get(key, valid, "a positive number of days or 'environment'")

    def rate(self, key: str) -> float:
        value = float(self._get(key, _is_number, "a number"))
        if not 0 <= value <= 1:
            raise self.error(f"expected a share between 0 and 1, got {value}", key)
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        values = self._get(key, lambda v: isinstance(v, list), "a list of strings")
        for index, item in enumerate(values):
            if not isinstance(item, str):
                raise self.error(f"expected a string, got {_json_type(item)}", f"{key}[{index}]")
        return tuple(values)

    def string_map(self, key: str) -> Mapping[str, str]:
        node = self.obj(key)
        for name, value in node.value.items():
            if not isinstance(value, str):
                raise node.error(f"expected a string, got {_json_type(value)}", name)
        return MappingProxyType(dict(node.value))

    def obj(self, key: str) -> _Node:
        return _Node(self.file, self._path(key), self._get(key, lambda v: isinstance(v, dict), "an object"))

    def opt_obj(self, key: str) -> _Node | None:
        value = self._get(key, lambda v: isinstance(v, dict), "an object", nullable=True)
        return None if value is None else _Node(self.file, self._path(key), value)

    def objs(self, key: str, label: Callable[[dict[str, Any]], object] | None = None) -> Iterator[_Node]:
        """Each object of a list; `label` names an item in messages, e.g. `tables[3](silver.events)`."""
        for index, item in enumerate(self._get(key, lambda v: isinstance(v, list), "a list")):
            named = label(item) if label and isinstance(item, dict) else None
            suffix = f"({named})" if isinstance(named, str) else ""
            yield _Node(self.file, self._path(f"{key}[{index}]{suffix}"), item)

    def one_of(self, key: str, allowed: tuple[str, ...] | frozenset[str]) -> str:
        value = self.string(key)
        if value not in allowed:
            raise self.error(f"'{value}' is not one of {', '.join(sorted(allowed))}", key)
        return value

    def _path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), f"a number ({value!r})" if _is_number(value) else type(value).__name__)


def _by_name(item: dict[str, Any]) -> object:
    return item.get("name")


def _by_key(item: dict[str, Any]) -> object:
    return item.get("key")


def _unique(node: _Node, key: str, names: tuple[_T, ...], what: str) -> tuple[_T, ...]:
    duplicates = sorted({str(name) for name in names if names.count(name) > 1})
    if duplicates:
        raise node.error(f"{what} declared more than once: {', '.join(duplicates)}", key)
    return names


def _parse_catalogue(root: _Node) -> Catalogue:
    version = root.integer("formatVersion")
    if version != FORMAT_VERSION:
        raise root.error(
            f"unknown format version {version}; this loader reads version {FORMAT_VERSION}. "
            "Update jobs-src/lakehouse/catalogue.py together with the exporter",
            "formatVersion",
        )
    roles = root.strings("roles")
    pii_classes = root.strings("piiClasses")
    tables = tuple(_parse_table(node, roles, pii_classes) for node in root.objs("tables", _by_key))
    table_keys = _unique(root, "tables", tuple(table.key for table in tables), "table keys")
    sources = tuple(_parse_source(node, table_keys) for node in root.objs("sources", _by_name))
    _unique(root, "sources", tuple(source.name for source in sources), "source names")
    return Catalogue(
        path=root.file,
        format_version=version,
        generated_by=root.string("generatedBy"),
        roles=roles,
        pii_classes=pii_classes,
        sources=sources,
        tables=tables,
    )


def _parse_source(node: _Node, table_keys: tuple[str, ...]) -> Source:
    kind = node.string("kind")
    source = Source(
        kind=kind,
        name=node.string("name"),
        format=node.string("format"),
        options=node.string_map("options"),
        columns=_unique(node, "columns", node.strings("columns"), "columns"),
        consumer_groups=node.strings("consumerGroups") if kind == "eventhub" else (),
        table=node.string("table"),
        parsing=_parse_parsing(node.obj("parse")) if "parse" in node.value else Parsing(),
        watermark=_watermark(node) if kind == "eventhub" else None,
    )
    if source.table not in table_keys:
        raise node.error(f"'{source.table}' is not a table of the catalogue", "table")
    return source


def _watermark(node: _Node) -> timedelta:
    seconds = node.integer("watermarkSeconds")
    if seconds <= 0:
        raise node.error(f"must be a positive number of seconds, got {seconds}", "watermarkSeconds")
    return timedelta(seconds=seconds)


def _parse_table(node: _Node, roles: tuple[str, ...], pii_classes: tuple[str, ...]) -> Table:
    columns = tuple(_parse_column(column, pii_classes) for column in node.objs("columns", _by_name))
    names = _unique(node, "columns", tuple(column.name for column in columns), "columns")
    scd, cdc, row_filter = node.opt_obj("scd"), node.opt_obj("cdc"), node.opt_obj("rowFilter")
    table = Table(
        key=node.string("key"),
        schema=node.string("schema"),
        name=node.string("name"),
        layer=node.string("layer"),
        description=node.string("description"),
        columns=columns,
        business_keys=_column_names(node, "businessKeys", names),
        event_time_column=_optional_column_name(node, "eventTimeColumn", names),
        partition_columns=_column_names(node, "partitionColumns", names),
        cluster_columns=_column_names(node, "clusterColumns", names),
        stats_columns=_column_names(node, "statsColumns", names),
        delta_properties=node.string_map("deltaProperties"),
        ops_record=_ops_record(node),
        expectations=tuple(_parse_expectation(e) for e in node.objs("expectations", _by_name)),
        scd=None if scd is None else _parse_scd(scd, names),
        cdc=None if cdc is None else _parse_cdc(cdc, names),
        source=node.opt_string("source"),
        quarantine_table=node.opt_string("quarantineTable"),
        subject_key=(subject_key := _optional_column_name(node, "subjectKey", names)),
        subject_identity=_subject_identity(node, subject_key),
        identity_columns=_identity_columns(node, names),
        row_filter=None if row_filter is None else _parse_row_filter(row_filter, names),
        owner=node.one_of("owner", roles),
        readers=node.strings("readers"),
        retention_days=node.retention("retentionDays"),
        upstream=node.strings("upstream"),
        recovery=node.one_of("recovery", RECOVERY_CLASSES) if node.value.get("recovery") else None,
        served_by_data_app=node.boolean("servedByDataApp") if "servedByDataApp" in node.value else False,
    )
    if table.key != f"{table.schema}.{table.name}":
        raise node.error(f"'{table.key}' must be '{table.schema}.{table.name}' (schema.name)", "key")
    for index, reader in enumerate(table.readers):
        if reader not in roles:
            raise node.error(f"'{reader}' is not one of the roles: {', '.join(roles)}", f"readers[{index}]")
    return table


def _parse_parsing(node: _Node) -> Parsing:
    separator = node.one_of("decimalSeparator", (".", ","))
    return Parsing(
        timestamp_formats=node.strings("timestampFormats"),
        date_formats=node.strings("dateFormats"),
        time_zone=node.string("timeZone"),
        decimal_separator=separator,
        encoding=node.string("encoding"),
        null_tokens=node.strings("nullTokens"),
    )


def _subject_identity(node: _Node, subject_key: str | None) -> str | None:
    if subject_key is None:
        return None
    if node.value.get("subjectIdentity") is None:
        return "customer"
    return node.one_of("subjectIdentity", SUBJECT_IDENTITIES)


def _ops_record(node: _Node) -> str | None:
    record = node.opt_string("opsRecord")
    if record is not None and record not in OPS_RECORDS:
        raise node.error(f"'{record}' is not one of {', '.join(sorted(OPS_RECORDS))}", "opsRecord")
    return record


def _identity_columns(node: _Node, names: tuple[str, ...]) -> Mapping[str, str]:
    if not node.value.get("identityColumns"):
        return MappingProxyType({})
    columns = node.string_map("identityColumns")
    for identity, column in columns.items():
        where = f"identityColumns.{identity}"
        if identity not in SUBJECT_IDENTITIES:
            raise node.error(f"'{identity}' is not one of {', '.join(sorted(SUBJECT_IDENTITIES))}", where)
        if column not in names:
            raise node.error(f"'{column}' is not a column of the table", where)
    return columns


def _column_name(node: _Node, key: str, names: tuple[str, ...]) -> str:
    value = node.string(key)
    if value not in names:
        raise node.error(f"'{value}' is not a column of the table", key)
    return value


def _optional_column_name(node: _Node, key: str, names: tuple[str, ...]) -> str | None:
    return None if node.opt_string(key) is None else _column_name(node, key, names)


def _column_names(node: _Node, key: str, names: tuple[str, ...]) -> tuple[str, ...]:
    values = node.strings(key)
    for value in values:
        if value not in names:
            raise node.error(f"'{value}' is not a column of the table", key)
    return values


def _parse_scd(node: _Node, names: tuple[str, ...]) -> Scd:
    return Scd(type=node.scd_type("type"), tracked_columns=_column_names(node, "trackedColumns", names))


def _parse_cdc(node: _Node, names: tuple[str, ...]) -> Cdc:
    return Cdc(
        sequence_column=_column_name(node, "sequenceColumn", names),
        operation_column=node.string("operationColumn"),
        delete_mode=node.one_of("deleteMode", CDC_DELETE_MODES),
    )


def _parse_row_filter(node: _Node, names: tuple[str, ...]) -> RowFilter:
    return RowFilter(column=_column_name(node, "column", names), rule=node.string("rule"))


def _parse_column(node: _Node, pii_classes: tuple[str, ...]) -> Column:
    return Column(
        name=node.string("name"),
        type=node.string("type"),
        nullable=node.boolean("nullable"),
        comment=node.string("comment"),
        pii=node.one_of("pii", pii_classes),
    )


def _parse_expectation(node: _Node) -> Expectation:
    return Expectation(
        name=node.string("name"),
        expression=node.string("expression"),
        action=node.one_of("action", EXPECTATION_ACTIONS),
        max_failure_rate=node.rate("maxFailureRate"),
        on_breach=node.one_of("onBreach", BREACH_ACTIONS) if "onBreach" in node.value else "fail",
    )
