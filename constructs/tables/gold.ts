import { column } from "./columns";
import type { TableDeclaration } from "./types";

const EVERYONE = ["data_engineers", "data_analysts", "data_scientists", "pii_readers"] as const;

const count = (name: string, comment: string) => column(name, "BIGINT", comment, { nullable: false });
const rate = (name: string, comment: string) =>
  column(name, "DOUBLE", `${comment} Null when the denominator is 0.`);
const money = (name: string, comment: string) => column(name, "DECIMAL(18,2)", comment, { nullable: false });

/**
 * Gold: business tables for BI and data science, computed incrementally from silver. `as const` keeps each
 * table name a literal type ({@link GoldTableName}), so code that names a gold table (dashboards, alerts,
 * shares) stops compiling when the table is renamed or removed.
 */
export const GOLD_TABLES = [
  {
    layer: "gold",
    name: "customer_metrics",
    description: "Per shop user: activity span, sessions, funnel counts, revenue and favourite category.",
    columns: [
      column("user_id", "BIGINT", "Shop user.", { nullable: false }),
      column("first_seen", "TIMESTAMP", "First event.", { nullable: false }),
      column("last_seen", "TIMESTAMP", "Latest event.", { nullable: false }),
      count("sessions", "Distinct sessions."),
      count("views", "View events."),
      count("carts", "Cart events."),
      count("purchases", "Purchase events."),
      money("revenue", "Sum of purchase prices."),
      column("avg_order_value", "DECIMAL(18,2)", "revenue / purchases; null without purchases."),
      column(
        "favourite_category",
        "STRING",
        "Top-level category with most events; ties go to the first alphabetically.",
      ),
    ],
    businessKeys: ["user_id"],
    clusterColumns: ["user_id"],
    subjectKey: "user_id",
    subjectIdentity: "shop_user",
    readers: EVERYONE,
    upstream: ["silver.events", "silver.sessions"],
  },
  {
    layer: "gold",
    name: "product_performance",
    description: "Per product and day: funnel counts, revenue and conversion rates.",
    columns: [
      column("product_id", "BIGINT", "Product.", { nullable: false }),
      column("event_date", "DATE", "UTC day.", { nullable: false }),
      count("views", "View events."),
      count("carts", "Cart events."),
      count("purchases", "Purchase events."),
      money("revenue", "Sum of purchase prices."),
      rate("view_to_cart_rate", "carts / views."),
      rate("cart_to_purchase_rate", "purchases / carts."),
    ],
    businessKeys: ["product_id", "event_date"],
    clusterColumns: ["event_date", "product_id"],
    shareable: true,
    // Daily product funnels: drift in views or conversion rates shows a broken tracker or catalogue feed.
    monitor: { profile: "timeSeries", timestampColumn: "event_date", granularities: ["1 day"] },
    readers: EVERYONE,
    upstream: ["silver.events"],
  },
  {
    layer: "gold",
    name: "daily_sales_summary",
    description:
      "Per day: web shop revenue, orders, buyers, average order value and events by type; store (POS) sales; " +
      "total revenue.",
    columns: [
      column("sales_date", "DATE", "UTC day.", { nullable: false }),
      money("revenue", "Sum of purchase prices."),
      count("orders", "Purchase events (each purchase event is one order line in the clickstream)."),
      count("buyers", "Distinct users with a purchase."),
      column("avg_order_value", "DECIMAL(18,2)", "revenue / orders; null without orders."),
      count("views", "View events."),
      count("carts", "Cart events."),
      count("removes", "remove_from_cart events."),
      money("store_revenue", "Sum of quantity x unit_price of the stores' till lines (silver.pos_events)."),
      count("store_sales", "Till transaction lines (silver.pos_events)."),
      count("store_units", "Units sold in the stores."),
      money("total_revenue", "revenue + store_revenue."),
    ],
    businessKeys: ["sales_date"],
    clusterColumns: ["sales_date"],
    shareable: true,
    servedByDataApp: true,
    monitor: { profile: "timeSeries", timestampColumn: "sales_date", granularities: ["1 day", "1 week"] },
    readers: EVERYONE,
    upstream: ["silver.events", "silver.pos_events"],
  },
  {
    layer: "gold",
    name: "conversion_funnel",
    // An aggregate of silver, recomputed by its job.
    recovery: "rebuildable",
    description:
      "Per day and top-level category: sessions that viewed, carted and purchased, with step rates; " +
      "carts of the cart stream and how many were abandoned.",
    columns: [
      column("event_date", "DATE", "UTC day.", { nullable: false }),
      column("category_l1", "STRING", "Top-level category; 'unknown' when the product has none.", {
        nullable: false,
      }),
      count("sessions_viewed", "Sessions with a view in the category."),
      count("sessions_carted", "Sessions with a cart event in the category."),
      count("sessions_purchased", "Sessions with a purchase in the category."),
      rate("view_to_cart_rate", "sessions_carted / sessions_viewed."),
      rate("cart_to_purchase_rate", "sessions_purchased / sessions_carted."),
      rate("view_to_purchase_rate", "sessions_purchased / sessions_viewed."),
      count(
        "carting_users",
        "Users with an add-to-cart action (silver.cart_events) for a product of the category (silver.dim_product).",
      ),
      count("abandoned_carts", "Of carting_users, those without a purchase in the category that day."),
      rate("cart_abandonment_rate", "abandoned_carts / carting_users."),
    ],
    businessKeys: ["event_date", "category_l1"],
    clusterColumns: ["event_date"],
    shareable: true,
    servedByDataApp: true,
    readers: EVERYONE,
    upstream: ["silver.events", "silver.cart_events", "silver.dim_product"],
  },
  {
    layer: "gold",
    name: "fact_orders",
    // Finance reports read it; it must be back within the critical RPO.
    recovery: "critical",
    description: "One row per order with its amounts and delivery time.",
    columns: [
      column("order_id", "STRING", "Order.", { nullable: false }),
      column("customer_id", "STRING", "Customer.", { nullable: false }),
      column("order_date", "DATE", "UTC purchase day.", { nullable: false }),
      column("order_status", "STRING", "Latest status.", { nullable: false }),
      column("purchased_at", "TIMESTAMP", "Purchase time.", { nullable: false }),
      column("delivered_at", "TIMESTAMP", "Delivery to the customer."),
      count("items", "Order lines."),
      money("items_amount", "Sum of item prices."),
      money("freight_amount", "Sum of freight."),
      money("total_amount", "items_amount + freight_amount."),
      column("delivery_days", "INT", "Days from purchase to delivery; null until delivered."),
    ],
    businessKeys: ["order_id"],
    eventTimeColumn: "purchased_at",
    clusterColumns: ["order_date"],
    // Finance reads it: null rates and amount distributions by purchase day.
    monitor: { profile: "timeSeries", timestampColumn: "purchased_at", granularities: ["1 day"] },
    subjectKey: "customer_id",
    readers: EVERYONE,
    upstream: ["silver.orders", "silver.order_items"],
  },
  {
    layer: "gold",
    name: "fact_order_items",
    // Line items of fact_orders; both come back to the same point.
    recovery: "critical",
    description: "One row per order line, with the order's customer and date.",
    columns: [
      column("order_id", "STRING", "Order.", { nullable: false }),
      column("order_item_id", "INT", "Line number.", { nullable: false }),
      column("product_id", "STRING", "Marketplace (Olist) product id.", { nullable: false }),
      column("customer_id", "STRING", "Customer of the order."),
      column("order_date", "DATE", "UTC purchase day of the order."),
      money("price", "Item price."),
      money("freight_value", "Freight of the item."),
    ],
    businessKeys: ["order_id", "order_item_id"],
    clusterColumns: ["order_date"],
    subjectKey: "customer_id",
    readers: EVERYONE,
    upstream: ["silver.order_items", "silver.orders"],
  },
  {
    layer: "gold",
    name: "dim_customer_current",
    description: "The current version of every customer, for BI.",
    columns: [
      column("customer_id", "STRING", "Customer.", { nullable: false }),
      column("shop_user_id", "BIGINT", "The customer's web shop user id; null without a shop account."),
      column("email", "STRING", "Email address.", { pii: "email" }),
      column("first_name", "STRING", "Given name.", { pii: "name" }),
      column("last_name", "STRING", "Family name.", { pii: "name" }),
      column("phone", "STRING", "Phone number.", { pii: "phone" }),
      column("city", "STRING", "City."),
      column("state", "STRING", "State code."),
      column("region", "STRING", "Sales region.", { nullable: false }),
      column("customer_since", "TIMESTAMP", "effective_from of the first version."),
      column("effective_from", "TIMESTAMP", "effective_from of the current version.", { nullable: false }),
    ],
    businessKeys: ["customer_id"],
    clusterColumns: ["customer_id"],
    subjectKey: "customer_id",
    identityColumns: { shop_user: "shop_user_id" },
    rowFilter: { column: "region", rule: "region" },
    readers: EVERYONE,
    upstream: ["silver.dim_customer"],
  },
  {
    layer: "gold",
    name: "dim_product_current",
    description: "Every product with its current catalogue values, for BI.",
    columns: [
      column("product_id", "BIGINT", "Shop catalogue product id.", { nullable: false }),
      column("marketplace_product_id", "STRING", "Marketplace (Olist) product id; null when not sold there."),
      column("product_name", "STRING", "Display name."),
      column("category_code", "STRING", "Dotted category path."),
      column("category_l1", "STRING", "Top-level category."),
      column("brand", "STRING", "Brand."),
      column("list_price", "DECIMAL(12,2)", "Catalogue price."),
    ],
    businessKeys: ["product_id"],
    clusterColumns: ["product_id"],
    shareable: true,
    // A small dimension: each refresh profiles all of it (null brands, price ranges).
    monitor: { profile: "snapshot" },
    readers: EVERYONE,
    upstream: ["silver.dim_product"],
  },
  {
    layer: "gold",
    name: "customer_360",
    description:
      "One row per customer joining the current CRM profile, orders, web activity and support tickets.",
    columns: [
      column("customer_id", "STRING", "Customer.", { nullable: false }),
      column("email", "STRING", "Email address.", { pii: "email" }),
      column("first_name", "STRING", "Given name.", { pii: "name" }),
      column("last_name", "STRING", "Family name.", { pii: "name" }),
      column("region", "STRING", "Sales region.", { nullable: false }),
      count("orders", "Orders placed."),
      money("lifetime_revenue", "Sum of order totals."),
      column("first_order_at", "TIMESTAMP", "First order."),
      column("last_order_at", "TIMESTAMP", "Latest order."),
      count("sessions", "Web sessions."),
      column("last_seen_at", "TIMESTAMP", "Latest web event."),
      count("tickets", "Support tickets."),
      count("open_tickets", "Tickets not solved or closed."),
    ],
    businessKeys: ["customer_id"],
    clusterColumns: ["customer_id"],
    subjectKey: "customer_id",
    rowFilter: { column: "region", rule: "region" },
    readers: EVERYONE,
    upstream: [
      "silver.dim_customer",
      "silver.orders",
      "silver.order_items",
      "silver.sessions",
      "silver.support_tickets",
    ],
  },
  {
    layer: "gold",
    name: "rfm_segments",
    description:
      "Recency, frequency and monetary quintile scores and a named segment per customer, as of a date.",
    columns: [
      column("customer_id", "STRING", "Customer.", { nullable: false }),
      column("as_of_date", "DATE", "Day the scores are computed for.", { nullable: false }),
      column("recency_days", "INT", "Days since the latest order.", { nullable: false }),
      count("frequency", "Orders."),
      money("monetary", "Sum of order totals."),
      column("r_score", "INT", "Recency quintile by rank, 5 = most recent; ties share a score.", {
        nullable: false,
      }),
      column("f_score", "INT", "Frequency quintile by rank, 5 = most orders; ties share a score.", {
        nullable: false,
      }),
      column("m_score", "INT", "Monetary quintile by rank, 5 = highest spend; ties share a score.", {
        nullable: false,
      }),
      column(
        "segment",
        "STRING",
        "champions, loyal, potential_loyalist, new, at_risk, cant_lose, hibernating or other.",
        {
          nullable: false,
        },
      ),
    ],
    businessKeys: ["customer_id", "as_of_date"],
    clusterColumns: ["as_of_date"],
    subjectKey: "customer_id",
    readers: EVERYONE,
    upstream: ["silver.orders", "silver.order_items"],
  },
  {
    layer: "gold",
    name: "clv",
    description:
      "Customer lifetime value: historical value and a simple predicted 12-month value " +
      "(average order value x orders per month x 12, over the customer's active months).",
    columns: [
      column("customer_id", "STRING", "Customer.", { nullable: false }),
      column("as_of_date", "DATE", "Day the value is computed for.", { nullable: false }),
      money("historical_value", "Sum of order totals so far."),
      count("orders", "Orders so far."),
      column("avg_order_value", "DECIMAL(18,2)", "historical_value / orders."),
      column("active_months", "DOUBLE", "Months from first order to as_of_date, at least 1."),
      column("predicted_value_12m", "DECIMAL(18,2)", "avg_order_value x orders / active_months x 12."),
    ],
    businessKeys: ["customer_id", "as_of_date"],
    clusterColumns: ["as_of_date"],
    subjectKey: "customer_id",
    readers: EVERYONE,
    upstream: ["silver.orders", "silver.order_items"],
  },
  {
    layer: "gold",
    name: "churn_features",
    // Features recomputed from silver by their job.
    recovery: "rebuildable",
    description: "Per customer and date: features for churn models and the label for a given horizon.",
    columns: [
      column("customer_id", "STRING", "Customer.", { nullable: false }),
      column("as_of_date", "DATE", "Day the features describe.", { nullable: false }),
      column("days_since_last_purchase", "INT", "Days since the latest order; null without orders."),
      count("orders_90d", "Orders in the 90 days up to as_of_date."),
      count("orders_prev_90d", "Orders in the 90 days before those."),
      column("purchase_trend", "DOUBLE", "orders_90d - orders_prev_90d."),
      count("tickets_90d", "Support tickets opened in the last 90 days."),
      count("open_tickets", "Tickets not solved or closed."),
      count("sessions_30d", "Web sessions in the last 30 days."),
      column("horizon_days", "INT", "Label horizon.", { nullable: false }),
      column(
        "churned",
        "BOOLEAN",
        "No order within horizon_days after as_of_date; null when the horizon is not over.",
      ),
    ],
    businessKeys: ["customer_id", "as_of_date"],
    clusterColumns: ["as_of_date"],
    subjectKey: "customer_id",
    readers: ["data_engineers", "data_scientists", "pii_readers"],
    upstream: ["silver.orders", "silver.support_tickets", "silver.sessions", "silver.dim_customer"],
  },
] as const satisfies readonly TableDeclaration[];

/** The name of a declared gold table. */
export type GoldTableName = (typeof GOLD_TABLES)[number]["name"];
