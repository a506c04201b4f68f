import { Testing } from "cdktn";
import { addEnvironments } from "../../constructs/lakehouse-app";
import { tableCatalogue } from "../../constructs/tables/catalogue";
import { loadEnvironment } from "../../environments/load";
import { copyEnvironments, writeVariant } from "../helpers/environments";
import { synthJson } from "../helpers/synth";

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
});
