import { DisableLegacyAccessSetting } from "@cdktf/provider-databricks/lib/disable-legacy-access-setting";
import { DisableLegacyDbfsSetting } from "@cdktf/provider-databricks/lib/disable-legacy-dbfs-setting";
import { IpAccessList } from "@cdktf/provider-databricks/lib/ip-access-list";
import { WorkspaceConf } from "@cdktf/provider-databricks/lib/workspace-conf";
import { Construct } from "constructs";

/** Properties of {@link WorkspaceHardening}. */
export interface WorkspaceHardeningProps {
  /**
   * Public ranges allowed to reach the workspace's public endpoint (the deploy runner, administrators). With
   * IP access lists on, every other address is refused, tokens included.
   */
  readonly allowedIpRanges: readonly string[];
  /**
   * Longest lifetime a personal access token may be created with, in days.
   * @default 90
   */
  readonly maxTokenLifetimeDays?: number;
}

/**
 * Workspace settings that close paths around Unity Catalog: IP access lists (only the allowed ranges reach
 * the public endpoint), a maximum token lifetime, no DBFS file browser or result downloads to laptops, and the
 * legacy features disabled (DBFS root and mounts, Hive metastore, no-isolation clusters), so no data lives
 * outside Unity Catalog's grants and masks.
 *
 * @see https://learn.microsoft.com/azure/databricks/security/network/front-end/ip-access-list-workspace
 * @see https://learn.microsoft.com/azure/databricks/admin/account-settings/legacy-features
 */
export class WorkspaceHardening extends Construct {
  constructor(scope: Construct, id: string, props: WorkspaceHardeningProps) {
    super(scope, id);
    const days = props.maxTokenLifetimeDays ?? 90;
    if (!Number.isInteger(days) || days < 1 || days > 730) {
      throw new Error(`maxTokenLifetimeDays must be a whole number of days from 1 to 730, got ${days}`);
    }
    if (props.allowedIpRanges.length === 0) {
      throw new Error("allowedIpRanges must name at least one range: an empty allow list locks everyone out");
    }
    const conf = new WorkspaceConf(this, "Conf", {
      customConfig: {
        enableIpAccessLists: "true",
        maxTokenLifetimeDays: String(days),
        enableTokensConfig: "true",
        enableDbfsFileBrowser: "false",
        enableResultsDownloading: "false",
        enableExportNotebook: "false",
      },
    });
    new IpAccessList(this, "AllowList", {
      label: "allowed-ranges",
      listType: "ALLOW",
      ipAddresses: [...props.allowedIpRanges].sort(),
      enabled: true,
      dependsOn: [conf],
    });
    new DisableLegacyDbfsSetting(this, "NoLegacyDbfs", { disableLegacyDbfs: { value: true } });
    new DisableLegacyAccessSetting(this, "NoLegacyAccess", { disableLegacyAccess: { value: true } });
  }
}
