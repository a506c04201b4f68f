import { Recipient } from "@cdktf/provider-databricks/lib/recipient";
import { Construct } from "constructs";
import type { ShareRecipientConfig } from "../../environments/serving";

/** Properties of a {@link ShareRecipient}. */
export interface ShareRecipientProps {
  /** The recipient as the environment file declares it. */
  readonly recipient: ShareRecipientConfig;
  /** Principal owning the recipient. @default the deploying identity */
  readonly owner?: string;
  /** @default none */
  readonly comment?: string;
}

/**
 * A Delta Sharing recipient (`databricks_recipient`): another Databricks metastore by its sharing identifier,
 * or an open-sharing recipient whose bearer token works only from its IP ranges and until its expiry date.
 *
 * @see https://learn.microsoft.com/azure/databricks/delta-sharing/create-recipient
 */
export class ShareRecipient extends Construct {
  /** The `databricks_recipient` resource. */
  public readonly resource: Recipient;
  /** Recipient name, the principal of share grants. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: ShareRecipientProps) {
    super(scope, id);
    const r = props.recipient;
    this.name = r.name;
    if (r.authentication === "databricks") {
      this.resource = new Recipient(this, "Resource", {
        name: r.name,
        authenticationType: "DATABRICKS",
        dataRecipientGlobalMetastoreId: r.sharingIdentifier,
        owner: props.owner,
        comment: props.comment,
      });
      return;
    }
    if (r.allowedIpRanges.length === 0) {
      throw new Error(
        `token recipient '${r.name}' needs allowedIpRanges: an open token must not work from anywhere`,
      );
    }
    this.resource = new Recipient(this, "Resource", {
      name: r.name,
      authenticationType: "TOKEN",
      ipAccessList: { allowedIpAddresses: [...r.allowedIpRanges] },
      expirationTime: Date.parse(`${r.expiresOn}T00:00:00Z`),
      owner: props.owner,
      comment: props.comment,
    });
  }
}
