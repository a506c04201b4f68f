import { StorageManagementPolicy } from "@cdktn/provider-azurerm/lib/storage-management-policy";
import { Construct } from "constructs";

/** One lifecycle rule: which blobs, and after how many days since their last change they move or go. */
export interface LifecycleRule {
  /** Rule name, unique in the policy. */
  readonly name: string;
  /** Blobs the rule applies to, as `<container>/<path prefix>` (e.g. `landing/`). */
  readonly prefix: string;
  /** Days since the last modification before a blob moves to the cool tier. */
  readonly coolAfterDays: number;
  /** Days since the last modification before a blob moves to the archive tier. */
  readonly archiveAfterDays: number;
  /** Days since the last modification before a blob is deleted. @default never: archived blobs stay */
  readonly deleteAfterDays?: number;
}

/** Properties of a {@link StorageLifecycle}. */
export interface StorageLifecycleProps {
  /** The storage account the policy manages. */
  readonly storageAccountId: string;
  /** The rules; each matches its prefix only, never the whole account. */
  readonly rules: readonly LifecycleRule[];
}

/**
 * The lifecycle management policy of the data lake: tiers landing files to cool and archive and deletes them
 * when they expire. Only the files the rules' prefixes name are touched; Delta table data and checkpoints must
 * never match (an archived blob is unreadable until rehydrated, hours later), which the rule
 * `lifecycleExcludesTablesRule` (LH-AZ-002) checks on the synthesized policy.
 *
 * @see https://learn.microsoft.com/azure/storage/blobs/lifecycle-management-overview
 */
export class StorageLifecycle extends Construct {
  /** The `azurerm_storage_management_policy`. */
  public readonly resource: StorageManagementPolicy;

  constructor(scope: Construct, id: string, props: StorageLifecycleProps) {
    super(scope, id);
    if (props.rules.length === 0) throw new Error("a storage lifecycle needs at least one rule");
    for (const rule of props.rules) {
      if (!/^[^/]+\/.*$/.test(rule.prefix)) {
        throw new Error(
          `lifecycle rule '${rule.name}' has prefix '${rule.prefix}'; write '<container>/<path>'`,
        );
      }
    }
    this.resource = new StorageManagementPolicy(this, "Resource", {
      storageAccountId: props.storageAccountId,
      rule: props.rules.map((rule) => ({
        name: rule.name,
        enabled: true,
        filters: { blobTypes: ["blockBlob"], prefixMatch: [rule.prefix] },
        actions: {
          baseBlob: {
            tierToCoolAfterDaysSinceModificationGreaterThan: rule.coolAfterDays,
            tierToArchiveAfterDaysSinceModificationGreaterThan: rule.archiveAfterDays,
            ...(rule.deleteAfterDays === undefined
              ? {}
              : { deleteAfterDaysSinceModificationGreaterThan: rule.deleteAfterDays }),
          },
        },
      })),
    });
  }
}
