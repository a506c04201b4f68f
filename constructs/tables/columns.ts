import type { ColumnDeclaration, PiiClass } from "./types";

/** Declares a column; `options` holds what differs from a nullable, non-PII column. */
export function column(
  name: string,
  type: string,
  comment: string,
  options: { nullable?: boolean; pii?: PiiClass } = {},
): ColumnDeclaration {
  return { name, type, comment, nullable: options.nullable ?? true, pii: options.pii ?? "none" };
}

/**
 * Audit columns bronze adds to every ingested row, so any silver or quarantined row can be traced back to
 * the file (or Event Hubs position) and the micro-batch it came from.
 */
export const BRONZE_AUDIT_COLUMNS: readonly ColumnDeclaration[] = [
  column(
    "_rescued_data",
    "STRING",
    "Fields that did not fit the declared source columns, as JSON; null when the record was well formed.",
    // Whatever the reader could not parse, personal data included: masked like a whole record.
    { pii: "record" },
  ),
  column(
    "_source_file",
    "STRING",
    "Path of the landing file (or Event Hubs partition/offset) the row came from.",
    { nullable: false },
  ),
  column("_ingested_at", "TIMESTAMP", "When bronze ingested the row (UTC).", { nullable: false }),
  column("_batch_id", "BIGINT", "Streaming micro-batch that wrote the row.", { nullable: false }),
];

/**
 * What the Kafka endpoint of Event Hubs delivered with each event, kept as received next to the parsed fields:
 * the body as text and the key as bytes, where the event sits (hub, partition, offset) and when the hub enqueued it.
 */
export const EVENTHUB_RAW_COLUMNS: readonly ColumnDeclaration[] = [
  // Text, so the record mask (STRING -> STRING) covers it; event bodies are UTF-8 JSON.
  column("_event_body", "STRING", "The event body as received (Kafka value, UTF-8 text).", { pii: "record" }),
  column(
    "_event_key",
    "BINARY",
    "The event's partition key as received (Kafka key); null when none was set.",
  ),
  column("_event_topic", "STRING", "Event hub (Kafka topic) the event was read from.", { nullable: false }),
  column("_event_partition", "INT", "Partition of the event hub.", { nullable: false }),
  column("_event_offset", "BIGINT", "Offset of the event in its partition.", { nullable: false }),
  column("_event_enqueued_at", "TIMESTAMP", "When the event hub enqueued the event (Kafka timestamp, UTC)."),
  column("_event_headers", "ARRAY<STRUCT<key: STRING, value: BINARY>>", "Event properties (Kafka headers)."),
];

/** Lineage columns silver keeps from bronze. */
export const SILVER_LINEAGE_COLUMNS: readonly ColumnDeclaration[] = [
  column("_source_file", "STRING", "Landing file the row came from."),
  column("_ingested_at", "TIMESTAMP", "When bronze ingested the row (UTC)."),
];

/** Columns of every quarantine table; `record` holds the original bronze row untouched. */
export const QUARANTINE_COLUMNS: readonly ColumnDeclaration[] = [
  column("record", "STRING", "The original bronze row as JSON, unchanged.", {
    nullable: false,
    pii: "record",
  }),
  column("failed_rules", "ARRAY<STRING>", "Names of the expectations the row failed.", { nullable: false }),
  column("_source_file", "STRING", "Landing file the row came from."),
  column("_batch_id", "BIGINT", "Bronze micro-batch of the row."),
  column("run_id", "STRING", "Run that quarantined the row.", { nullable: false }),
  column("quarantined_at", "TIMESTAMP", "When the row was quarantined (UTC).", { nullable: false }),
];

/**
 * `_rescued_data` of an Event Hubs bronze table. Its body is kept whole in `_event_body`, so bronze parses it once
 * and rescues only a body that is not a JSON object; silver lists the keys and rescues undeclared ones itself.
 */
const EVENTHUB_RESCUED_DATA = column(
  "_rescued_data",
  "STRING",
  "A body that is not a JSON object, with its position, as JSON; null otherwise. Undeclared keys stay in " +
    "_event_body, where silver finds them.",
  { pii: "record" },
);

/**
 * Every column of a source as STRING, then what an Event Hubs source keeps as received (EVENTHUB_RAW_COLUMNS),
 * then the audit columns: bronze keeps values exactly as delivered, so no bad value is lost before silver
 * decides what to do with it.
 */
export function bronzeColumns(
  sourceColumns: readonly string[],
  pii: Readonly<Record<string, PiiClass>> = {},
  kind: "files" | "eventhub" = "files",
): ColumnDeclaration[] {
  const declared = sourceColumns.map((name) =>
    column(name, "STRING", `'${name}' as delivered by the source, untyped.`, { pii: pii[name] ?? "none" }),
  );
  if (kind === "files") return [...declared, ...BRONZE_AUDIT_COLUMNS];
  const audit = BRONZE_AUDIT_COLUMNS.map((c) =>
    c.name === EVENTHUB_RESCUED_DATA.name ? EVENTHUB_RESCUED_DATA : c,
  );
  return [...declared, ...EVENTHUB_RAW_COLUMNS, ...audit];
}
