import { Share } from "@cdktf/provider-databricks/lib/share";
import { Construct } from "constructs";
import { SecurableGrants } from "../governance/securable-grants";
import type { CatalogueTable } from "../tables/catalogue";
import type { ShareRecipient } from "./share-recipient";

/** Properties of a {@link DeltaShare}. */
export interface DeltaShareProps {
  /** Share name in the metastore. */
  readonly name: string;
  /** @default none */
  readonly comment?: string;
  /** Principal owning the share. @default the deploying identity */
  readonly owner?: string;
}

/** A table in a share: the catalogue declaration (the security rules read it) and its full name. */
export interface SharedTable {
  readonly table: CatalogueTable;
  /** `catalog.schema.table`. */
  readonly fullName: string;
}

/**
 * A Delta Share (`databricks_share`) of catalogue tables with one authoritative grants resource naming the
 * recipients that may read it.
 *
 * Column masks and row filters do not travel with a share, so the `LH-SEC-010` rule fails synthesis when a
 * shared table holds personal data; only tables the catalogue marks `shareable` are meant to be added.
 *
 * @see https://learn.microsoft.com/azure/databricks/delta-sharing/create-share
 */
export class DeltaShare extends Construct {
  /** The `databricks_share` resource. */
  public readonly resource: Share;
  /** Share name in the metastore. */
  public readonly name: string;
  private readonly shared: SharedTable[] = [];
  private readonly grants: SecurableGrants;

  constructor(scope: Construct, id: string, props: DeltaShareProps) {
    super(scope, id);
    this.name = props.name;
    this.resource = new Share(this, "Resource", {
      name: props.name,
      comment: props.comment,
      owner: props.owner,
    });
    this.grants = new SecurableGrants(this, "Grants", { share: this.resource.name });
    this.node.addValidation({
      validate: () =>
        this.shared.length === 0 ? [`share '${props.name}' holds no table; add one or remove it`] : [],
    });
  }

  /** The tables in the share, in the order they were added. */
  public get tables(): readonly SharedTable[] {
    return this.shared;
  }

  /** Adds a table (history not shared: a recipient reads the current version only). */
  public addTable(table: CatalogueTable, fullName: string): void {
    if (this.shared.some((s) => s.fullName === fullName)) {
      throw new Error(`table ${fullName} is already in share '${this.name}'`);
    }
    this.shared.push({ table, fullName });
    this.resource.putObject(
      this.shared.map((s) => ({
        name: s.fullName,
        dataObjectType: "TABLE",
        comment: s.table.description,
        historyDataSharingStatus: "DISABLED",
      })),
    );
  }

  /** Lets `recipient` read every table of the share (SELECT on the share). */
  public grantRead(recipient: ShareRecipient): void {
    this.grants.add(recipient.name, "SELECT");
  }
}
