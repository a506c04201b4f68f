/**
 * The vocabulary of the table catalogue: every medallion table is declared once with these types, and both
 * the constructs (schemas, grants, masks, jobs) and the Spark jobs (through the exported JSON) read it.
 */

/**
 * Catalogue layers; each layer is one Unity Catalog schema of the same name. `ml` holds what the ML jobs
 * write (model scores) beside the registered models; the medallion jobs never build it.
 */
export type Layer = "bronze" | "silver" | "gold" | "ops" | "ml";

/** Roles of the access model; each environment maps them to real account groups. */
export type Role = "platform_admins" | "data_engineers" | "data_analysts" | "data_scientists" | "pii_readers";

/** Every role, in a stable order. */
export const ROLES: readonly Role[] = [
  "platform_admins",
  "data_engineers",
  "data_analysts",
  "data_scientists",
  "pii_readers",
];

/**
 * What kind of personal data a column holds; anything but `none` must be masked for readers outside
 * `pii_readers`. `record` marks a raw record (a quarantined row) that may contain any of the others.
 */
export type PiiClass =
  | "none"
  | "email"
  | "phone"
  | "name"
  | "address"
  | "ip_address"
  | "date_of_birth"
  | "record";

/** Every PII class, in a stable order. */
export const PII_CLASSES: readonly PiiClass[] = [
  "none",
  "email",
  "phone",
  "name",
  "address",
  "ip_address",
  "date_of_birth",
  "record",
];

/** One column of a table. */
export interface ColumnDeclaration {
  readonly name: string;
  /** Spark SQL type, e.g. `STRING`, `BIGINT`, `DECIMAL(12,2)`, `TIMESTAMP`, `ARRAY<STRING>`. */
  readonly type: string;
  /** @default true */
  readonly nullable?: boolean;
  /** Column comment; it becomes the Unity Catalog column comment. */
  readonly comment: string;
  /** @default "none" */
  readonly pii?: PiiClass;
}

/**
 * What to do with a row that fails an expectation.
 * - `warn`: keep the row and count it;
 * - `drop`: leave the row out and count it (for rows that carry no information, e.g. exact noise);
 * - `quarantine`: move the row to the table's quarantine table with the failed rule names;
 * - `fail`: stop the run.
 */
export type ExpectationAction = "warn" | "drop" | "quarantine" | "fail";

/** A data-quality rule: a SQL boolean expression every good row satisfies. */
export interface Expectation {
  /** snake_case name, unique within the table; quarantined rows list it as their reason. */
  readonly name: string;
  /** Spark SQL boolean expression over the table's columns (before the rule is applied). */
  readonly expression: string;
  readonly action: ExpectationAction;
  /**
   * Share of rows (0-1) that may fail in a run before the run breaches the rule.
   * @default 0 for `fail`, 0.05 otherwise
   */
  readonly maxFailureRate?: number;
  /**
   * What a breach of `maxFailureRate` does to the run: `fail` marks it failed in the ops tables and makes the
   * runner and the Databricks task exit non-zero (the rows already accounted for stay where they are); `warn`
   * prints the breach and records it, and the run succeeds.
   * @default "fail"
   */
  readonly onBreach?: "warn" | "fail";
}

/**
 * How silver reads the text values of one source: bronze keeps every value as delivered, silver types it with
 * these rules. Line endings need no option: LF, CRLF and CR are all recognised by the readers.
 */
export interface ParseOptions {
  /**
   * Spark datetime patterns for timestamp text, tried in order; the first that parses wins.
   * @default [] : Spark's ISO 8601 cast (`2019-10-01 00:00:00`, `2019-10-01T00:00:00Z`, ...)
   */
  readonly timestampFormats?: readonly string[];
  /**
   * Spark datetime patterns for date-only text, tried in order after `timestampFormats`.
   * @default [] : the ISO date cast (`2019-10-01`)
   */
  readonly dateFormats?: readonly string[];
  /**
   * IANA time zone of timestamp text that carries no zone; silver stores UTC.
   * @default "UTC"
   */
  readonly timeZone?: string;
  /**
   * Decimal separator of numbers. With `,` a `.` or a space is a thousands separator (`1.234,50`).
   * @default "."
   */
  readonly decimalSeparator?: "." | ",";
  /** Character encoding of the files (a Java charset name). @default "UTF-8" */
  readonly encoding?: string;
  /** Values that mean "no value" and become NULL in silver (compared after trimming). @default [""] */
  readonly nullTokens?: readonly string[];
}

