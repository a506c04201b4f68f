import { column, SILVER_LINEAGE_COLUMNS } from "./columns";
import type { Expectation, TableDeclaration } from "./types";

const READERS = ["data_engineers", "data_scientists", "pii_readers"] as const;

/** A rule that sends failing rows to quarantine. */
function quarantineUnless(name: string, expression: string, maxFailureRate = 0.05): Expectation {
  return { name, expression, action: "quarantine", maxFailureRate };
}

/** Rows whose source line had fields that did not fit (wrong field count, extra columns) are kept aside. */
const WELL_FORMED = quarantineUnless("well_formed_record", "_rescued_data IS NULL");

/** The event types of the REES46 clickstream. */
export const EVENT_TYPES = ["view", "cart", "remove_from_cart", "purchase"] as const;

/** Olist order statuses. */
export const ORDER_STATUSES = [
  "created",
  "approved",
  "invoiced",
  "processing",
  "shipped",
  "delivered",
  "unavailable",
  "canceled",
] as const;

/** Cart actions of the web shop's cart_events stream. */
export const CART_ACTIONS = ["add", "remove"] as const;

/** Payment types of the stores' pos_events stream. */
export const POS_PAYMENT_TYPES = ["card", "cash", "voucher"] as const;

const sqlList = (values: readonly string[]) => values.map((v) => `'${v}'`).join(", ");

