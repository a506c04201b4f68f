import type { Environment } from "../../environments/schema";
import type { TableCatalogue } from "../tables/catalogue";
import type { DashboardDefinition } from "./lakeview";
import { servingQuery } from "./serving-query";

/** Days of history the trend widgets show, counted back from the latest day the table holds. */
const TREND_DAYS = 90;
/** Days the rankings (top products, categories, funnel) cover. */
const RANKING_DAYS = 30;
/** Upper bounds of the predicted 12-month value bands of the CLV distribution. */
const CLV_BANDS = [100, 250, 500, 1000];

/**
 * The sales dashboard: revenue trend, top products and categories, conversion funnel, RFM segments, CLV
 * distribution and the customers with the most churn signals, all from gold tables of the catalogue. It runs as
 * the viewer, so masks and row filters of the viewer apply.
 */
export function salesDashboard(env: Environment, catalogue: TableCatalogue): DashboardDefinition {
  const query = (name: string, columns: readonly string[], build: Parameters<typeof servingQuery>[5]) =>
    servingQuery(env, catalogue, "dashboard sales, dataset", name, columns, build);

  const kpis = query("sales_kpis", ["revenue", "orders", "buyers"], (q) => {
    const d = q.gold("daily_sales_summary");
    return `
SELECT sum(${d.col("revenue")}) AS revenue, sum(${d.col("orders")}) AS orders, sum(${d.col("buyers")}) AS buyers
FROM ${d}
WHERE ${d.col("sales_date")} >= date_sub((SELECT max(${d.col("sales_date")}) FROM ${d}), ${RANKING_DAYS - 1})`;
  });

  const daily = query(
    "daily_sales",
    ["sales_date", "revenue", "orders", "buyers", "avg_order_value"],
    (q) => {
      const d = q.gold("daily_sales_summary");
      const c = (n: string) => d.col(n);
      return `
SELECT ${c("sales_date")}, ${c("revenue")}, ${c("orders")}, ${c("buyers")}, ${c("avg_order_value")}
FROM ${d}
WHERE ${c("sales_date")} >= date_sub((SELECT max(${c("sales_date")}) FROM ${d}), ${TREND_DAYS - 1})
ORDER BY ${c("sales_date")}`;
    },
  );

  const productWindow = (p: { col(n: string): string; toString(): string }) =>
    `p.${p.col("event_date")} >= date_sub((SELECT max(${p.col("event_date")}) FROM ${p}), ${RANKING_DAYS - 1})`;

  const topProducts = query(
    "top_products",
    ["product_id", "product_name", "category", "purchases", "revenue"],
    (q) => {
      const p = q.gold("product_performance");
      const d = q.gold("dim_product_current");
      return `
SELECT p.${p.col("product_id")}, coalesce(d.${d.col("product_name")}, CAST(p.${p.col("product_id")} AS STRING)) AS product_name,
  coalesce(d.${d.col("category_l1")}, 'unknown') AS category, sum(p.${p.col("purchases")}) AS purchases,
  sum(p.${p.col("revenue")}) AS revenue
FROM ${p} AS p
LEFT JOIN ${d} AS d ON d.${d.col("product_id")} = p.${p.col("product_id")}
WHERE ${productWindow(p)}
GROUP BY p.${p.col("product_id")}, d.${d.col("product_name")}, d.${d.col("category_l1")}
ORDER BY revenue DESC, purchases DESC, p.${p.col("product_id")}
LIMIT 20`;
    },
  );

  const topCategories = query("top_categories", ["category", "views", "purchases", "revenue"], (q) => {
    const p = q.gold("product_performance");
    const d = q.gold("dim_product_current");
    return `
SELECT coalesce(d.${d.col("category_l1")}, 'unknown') AS category, sum(p.${p.col("views")}) AS views,
  sum(p.${p.col("purchases")}) AS purchases, sum(p.${p.col("revenue")}) AS revenue
FROM ${p} AS p
LEFT JOIN ${d} AS d ON d.${d.col("product_id")} = p.${p.col("product_id")}
WHERE ${productWindow(p)}
GROUP BY coalesce(d.${d.col("category_l1")}, 'unknown')
ORDER BY revenue DESC, views DESC
LIMIT 15`;
  });

  const funnel = query("funnel", ["step", "sessions"], (q) => {
    const f = q.gold("conversion_funnel");
    return `
SELECT stack(3, '1 viewed', viewed, '2 carted', carted, '3 purchased', purchased) AS (step, sessions)
FROM (
  SELECT sum(${f.col("sessions_viewed")}) AS viewed, sum(${f.col("sessions_carted")}) AS carted,
    sum(${f.col("sessions_purchased")}) AS purchased
  FROM ${f}
  WHERE ${f.col("event_date")} >= date_sub((SELECT max(${f.col("event_date")}) FROM ${f}), ${RANKING_DAYS - 1})
) AS totals`;
  });

  const rfm = query("rfm_segments", ["segment", "customers", "revenue", "avg_recency_days"], (q) => {
    const r = q.gold("rfm_segments");
    return `
SELECT ${r.col("segment")}, count(*) AS customers, sum(${r.col("monetary")}) AS revenue,
  round(avg(${r.col("recency_days")}), 1) AS avg_recency_days
FROM ${r}
WHERE ${r.col("as_of_date")} = (SELECT max(${r.col("as_of_date")}) FROM ${r})
GROUP BY ${r.col("segment")}
ORDER BY customers DESC, ${r.col("segment")}`;
  });

  const clv = query(
    "clv_distribution",
    ["band_order", "value_band", "customers", "historical_value"],
    (q) => {
      const v = q.gold("clv");
      const value = v.col("predicted_value_12m");
      const cases = CLV_BANDS.map((bound, i) => `WHEN ${value} < ${bound} THEN ${i + 1}`).join(" ");
      const labels = [
        "'no orders'",
        ...CLV_BANDS.map((bound, i) => `'${i === 0 ? 0 : CLV_BANDS[i - 1]}-${bound - 1}'`),
        `'${CLV_BANDS[CLV_BANDS.length - 1]}+'`,
      ];
      return `
SELECT band_order, element_at(array(${labels.join(", ")}), band_order + 1) AS value_band,
  count(*) AS customers, sum(historical_value) AS historical_value
FROM (
  SELECT CASE WHEN ${value} IS NULL THEN 0 ${cases} ELSE ${CLV_BANDS.length + 1} END AS band_order,
    ${v.col("historical_value")} AS historical_value
  FROM ${v}
  WHERE ${v.col("as_of_date")} = (SELECT max(${v.col("as_of_date")}) FROM ${v})
) AS banded
GROUP BY band_order
ORDER BY band_order`;
    },
  );

  const churn = query(
    "churn_risk_customers",
    [
      "customer_id",
      "risk_signals",
      "days_since_last_purchase",
      "orders_90d",
      "orders_prev_90d",
      "open_tickets",
      "sessions_30d",
    ],
    (q) => {
      const c = q.gold("churn_features");
      const n = (name: string) => c.col(name);
      // Heuristic until a churn score table exists: one point per warning sign, most signs first.
      return `
SELECT ${n("customer_id")},
  (CASE WHEN ${n("days_since_last_purchase")} IS NULL OR ${n("days_since_last_purchase")} > 90 THEN 1 ELSE 0 END
   + CASE WHEN ${n("orders_90d")} < ${n("orders_prev_90d")} THEN 1 ELSE 0 END
   + CASE WHEN ${n("open_tickets")} > 0 THEN 1 ELSE 0 END
   + CASE WHEN ${n("sessions_30d")} = 0 THEN 1 ELSE 0 END) AS risk_signals,
  ${n("days_since_last_purchase")}, ${n("orders_90d")}, ${n("orders_prev_90d")}, ${n("open_tickets")}, ${n("sessions_30d")}
FROM ${c}
WHERE ${n("as_of_date")} = (SELECT max(${n("as_of_date")}) FROM ${c})
ORDER BY risk_signals DESC, ${n("days_since_last_purchase")} DESC NULLS FIRST, ${n("customer_id")}
LIMIT 100`;
    },
  );

  return {
    displayName: `Lakehouse ${env.name}: sales`,
    datasets: [
      { query: kpis, displayName: `Sales, last ${RANKING_DAYS} days` },
      { query: daily, displayName: "Daily sales" },
      { query: topProducts, displayName: "Top products" },
      { query: topCategories, displayName: "Top categories" },
      { query: funnel, displayName: "Conversion funnel" },
      { query: rfm, displayName: "RFM segments" },
      { query: clv, displayName: "CLV distribution" },
      { query: churn, displayName: "Churn-risk customers" },
    ],
    pages: [
      {
        name: "sales",
        title: "Sales",
        widgets: [
          {
            kind: "counter",
            dataset: "sales_kpis",
            title: `Revenue, last ${RANKING_DAYS} days`,
            value: "revenue",
          },
          {
            kind: "counter",
            dataset: "sales_kpis",
            title: `Orders, last ${RANKING_DAYS} days`,
            value: "orders",
          },
          {
            kind: "counter",
            dataset: "sales_kpis",
            title: `Buyers, last ${RANKING_DAYS} days`,
            value: "buyers",
          },
          {
            kind: "line",
            dataset: "daily_sales",
            title: "Revenue per day",
            x: "sales_date",
            xScale: "temporal",
            y: "revenue",
          },
          {
            kind: "line",
            dataset: "daily_sales",
            title: "Orders per day",
            x: "sales_date",
            xScale: "temporal",
            y: "orders",
          },
          {
            kind: "bar",
            dataset: "top_categories",
            title: "Revenue by category",
            x: "category",
            xScale: "categorical",
            y: "revenue",
          },
          {
            kind: "bar",
            dataset: "funnel",
            title: "Conversion funnel",
            x: "step",
            xScale: "categorical",
            y: "sessions",
          },
          {
            kind: "table",
            dataset: "top_products",
            title: "Top products",
            columns: ["product_name", "category", "purchases", "revenue"],
          },
        ],
      },
      {
        name: "customers",
        title: "Customers",
        widgets: [
          {
            kind: "pie",
            dataset: "rfm_segments",
            title: "Customers by RFM segment",
            angle: "customers",
            color: "segment",
          },
          {
            kind: "bar",
            dataset: "clv_distribution",
            title: "Predicted 12-month value",
            x: "value_band",
            xScale: "categorical",
            y: "customers",
          },
          {
            kind: "table",
            dataset: "churn_risk_customers",
            title: "Customers with the most churn signals",
            columns: [
              "customer_id",
              "risk_signals",
              "days_since_last_purchase",
              "orders_90d",
              "orders_prev_90d",
              "open_tickets",
              "sessions_30d",
            ],
          },
        ],
      },
    ],
  };
}