/** Where a bronze table's data comes from. */
export type SourceDeclaration =
  | {
      readonly kind: "files";
      /** Name of the source; also the landing sub-folder (`<landing>/<name>/`). */
      readonly name: string;
      readonly format: "csv" | "json";
      /** Reader options shared by Auto Loader and the local file stream reader. */
      readonly options: Readonly<Record<string, string>>;
      /** The columns of a file, in file order, as the producer writes them. */
      readonly columns: readonly string[];
      /** How silver types the values. @default ISO timestamps and dates, UTC, `.` decimals, UTF-8, "" is NULL */
      readonly parse?: ParseOptions;
    }
  | {
      readonly kind: "eventhub";
      /** Name of the source; the Event Hub is called the same with '-' for '_'. */
      readonly name: string;
      readonly format: "json";
      readonly options: Readonly<Record<string, string>>;
      /** JSON fields of an event body. */
      readonly columns: readonly string[];
      /** How silver types the values. @default as for files */
      readonly parse?: ParseOptions;
      /** Consumer groups, one per consuming job. */
      readonly consumerGroups: readonly string[];
      /**
       * How far behind the latest event seen an event may arrive and still be written to silver: `<whole number>
       * <unit>` (seconds, minutes, hours or days), from 1 second to 7 days. Older events are kept in the silver
       * table's quarantine as `late_beyond_watermark` and counted as late (see docs/streaming.md).
       * @default "1 hour"
       */
      readonly watermark?: string;
    };

/**
 * The identities a data subject has: `customer`, the CRM and order-export customer id (Olist: 32 hexadecimal
 * characters), and `shop_user`, the web shop's numeric user id (REES46 clickstream).
 */
export type SubjectIdentity = "customer" | "shop_user";

/**
 * What an ops table records, so the code that writes it names the record, not the table: the Spark jobs look
 * the table up by it (`Catalogue.ops_table`), and each kind has exactly one table.
 */
export const OPS_RECORDS = [
  "run_accounting",
  "quality_results",
  "stage_runs",
  "erasure_requests",
  "landing_rejects",
] as const;
export type OpsRecord = (typeof OPS_RECORDS)[number];

/**
 * How a table comes back after a disaster (see docs/disaster-recovery.md):
 * - `critical`: copied to the DR catalog by every replication run; the environment's critical RPO applies
 *   (15 minutes in production). For tables whose loss cannot be repaired from bronze in time, or at all
 *   (SCD2 history that outlives bronze's retention, order facts).
 * - `replicated`: copied to the DR catalog by every replication run; the environment's standard RPO applies.
 * - `rebuildable`: not copied; rebuilt from bronze (or silver) by re-running its job after a failover.
 *
 * Bronze and ops tables are outside the replication job: geo-redundant storage keeps their copy.
 */
export type RecoveryClass = "critical" | "replicated" | "rebuildable";

/** Every recovery class, in a stable order. */
export const RECOVERY_CLASSES: readonly RecoveryClass[] = ["critical", "replicated", "rebuildable"];

/** Time windows a quality monitor can aggregate a time series profile over (Databricks data profiling). */
export const MONITOR_GRANULARITIES = [
  "5 minutes",
  "30 minutes",
  "1 hour",
  "1 day",
  "1 week",
  "2 weeks",
  "3 weeks",
  "4 weeks",
  "1 month",
  "1 year",
] as const;
export type MonitorGranularity = (typeof MONITOR_GRANULARITIES)[number];

/**
 * A Unity Catalog quality monitor (data profiling) on a gold table; its metric tables go to the `ops` schema
 * (docs/disaster-recovery.md#quality-monitors).
 * - `snapshot`: every refresh profiles the whole table (small dimensions);
 * - `timeSeries`: each refresh profiles the rows by `timestampColumn` (a TIMESTAMP or DATE column of the table)
 *   in windows of each of `granularities`, and the drift between consecutive windows.
 */
export type QualityMonitorDeclaration =
  | { readonly profile: "snapshot" }
  | {
      readonly profile: "timeSeries";
      readonly timestampColumn: string;
      readonly granularities: readonly MonitorGranularity[];
    };

/** How a dimension keeps history. */
export interface ScdDeclaration {
  readonly type: 1 | 2;
  /** Columns whose change makes a new version (SCD2) or an overwrite (SCD1). */
  readonly trackedColumns: readonly string[];
}

/** How a table applies a change feed. */
export interface CdcDeclaration {
  /** Column ordering changes; the highest wins, so out-of-order delivery is safe. */
  readonly sequenceColumn: string;
  /** Column holding `insert`, `update` or `delete`. */
  readonly operationColumn: string;
  /** Whether a delete removes the row or marks it deleted. */
  readonly deleteMode: "hard" | "soft";
}

