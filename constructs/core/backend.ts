import { AzurermBackend, LocalBackend, type TerraformStack } from "cdktn";
import type { Environment } from "../../environments/schema";

/**
 * Configures where a stack keeps its Terraform state: a local file by default (so synth and tests stay
 * offline), or the environment's azurerm backend with one state key per stack.
 */
export function configureBackend(stack: TerraformStack, stackName: string, env: Environment): void {
  const state = env.remoteState;
  if (state.type === "local") {
    new LocalBackend(stack, { path: `terraform.${stackName}.tfstate` });
    return;
  }
  new AzurermBackend(stack, {
    resourceGroupName: state.resourceGroupName,
    storageAccountName: state.storageAccountName,
    containerName: state.containerName,
    key: `${stackName}.tfstate`,
    useAzureadAuth: state.useAzureadAuth,
  });
}
