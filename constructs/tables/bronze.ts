import { bronzeColumns } from "./columns";
import type { PiiClass, SourceDeclaration, TableDeclaration } from "./types";

const csv = { header: "true", multiLine: "false", escape: '"' } as const;

/**
 * The Olist exports' timestamps: `2017-10-02 10:56:33` as published, `10/2/2017 10:56` (and with seconds)
 * once a spreadsheet tool has re-saved the file.
 */
const OLIST_TIMESTAMPS = ["yyyy-MM-dd HH:mm:ss", "M/d/yyyy H:mm:ss", "M/d/yyyy H:mm"] as const;
const ENGINEERS_ONLY = ["data_engineers"] as const;

/** REES46 clickstream export: one row per view / cart / remove_from_cart / purchase. */
const eventsSource: SourceDeclaration = {
  kind: "files",
  name: "events",
  format: "csv",
  options: csv,
  // REES46 writes `2019-10-01 00:00:04 UTC`.
  parse: { timestampFormats: ["yyyy-MM-dd HH:mm:ss z"] },
  columns: [
    "event_time",
    "event_type",
    "product_id",
    "category_id",
    "category_code",
    "brand",
    "price",
    "user_id",
    "user_session",
  ],
};

/** Olist orders export (`olist_orders_dataset.csv`): ids are 32 hexadecimal characters. */
const ordersSource: SourceDeclaration = {
  kind: "files",
  name: "orders",
  format: "csv",
  options: csv,
  // Zone-less text is read as UTC, which the shop's own export writes. Olist's public files hold Brazilian
  // local time: a deployment loading them sets timeZone: "America/Sao_Paulo" here and on order_items.
  parse: { timestampFormats: OLIST_TIMESTAMPS },
  columns: [
    "order_id",
    "customer_id",
    "order_status",
    "order_purchase_timestamp",
    "order_approved_at",
    "order_delivered_carrier_date",
    "order_delivered_customer_date",
    "order_estimated_delivery_date",
  ],
};

/** Olist order items export (`olist_order_items_dataset.csv`). */
const orderItemsSource: SourceDeclaration = {
  kind: "files",
  name: "order_items",
  format: "csv",
  options: csv,
  parse: { timestampFormats: OLIST_TIMESTAMPS },
  columns: [
    "order_id",
    "order_item_id",
    "product_id",
    "seller_id",
    "shipping_limit_date",
    "price",
    "freight_value",
  ],
};

/** CRM customer profiles as JSON lines; a customer reappears whenever the profile changes. */
const customersSource: SourceDeclaration = {
  kind: "files",
  name: "customers",
  format: "json",
  options: {},
  columns: [
    "customer_id",
    "shop_user_id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "street_address",
    "city",
    "state",
    "zip_code",
    "region",
    "updated_at",
  ],
};

/** Product catalogue API snapshots as JSON lines. */
const productsSource: SourceDeclaration = {
  kind: "files",
  name: "products",
  format: "json",
  options: {},
  columns: [
    "product_id",
    "marketplace_product_id",
    "product_name",
    "category_id",
    "category_code",
    "brand",
    "list_price",
    "weight_g",
    "updated_at",
  ],
};

/** Support-desk change feed: one JSON line per insert / update / delete of a ticket. */
const supportTicketsSource: SourceDeclaration = {
  kind: "files",
  name: "support_tickets",
  format: "json",
  options: {},
  columns: [
    "ticket_id",
    "customer_id",
    "subject",
    "status",
    "priority",
    "channel",
    "created_at",
    "operation",
    "sequence_number",
    "change_timestamp",
  ],
};

/** Web shop cart actions streamed through Event Hubs. */
const cartEventsSource: SourceDeclaration = {
  kind: "eventhub",
  name: "cart_events",
  format: "json",
  options: {},
  columns: ["event_id", "event_time", "action", "product_id", "quantity", "price", "user_id", "user_session"],
  consumerGroups: ["bronze_ingest"],
  watermark: "1 hour",
};

/** Store point-of-sale transactions streamed through Event Hubs. */
const posEventsSource: SourceDeclaration = {
  kind: "eventhub",
  name: "pos_events",
  format: "json",
  options: {},
  columns: [
    "transaction_id",
    "event_time",
    "store_id",
    "customer_id",
    "product_id",
    "quantity",
    "unit_price",
    "payment_type",
  ],
  consumerGroups: ["bronze_ingest"],
  watermark: "1 hour",
};

function bronze(
  source: SourceDeclaration,
  description: string,
  extra: Pick<TableDeclaration, "subjectKey" | "subjectIdentity" | "identityColumns"> = {},
  pii: Readonly<Record<string, PiiClass>> = {},
): TableDeclaration {
  return {
    layer: "bronze",
    name: source.name,
    description,
    // Event Hubs events also keep their raw body, key and position (EVENTHUB_RAW_COLUMNS).
    columns: bronzeColumns(source.columns, pii, source.kind),
    source,
    owner: "data_engineers",
    readers: ENGINEERS_ONLY,
    clusterColumns: ["_ingested_at"],
    ...extra,
  };
}

/** Bronze: every source as delivered, append-only, with audit columns. */
export const BRONZE_TABLES: readonly TableDeclaration[] = [
  bronze(eventsSource, "Raw REES46-shaped clickstream events as delivered, one row per CSV line.", {
    subjectKey: "user_id",
    subjectIdentity: "shop_user",
  }),
  bronze(ordersSource, "Raw orders as delivered by the shop's order export.", { subjectKey: "customer_id" }),
  bronze(orderItemsSource, "Raw order lines as delivered by the shop's order export."),
  bronze(
    customersSource,
    "Raw CRM customer profiles; each change of a profile arrives as a new record.",
    { subjectKey: "customer_id", identityColumns: { shop_user: "shop_user_id" } },
    {
      email: "email",
      first_name: "name",
      last_name: "name",
      phone: "phone",
      street_address: "address",
      zip_code: "address",
    },
  ),
  bronze(productsSource, "Raw product catalogue snapshots from the catalogue API."),
  bronze(
    supportTicketsSource,
    "Raw support-ticket change feed (insert / update / delete records).",
    { subjectKey: "customer_id" },
    // Free text customers write: classified as silver classifies it.
    { subject: "record" },
  ),
  bronze(cartEventsSource, "Raw cart actions from the web shop, streamed through Event Hubs.", {
    subjectKey: "user_id",
    subjectIdentity: "shop_user",
  }),
  bronze(posEventsSource, "Raw point-of-sale transactions from the stores, streamed through Event Hubs.", {
    subjectKey: "customer_id",
  }),
];