/** Row-level visibility: members of a regional analyst group see only their region's rows. */
export interface RowFilterDeclaration {
  /** Column compared with the region of the reader's group. */
  readonly column: string;
  readonly rule: "region";
}

/** One medallion table, declared once. */
export interface TableDeclaration {
  readonly layer: Layer;
  /** Table name inside the layer's schema, snake_case. */
  readonly name: string;
  /** One or two sentences; it becomes the table comment. */
  readonly description: string;
  readonly columns: readonly ColumnDeclaration[];
  /** Columns that identify a row; dedup and MERGE use them. @default [] */
  readonly businessKeys?: readonly string[];
  /** Column holding the event time, for watermarks and incremental processing. @default none */
  readonly eventTimeColumn?: string;
  /** @default [] */
  readonly partitionColumns?: readonly string[];
  /** Liquid clustering columns. @default [] */
  readonly clusterColumns?: readonly string[];
  /**
   * Columns Delta collects file statistics (min, max, nulls) on, for data skipping. Statistics cost CPU on every
   * write, per row and column, so they are kept to the columns queries filter or join on. Must include every
   * clustering column (Databricks requires statistics on them).
   * @default the clustering and partition columns, the event time column, the business keys and the subject key
   */
  readonly statsColumns?: readonly string[];
  /** @default [] */
  readonly expectations?: readonly Expectation[];
  /** @default not a slowly changing dimension */
  readonly scd?: ScdDeclaration;
  /** @default not fed by CDC */
  readonly cdc?: CdcDeclaration;
  /** For bronze tables: the source they ingest. @default none */
  readonly source?: SourceDeclaration;
  /**
   * Whether failing rows go to a quarantine table `<name>_quarantine` in the same schema.
   * @default true when any expectation has action `quarantine`
   */
  readonly quarantine?: boolean;
  /** Column identifying the person a row is about; GDPR erasure deletes by it. @default no personal data */
  readonly subjectKey?: string;
  /**
   * Which identity of the data subject `subjectKey` holds: the CRM (Olist) customer id, or the web shop's
   * (REES46) user id. Erasure is asked for a customer and finds the shop user ids through the tables that
   * declare `identityColumns`.
   * @default "customer"
   */
  readonly subjectIdentity?: SubjectIdentity;
  /**
   * Columns of this table that hold another identity of the subject `subjectKey` names, e.g.
   * `{ shop_user: "shop_user_id" }` on the customer dimension: the documented link between the two id worlds.
   * @default none
   */
  readonly identityColumns?: Readonly<Partial<Record<SubjectIdentity, string>>>;
  /** @default no row filter */
  readonly rowFilter?: RowFilterDeclaration;
  /** Role owning the table. @default "data_engineers" */
  readonly owner?: Role;
  /** Roles that may read the table. */
  readonly readers: readonly Role[];
  /** For ops tables: what the table records (one table per kind). @default none */
  readonly opsRecord?: OpsRecord;
  /** Retention in days; `environment` takes the environment's retention for the layer. @default "environment" */
  readonly retentionDays?: number | "environment";
  /** Tables this one is computed from (`schema.table`); the job DAGs follow these edges. @default [] */
  readonly upstream?: readonly string[];
  /**
   * How the table is recovered after a disaster; silver and gold only. Replicated and critical tables also keep
   * {@link TIME_TRAVEL_DAYS} of Delta log and removed files, so `RESTORE` reaches back that far.
   * @default "replicated" for silver and gold tables, "rebuildable" for quarantine tables, none for bronze and ops
   */
  readonly recovery?: RecoveryClass;
  /**
   * Whether the table may be added to a Delta Share for partners. Only gold tables without personal data may
   * be: a recipient reads the table outside this metastore, where no column mask applies.
   * @default false
   */
  readonly shareable?: boolean;
  /**
   * Whether the business dashboard app (jobs-src/lakehouse/app) reads the table: its service principal gets
   * SELECT on it and nothing else, and the app serves it. Gold tables only.
   * @default false
   */
  readonly servedByDataApp?: boolean;
  /**
   * A quality monitor on the table (gold tables without personal data or row filter only: the profile metrics
   * in `ops`, such as frequent items and min/max, would show values the masks and row filters hide).
   * @default not monitored
   */
  readonly monitor?: QualityMonitorDeclaration;
}

/** Days of Delta log and removed files kept on every replicated or critical table (the time-travel window). */
export const TIME_TRAVEL_DAYS = 30;
