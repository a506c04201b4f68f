import type { App } from "cdktn";
import type { Environment } from "../environments/schema";
import { LakehouseStack } from "./stacks/lakehouse-stack";
import { PlatformStack } from "./stacks/platform-stack";
import type { TableCatalogue } from "./tables/catalogue";

/** The two stacks of one environment. */
export interface EnvironmentStacks {
  readonly platform: PlatformStack;
  readonly lakehouse: LakehouseStack;
}

/** Stack names of an environment: `<env>-platform` and `<env>-lakehouse`. */
export function stackNames(env: Environment): { platform: string; lakehouse: string } {
  return { platform: `${env.name}-platform`, lakehouse: `${env.name}-lakehouse` };
}

/** Adds the platform and lakehouse stacks of every environment to `app`. */
export function addEnvironments(
  app: App,
  environments: readonly Environment[],
  catalogue: TableCatalogue,
): Map<string, EnvironmentStacks> {
  const stacks = new Map<string, EnvironmentStacks>();
  for (const environment of environments) {
    const names = stackNames(environment);
    const platform = new PlatformStack(app, names.platform, { environment, catalogue });
    const lakehouse = new LakehouseStack(app, names.lakehouse, { environment, platform, catalogue });
    stacks.set(environment.name, { platform, lakehouse });
  }
  return stacks;
}
