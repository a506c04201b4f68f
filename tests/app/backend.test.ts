import { Testing } from "cdktn";
import { addEnvironments } from "../../constructs/lakehouse-app";
import { tableCatalogue } from "../../constructs/tables/catalogue";
import { loadEnvironment } from "../../environments/load";
import { copyEnvironments, problemsOf, writeVariant } from "../helpers/environments";
import { stackJson, synthJson } from "../helpers/synth";

describe("remote state", () => {
  it("uses the environment's azurerm backend with one key per stack and Entra ID auth", () => {
    const file = writeVariant(copyEnvironments(), "staging", [
      [
        ["remoteState"],
        {
          type: "azurerm",
          resourceGroupName: "rg-tfstate",
          storageAccountName: "sttfstate0001",
          containerName: "tfstate",
        },
      ],
    ]);
    const stacks = addEnvironments(Testing.app(), [loadEnvironment(file)], tableCatalogue());
    const json = synthJson(stacks.get("staging")?.platform as Parameters<typeof synthJson>[0]);
    expect(json.terraform.backend).toEqual({
      azurerm: {
        resource_group_name: "rg-tfstate",
        storage_account_name: "sttfstate0001",
        container_name: "tfstate",
        key: "staging-platform.tfstate",
        use_azuread_auth: true,
      },
    });
  });

  it("keeps staging and prod state in their azurerm backends, each stack under its own key", () => {
    for (const [env, account] of [
      ["staging", "stecomtfstatestg01"],
      ["prod", "stecomtfstateprd01"],
    ]) {
      for (const role of ["platform", "lakehouse"]) {
        expect(stackJson(`${env}-${role}`).terraform.backend.azurerm).toMatchObject({
          storage_account_name: account,
          key: `${env}-${role}.tfstate`,
          use_azuread_auth: true,
        });
      }
    }
    expect(stackJson("dev-lakehouse").terraform.backend).toEqual({
      local: { path: "terraform.dev-lakehouse.tfstate" },
    });
  });

  it("fails if staging or prod keeps local state, which would hold secret values on one machine", () => {
    for (const env of ["staging", "prod"]) {
      expect(problemsOf(env, [[["remoteState"], { type: "local" }]])).toEqual([
        expect.stringMatching(
          new RegExp(
            `${env}\\.yaml:\\d+: remoteState\\.type: must be azurerm in (staging|production): local state`,
          ),
        ),
      ]);
    }
  });

  it("fails if prod reads its state with a storage key instead of Entra ID", () => {
    expect(problemsOf("prod", [[["remoteState", "useAzureadAuth"], false]])).toEqual([
      expect.stringMatching(/remoteState\.useAzureadAuth: must be true in production/),
    ]);
  });
});
