import { AzurermProvider } from "@cdktn/provider-azurerm/lib/provider";
import { StorageManagementPolicy } from "@cdktn/provider-azurerm/lib/storage-management-policy";
import { TerraformStack, Testing } from "cdktn";
import { Construct } from "constructs";
import { StorageLifecycle } from "../../constructs/platform/storage-lifecycle";
import { lifecycleExcludesTablesRule } from "../../constructs/policy/rules/lifecycle-excludes-tables";

function newStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "test");
  new AzurermProvider(stack, "Azurerm", { features: [{}] });
  return stack;
}

function policyWithPrefixes(...prefixes: string[][]): StorageManagementPolicy {
  return new StorageManagementPolicy(newStack(), "Policy", {
    storageAccountId: "/subscriptions/x/storageAccounts/st",
    rule: prefixes.map((prefixMatch, i) => ({
      name: `rule-${i}`,
      enabled: true,
      filters: { blobTypes: ["blockBlob"], prefixMatch },
      actions: { baseBlob: { tierToArchiveAfterDaysSinceModificationGreaterThan: 90 } },
    })),
  });
}

describe("lifecycleExcludesTablesRule (LH-AZ-002)", () => {
  it("is compliant when every rule matches landing files only", () => {
    const lifecycle = new StorageLifecycle(newStack(), "Lifecycle", {
      storageAccountId: "/subscriptions/x/storageAccounts/st",
      rules: [{ name: "landing-files", prefix: "landing/", coolAfterDays: 30, archiveAfterDays: 90 }],
    });
    expect(lifecycleExcludesTablesRule.evaluate(lifecycle.resource)).toEqual({ status: "compliant" });
  });

  it("is non-compliant when a rule matches a table or checkpoint path, naming the rule and prefix", () => {
    const outcome = lifecycleExcludesTablesRule.evaluate(
      policyWithPrefixes(["landing/"], ["silver/events/"]),
    );
    expect(outcome).toEqual({
      status: "non-compliant",
      message: expect.stringMatching(
        /azurerm_storage_management_policy 'test\/Policy': rule 'rule-1' prefix 'silver\/events\/' is in container 'silver', which holds Delta tables or checkpoints; lifecycle rules may match landing files only/,
      ),
    });
    expect(lifecycleExcludesTablesRule.evaluate(policyWithPrefixes(["checkpoints/"])).status).toBe(
      "non-compliant",
    );
  });

  it("is non-compliant when a rule has no prefix (it matches the whole account) or a container-name stem", () => {
    expect(JSON.stringify(lifecycleExcludesTablesRule.evaluate(policyWithPrefixes([])))).toMatch(
      /prefix '' is empty, which matches every blob/,
    );
    expect(JSON.stringify(lifecycleExcludesTablesRule.evaluate(policyWithPrefixes(["go"])))).toMatch(
      /prefix 'go' matches the table container\(s\) gold/,
    );
  });

  it("does not apply to other constructs", () => {
    expect(lifecycleExcludesTablesRule.evaluate(new Construct(newStack(), "Plain"))).toEqual({
      status: "not-applicable",
    });
  });
});