/** Silver: typed, standardised, validated, deduplicated; bad rows in quarantine with their reasons. */
export const SILVER_TABLES: readonly TableDeclaration[] = [
  {
    layer: "silver",
    name: "events",
    description:
      "Clickstream events typed and standardised (UTC timestamps, lowercase brands, split category path), deduplicated.",
    columns: [
      column("event_time", "TIMESTAMP", "When the event happened (UTC).", { nullable: false }),
      column("event_date", "DATE", "UTC date of event_time.", { nullable: false }),
      column("event_type", "STRING", `One of ${EVENT_TYPES.join(", ")}.`, { nullable: false }),
      column("product_id", "BIGINT", "Product the event is about.", { nullable: false }),
      column("category_id", "BIGINT", "Category id of the product."),
      column(
        "category_code",
        "STRING",
        "Dotted category path, e.g. electronics.smartphone; null when unknown.",
      ),
      column("category_l1", "STRING", "First level of category_code."),
      column("category_l2", "STRING", "Second level of category_code."),
      column("category_l3", "STRING", "Third level of category_code."),
      column("brand", "STRING", "Brand, trimmed and lowercase; null when unknown."),
      column("price", "DECIMAL(12,2)", "Product price at event time.", { nullable: false }),
      column(
        "user_id",
        "BIGINT",
        "Web shop (REES46) user id; silver.dim_customer.shop_user_id links it to the CRM customer.",
        {
          nullable: false,
        },
      ),
      column("user_session", "STRING", "Session id from the web shop.", { nullable: false }),
      ...SILVER_LINEAGE_COLUMNS,
    ],
    businessKeys: ["user_session", "event_time", "event_type", "product_id"],
    eventTimeColumn: "event_time",
    clusterColumns: ["event_date", "event_type"],
    expectations: [
      WELL_FORMED,
      quarantineUnless("valid_event_time", "event_time IS NOT NULL"),
      quarantineUnless("known_event_type", `event_type IN (${sqlList(EVENT_TYPES)})`),
      quarantineUnless("valid_price", "price IS NOT NULL AND price >= 0"),
      quarantineUnless("has_product", "product_id IS NOT NULL"),
      quarantineUnless("has_user", "user_id IS NOT NULL"),
      quarantineUnless("has_session", "user_session IS NOT NULL"),
      {
        name: "not_in_future",
        expression: "event_time <= current_timestamp() + INTERVAL 1 DAY",
        action: "warn",
      },
    ],
    subjectKey: "user_id",
    subjectIdentity: "shop_user",
    readers: READERS,
    upstream: ["bronze.events"],
  },
  {
    layer: "silver",
    name: "sessions",
    // Derived from silver.events by re-running its job.
    recovery: "rebuildable",
    description: "One row per web session built from events: start, end, duration and what happened in it.",
    columns: [
      column("user_session", "STRING", "Session id.", { nullable: false }),
      column("user_id", "BIGINT", "Shop user.", { nullable: false }),
      column("session_start", "TIMESTAMP", "First event of the session (UTC).", { nullable: false }),
      column("session_end", "TIMESTAMP", "Last event of the session (UTC).", { nullable: false }),
      column("session_date", "DATE", "UTC date of session_start.", { nullable: false }),
      column("duration_seconds", "BIGINT", "session_end - session_start in seconds.", { nullable: false }),
      column("views", "BIGINT", "View events.", { nullable: false }),
      column("carts", "BIGINT", "Cart events.", { nullable: false }),
      column("removes", "BIGINT", "remove_from_cart events.", { nullable: false }),
      column("purchases", "BIGINT", "Purchase events.", { nullable: false }),
      column("purchased", "BOOLEAN", "Whether the session bought anything.", { nullable: false }),
      column("revenue", "DECIMAL(18,2)", "Sum of purchase prices.", { nullable: false }),
    ],
    businessKeys: ["user_session"],
    eventTimeColumn: "session_start",
    clusterColumns: ["session_date"],
    subjectKey: "user_id",
    subjectIdentity: "shop_user",
    readers: READERS,
    upstream: ["silver.events"],
  },
  {
    layer: "silver",
    name: "orders",
    // Order records are the finance system of record; restoring them from bronze takes the whole history.
    recovery: "critical",
    description: "Orders typed and validated, one row per order (latest record wins).",
    columns: [
      column("order_id", "STRING", "Order id.", { nullable: false }),
      column("customer_id", "STRING", "Customer who placed the order (Olist: 32 hexadecimal characters).", {
        nullable: false,
      }),
      column("order_status", "STRING", `One of ${ORDER_STATUSES.join(", ")}.`, { nullable: false }),
      column("purchased_at", "TIMESTAMP", "When the order was placed (UTC).", { nullable: false }),
      column("order_date", "DATE", "UTC date of purchased_at.", { nullable: false }),
      column("approved_at", "TIMESTAMP", "When payment was approved."),
      column("delivered_carrier_at", "TIMESTAMP", "When the order was handed to the carrier."),
      column("delivered_customer_at", "TIMESTAMP", "When the customer received the order."),
      column("estimated_delivery_date", "DATE", "Promised delivery date."),
      ...SILVER_LINEAGE_COLUMNS,
    ],
    businessKeys: ["order_id"],
    eventTimeColumn: "purchased_at",
    clusterColumns: ["order_date"],
    expectations: [
      WELL_FORMED,
      quarantineUnless("has_order_id", "order_id IS NOT NULL"),
      quarantineUnless("has_customer", "customer_id IS NOT NULL"),
      quarantineUnless("valid_purchase_time", "purchased_at IS NOT NULL"),
      quarantineUnless("known_order_status", `order_status IN (${sqlList(ORDER_STATUSES)})`),
      {
        name: "delivery_after_purchase",
        expression: "delivered_customer_at IS NULL OR delivered_customer_at >= purchased_at",
        action: "warn",
      },
    ],
    subjectKey: "customer_id",
    readers: READERS,
    upstream: ["bronze.orders"],
  },
  {
    layer: "silver",
    name: "order_items",
    // Line items of the orders above; both must come back to the same point.
    recovery: "critical",
    description: "Order lines typed and validated, one row per order and line number.",
    columns: [
      column("order_id", "STRING", "Order the line belongs to.", { nullable: false }),
      column("order_item_id", "INT", "Line number within the order, from 1.", { nullable: false }),
      column(
        "product_id",
        "STRING",
        "Marketplace (Olist) product id; silver.dim_product.marketplace_product_id links it to the shop catalogue.",
        { nullable: false },
      ),
      column("seller_id", "STRING", "Marketplace seller."),
      column("shipping_limit_at", "TIMESTAMP", "Latest hand-over to the carrier (UTC)."),
      column("price", "DECIMAL(12,2)", "Item price.", { nullable: false }),
      column("freight_value", "DECIMAL(12,2)", "Freight charged for the item.", { nullable: false }),
      ...SILVER_LINEAGE_COLUMNS,
    ],
    businessKeys: ["order_id", "order_item_id"],
    expectations: [
      WELL_FORMED,
      quarantineUnless("has_order_id", "order_id IS NOT NULL"),
      quarantineUnless("valid_item_number", "order_item_id IS NOT NULL AND order_item_id >= 1"),
      quarantineUnless("has_product", "product_id IS NOT NULL"),
      quarantineUnless("valid_price", "price IS NOT NULL AND price >= 0"),
      quarantineUnless("valid_freight", "freight_value IS NOT NULL AND freight_value >= 0"),
    ],
    readers: READERS,
    upstream: ["bronze.order_items"],
  },
  {
    layer: "silver",
    name: "dim_customer",
    // SCD2 history outlives bronze retention, so it cannot be rebuilt from bronze.
    recovery: "critical",
    description: "Customer profiles as a type 2 slowly changing dimension: one version per tracked change.",
    columns: [
      column(
        "customer_id",
        "STRING",
        "CRM customer id, as in the order export (Olist: 32 hexadecimal characters).",
        {
          nullable: false,
        },
      ),
      column(
        "shop_user_id",
        "BIGINT",
        "The customer's web shop (REES46) user id: the link from clickstream user_id to the customer; null when the customer has no shop account.",
      ),
      column("email", "STRING", "Email address.", { pii: "email" }),
      column("first_name", "STRING", "Given name.", { pii: "name" }),
      column("last_name", "STRING", "Family name.", { pii: "name" }),
      column("phone", "STRING", "Phone number.", { pii: "phone" }),
      column("street_address", "STRING", "Street and house number.", { pii: "address" }),
      column("city", "STRING", "City."),
      column("state", "STRING", "State code."),
      column("zip_code", "STRING", "Postal code.", { pii: "address" }),
      column("region", "STRING", "Sales region; regional analysts see only theirs.", { nullable: false }),
      column("row_hash", "STRING", "Hash of the tracked columns; an unchanged hash writes no new version.", {
        nullable: false,
      }),
      column("effective_from", "TIMESTAMP", "When this version became true (the CRM updated_at).", {
        nullable: false,
      }),
      column("effective_to", "TIMESTAMP", "When the next version replaced it; null for the current version."),
      column("is_current", "BOOLEAN", "Whether this is the current version.", { nullable: false }),
    ],
    businessKeys: ["customer_id"],
    eventTimeColumn: "effective_from",
    clusterColumns: ["customer_id"],
    expectations: [
      WELL_FORMED,
      quarantineUnless("has_customer_id", "customer_id IS NOT NULL"),
      quarantineUnless("valid_updated_at", "effective_from IS NOT NULL"),
      quarantineUnless("has_region", "region IS NOT NULL"),
      { name: "plausible_email", expression: "email IS NULL OR email LIKE '%_@_%._%'", action: "warn" },
    ],
    scd: {
      type: 2,
      trackedColumns: [
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
      ],
    },
    subjectKey: "customer_id",
    identityColumns: { shop_user: "shop_user_id" },
    rowFilter: { column: "region", rule: "region" },
    readers: READERS,
    upstream: ["bronze.customers"],
  },
  {
    layer: "silver",
    name: "dim_product",
    description: "Products as a type 1 dimension: the latest catalogue values overwrite older ones.",
    columns: [
      column("product_id", "BIGINT", "Shop catalogue (REES46) product id, as in the clickstream.", {
        nullable: false,
      }),
      column(
        "marketplace_product_id",
        "STRING",
        "The product's marketplace (Olist) id, as in order lines: the link between the two id worlds; null when not sold there.",
      ),
      column("product_name", "STRING", "Display name."),
      column("category_id", "BIGINT", "Category id."),
      column("category_code", "STRING", "Dotted category path."),
      column("category_l1", "STRING", "First level of category_code."),
      column("brand", "STRING", "Brand, trimmed and lowercase."),
      column("list_price", "DECIMAL(12,2)", "Catalogue price."),
      column("weight_g", "INT", "Shipping weight in grams."),
      column("updated_at", "TIMESTAMP", "Catalogue update time of these values (UTC).", { nullable: false }),
    ],
    businessKeys: ["product_id"],
    eventTimeColumn: "updated_at",
    clusterColumns: ["product_id"],
    expectations: [
      WELL_FORMED,
      quarantineUnless("has_product_id", "product_id IS NOT NULL"),
      quarantineUnless("valid_updated_at", "updated_at IS NOT NULL"),
      quarantineUnless("valid_list_price", "list_price IS NULL OR list_price >= 0"),
    ],
    scd: {
      type: 1,
      trackedColumns: [
        "marketplace_product_id",
        "product_name",
        "category_id",
        "category_code",
        "brand",
        "list_price",
        "weight_g",
      ],
    },
    readers: READERS,
    upstream: ["bronze.products"],
  },
  {
    layer: "silver",
    name: "support_tickets",
    description:
      "Support tickets with the change feed applied by MERGE: highest sequence number wins; deletes remove the ticket.",
    columns: [
      column("ticket_id", "BIGINT", "Ticket id.", { nullable: false }),
      column("customer_id", "STRING", "CRM customer who opened the ticket.", { nullable: false }),
      column("subject", "STRING", "Subject line, free text written by the customer.", { pii: "record" }),
      column("status", "STRING", "open, pending, solved or closed."),
      column("priority", "STRING", "low, normal, high or urgent."),
      column("channel", "STRING", "email, chat, phone or web."),
      column("created_at", "TIMESTAMP", "When the ticket was opened (UTC)."),
      column("updated_at", "TIMESTAMP", "Change timestamp of the applied change (UTC).", { nullable: false }),
      column("sequence_number", "BIGINT", "Sequence number of the applied change.", { nullable: false }),
    ],
    businessKeys: ["ticket_id"],
    eventTimeColumn: "updated_at",
    clusterColumns: ["customer_id"],
    expectations: [
      WELL_FORMED,
      quarantineUnless("has_ticket_id", "ticket_id IS NOT NULL"),
      quarantineUnless("has_sequence", "sequence_number IS NOT NULL"),
      quarantineUnless("known_operation", "operation IN ('insert', 'update', 'delete')"),
      quarantineUnless("has_customer", "operation = 'delete' OR customer_id IS NOT NULL"),
    ],
    cdc: { sequenceColumn: "sequence_number", operationColumn: "operation", deleteMode: "hard" },
    subjectKey: "customer_id",
    readers: READERS,
    upstream: ["bronze.support_tickets"],
  },
  {
    layer: "silver",
    name: "cart_events",
    description:
      "Web shop cart actions from Event Hubs, typed and checked, one row per event id; events later than the " +
      "watermark are kept in quarantine as late.",
    columns: [
      column("event_id", "STRING", "Id the shop gives the cart action; duplicates of it are dropped.", {
        nullable: false,
      }),
      column("event_time", "TIMESTAMP", "When the action happened (UTC).", { nullable: false }),
      column("event_date", "DATE", "UTC date of event_time.", { nullable: false }),
      column("action", "STRING", `One of ${CART_ACTIONS.join(", ")}.`, { nullable: false }),
      column("product_id", "BIGINT", "Product added or removed.", { nullable: false }),
      column("quantity", "INT", "Units added or removed (> 0).", { nullable: false }),
      column("price", "DECIMAL(12,2)", "Unit price shown in the cart.", { nullable: false }),
      column("user_id", "BIGINT", "Web shop (REES46) user id.", { nullable: false }),
      column("user_session", "STRING", "Session id from the web shop."),
      ...SILVER_LINEAGE_COLUMNS,
    ],
    businessKeys: ["event_id"],
    eventTimeColumn: "event_time",
    clusterColumns: ["event_date"],
    expectations: [
      WELL_FORMED,
      quarantineUnless("has_event_id", "event_id IS NOT NULL"),
      quarantineUnless("valid_event_time", "event_time IS NOT NULL"),
      quarantineUnless("known_action", `action IN (${sqlList(CART_ACTIONS)})`),
      quarantineUnless("has_product", "product_id IS NOT NULL"),
      quarantineUnless("valid_quantity", "quantity IS NOT NULL AND quantity > 0"),
      quarantineUnless("valid_price", "price IS NOT NULL AND price >= 0"),
      quarantineUnless("has_user", "user_id IS NOT NULL"),
    ],
    subjectKey: "user_id",
    subjectIdentity: "shop_user",
    readers: READERS,
    upstream: ["bronze.cart_events"],
  },
  {
    layer: "silver",
    name: "pos_events",
    description:
      "Store point-of-sale transactions from Event Hubs, typed and checked, one row per transaction id; " +
      "events later than the watermark are kept in quarantine as late.",
    columns: [
      column("transaction_id", "STRING", "Id of the till transaction line; duplicates of it are dropped.", {
        nullable: false,
      }),
      column("event_time", "TIMESTAMP", "When the sale happened (UTC).", { nullable: false }),
      column("event_date", "DATE", "UTC date of event_time.", { nullable: false }),
      column("store_id", "STRING", "Store of the till.", { nullable: false }),
      column("customer_id", "STRING", "Loyalty customer (CRM id); null for anonymous sales."),
      column("product_id", "BIGINT", "Product sold.", { nullable: false }),
      column("quantity", "INT", "Units sold (> 0).", { nullable: false }),
      column("unit_price", "DECIMAL(12,2)", "Price per unit.", { nullable: false }),
      column("payment_type", "STRING", `One of ${POS_PAYMENT_TYPES.join(", ")}.`, { nullable: false }),
      ...SILVER_LINEAGE_COLUMNS,
    ],
    businessKeys: ["transaction_id"],
    eventTimeColumn: "event_time",
    clusterColumns: ["event_date", "store_id"],
    expectations: [
      WELL_FORMED,
      quarantineUnless("has_transaction_id", "transaction_id IS NOT NULL"),
      quarantineUnless("valid_event_time", "event_time IS NOT NULL"),
      quarantineUnless("has_store", "store_id IS NOT NULL"),
      quarantineUnless("has_product", "product_id IS NOT NULL"),
      quarantineUnless("valid_quantity", "quantity IS NOT NULL AND quantity > 0"),
      quarantineUnless("valid_unit_price", "unit_price IS NOT NULL AND unit_price >= 0"),
      quarantineUnless("known_payment_type", `payment_type IN (${sqlList(POS_PAYMENT_TYPES)})`),
    ],
    subjectKey: "customer_id",
    readers: READERS,
    upstream: ["bronze.pos_events"],
  },
];
