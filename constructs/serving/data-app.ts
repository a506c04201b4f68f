import { App } from "@cdktf/provider-databricks/lib/app";
import { Grant } from "@cdktf/provider-databricks/lib/grant";
import { Construct } from "constructs";
import type { Schema } from "../catalog/schema";
import type { SqlWarehouse } from "../compute/sql-warehouse";
import { pascal } from "../core/names";
import { ObjectPermissions } from "../governance/object-permissions";

/** Properties of a {@link DataApp}. */
export interface DataAppProps {
  /** App name: lowercase letters, digits and '-', at most 30 characters. */
  readonly name: string;
  /** @default none */
  readonly description?: string;
  /** Warehouse the app queries (its service principal gets CAN_USE through the app's resources). */
  readonly warehouse: SqlWarehouse;
  /** Schema holding the tables the app reads (its service principal gets USE_SCHEMA and USE_CATALOG). */
  readonly schema: Schema;
  /** Full names of the tables the app reads; its service principal gets SELECT on exactly these. */
  readonly tables: readonly string[];
}

/**
 * A Databricks App (`databricks_app`) whose service principal is granted only what the app reads: CAN_USE on one
 * SQL warehouse (an app resource named `sql-warehouse`, which the app's manifest reads its id from), USE on the
 * schema and catalog, SELECT on the listed tables (additive `databricks_grant`s, since the tables' other
 * grants come from the governance SQL).
 *
 * The pinned provider (1.84.0) creates the app and its compute but does not deploy source code: deploy with
 * `databricks apps deploy <name> --source-code-path <folder>` (docs/serving.md).
 *
 * @see https://learn.microsoft.com/azure/databricks/dev-tools/databricks-apps/
 */
export class DataApp extends Construct {
  /** The `databricks_app` resource. */
  public readonly resource: App;
  private readonly permissions: ObjectPermissions;

  constructor(scope: Construct, id: string, props: DataAppProps) {
    super(scope, id);
    if (!/^[a-z0-9-]{2,30}$/.test(props.name)) {
      throw new Error(
        `app name '${props.name}' must be 2-30 lowercase letters, digits or '-'; shorten or rename it`,
      );
    }
    if (props.tables.length === 0) throw new Error(`app '${props.name}' reads no table; name at least one`);
    this.resource = new App(this, "Resource", {
      name: props.name,
      description: props.description,
      resources: [
        {
          name: "sql-warehouse",
          description: "Warehouse the app queries gold through.",
          sqlWarehouse: { id: props.warehouse.warehouseId, permission: "CAN_USE" },
        },
      ],
    });
    const principal = this.resource.servicePrincipalClientId;
    props.schema.grantUse(principal);
    for (const table of [...props.tables].sort()) {
      new Grant(this, `Read${pascal(table.split(".").slice(1).join("_"))}`, {
        table,
        principal,
        privileges: ["SELECT"],
      });
    }
    this.permissions = new ObjectPermissions(this, "Permissions", { appName: this.resource.name });
  }

  /** Lets `principal` open the app (CAN_USE). */
  public grantUse(principal: string): void {
    this.permissions.grant(principal, "CAN_USE");
  }

  /** Lets `principal` deploy, configure and stop the app (CAN_MANAGE). */
  public grantManage(principal: string): void {
    this.permissions.grant(principal, "CAN_MANAGE");
  }
}
