import { AzurermProvider } from "@cdktn/provider-azurerm/lib/provider";
import { ResourceGroup } from "@cdktn/provider-azurerm/lib/resource-group";
import { RoleAssignment } from "@cdktn/provider-azurerm/lib/role-assignment";
import { StorageAccount } from "@cdktn/provider-azurerm/lib/storage-account";
import { Aspects, TerraformStack, Testing } from "cdktn";
import { Construct } from "constructs";
import { PolicyAspect } from "../../constructs/policy/policy-aspect";
import { REQUIRED_TAGS, requiredTagsRule } from "../../constructs/policy/rules/required-tags";
import { synthesizeAll } from "./synth";

const TAGS = {
  environment: "dev",
  owner: "data-platform",
  costCenter: "cc-4711",
  managedBy: "lakehouse-cdktf",
};

function newStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "test");
  new AzurermProvider(stack, "Azurerm", { features: [{}] });
  return stack;
}

describe("requiredTagsRule (LH-AZ-001)", () => {
  it("is compliant when a taggable resource carries every required tag", () => {
    const group = new ResourceGroup(newStack(), "Group", { name: "rg", location: "westeurope", tags: TAGS });
    expect(requiredTagsRule.evaluate(group)).toEqual({ status: "compliant" });
  });

  it("is non-compliant when a tag is missing, naming the tag and the fix", () => {
    const { costCenter: _, ...withoutCostCenter } = TAGS;
    const group = new ResourceGroup(newStack(), "Group", {
      name: "rg",
      location: "westeurope",
      tags: withoutCostCenter,
    });
    expect(requiredTagsRule.evaluate(group)).toEqual({
      status: "non-compliant",
      message: expect.stringMatching(
        /azurerm_resource_group 'test\/Group' is missing the required tag\(s\) costCenter; pass environmentTags\(env\)/,
      ),
    });
  });

  it("is non-compliant when a taggable resource has no tags at all", () => {
    const group = new ResourceGroup(newStack(), "Group", { name: "rg", location: "westeurope" });
    const outcome = requiredTagsRule.evaluate(group);
    expect(outcome.status).toBe("non-compliant");
    for (const tag of REQUIRED_TAGS) expect(JSON.stringify(outcome)).toContain(tag);
  });

  it("does not apply to azurerm resources without a tags argument or to plain constructs", () => {
    const stack = newStack();
    const role = new RoleAssignment(stack, "Role", {
      scope: "/x",
      principalId: "p",
      roleDefinitionName: "Reader",
    });
    expect(requiredTagsRule.evaluate(role)).toEqual({ status: "not-applicable" });
    expect(requiredTagsRule.evaluate(new Construct(stack, "Plain"))).toEqual({ status: "not-applicable" });
  });
});

describe("PolicyAspect", () => {
  it("fails synthesis listing every untagged resource", () => {
    const stack = newStack();
    Aspects.of(stack).add(new PolicyAspect([requiredTagsRule]));
    new ResourceGroup(stack, "Tagged", { name: "rg1", location: "westeurope", tags: TAGS });
    new ResourceGroup(stack, "Untagged", { name: "rg2", location: "westeurope" });
    new StorageAccount(stack, "Storage", {
      name: "st",
      resourceGroupName: "rg2",
      location: "westeurope",
      accountTier: "Standard",
      accountReplicationType: "LRS",
      tags: { owner: "x" },
    });
    expect(() => Testing.fullSynth(stack)).toThrow(
      /\[test\/Untagged\] LH-AZ-001: .*missing[\s\S]*\[test\/Storage\] LH-AZ-001: .*missing the required tag\(s\) environment, costCenter, managedBy/,
    );
  });

  it("finds no untagged resource in any real platform stack", () => {
    // synthesizeAll runs a full app.synth(), which throws on any error annotation.
    const environments = synthesizeAll();
    for (const { stacks } of environments.values()) {
      const errors = stacks.platform.node
        .findAll()
        .flatMap((c) =>
          c.node.metadata.filter((m) => m.type === "@cdktf/error").map((m) => `${c.node.path}: ${m.data}`),
        );
      expect(errors).toEqual([]);
    }
  });

  it("sees every taggable azurerm resource of the real stacks carry the four tags", () => {
    for (const { env, platform } of synthesizeAll().values()) {
      for (const [type, resources] of Object.entries(platform.resource)) {
        for (const [name, resource] of Object.entries(resources)) {
          if (!("tags" in resource)) continue;
          expect({ resource: `${type}.${name}`, tags: resource.tags }).toEqual({
            resource: `${type}.${name}`,
            tags: expect.objectContaining({
              environment: env.name,
              owner: env.azure.tags.owner,
              costCenter: env.azure.tags.costCenter,
              managedBy: "lakehouse-cdktf",
            }),
          });
        }
      }
    }
  });
});
