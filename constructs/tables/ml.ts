import { column } from "./columns";
import type { TableDeclaration } from "./types";

/**
 * ML: tables the ML jobs write (lakehouse.ml, docs/ml.md), in the `ml` schema beside the registered models.
 * The medallion jobs never build them; `upstream` records what the ML job that writes them reads.
 */
export const ML_TABLES: readonly TableDeclaration[] = [
  {
    layer: "ml",
    name: "churn_scores",
    description:
      "Per customer and date: churn probability from the model version aliased champion, for the sales dashboard and the CRM export.",
    columns: [
      column("customer_id", "STRING", "Customer.", { nullable: false }),
      column("as_of_date", "DATE", "Day of the churn_features snapshot that was scored.", {
        nullable: false,
      }),
      column("churn_probability", "DOUBLE", "Predicted probability (0-1) that the customer churns.", {
        nullable: false,
      }),
      column("risk_decile", "INT", "Decile of churn_probability within the day, 10 = highest risk.", {
        nullable: false,
      }),
      column("model_name", "STRING", "Registered model that scored the row.", { nullable: false }),
      column("model_version", "STRING", "Version of the registered model (the champion at scoring time).", {
        nullable: false,
      }),
      column("scored_at", "TIMESTAMP", "When the scoring job wrote the row.", { nullable: false }),
    ],
    businessKeys: ["customer_id", "as_of_date"],
    clusterColumns: ["as_of_date"],
    subjectKey: "customer_id",
    readers: ["data_engineers", "data_analysts", "data_scientists", "pii_readers"],
    // Lineage: the scoring job reads the features (not a medallion build: ml tables have no medallion task).
    upstream: ["gold.churn_features"],
  },
];
