import * as fs from "node:fs";
import * as path from "node:path";
import { Testing } from "cdktn";
import { addEnvironments, type EnvironmentStacks } from "../../constructs/lakehouse-app";
import { tableCatalogue } from "../../constructs/tables/catalogue";
import { loadEnvironments } from "../../environments/load";
import type { Environment } from "../../environments/schema";

/** A synthesized Terraform JSON document. */
export interface TerraformJson {
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly output?: Record<string, { value: unknown; description?: string; sensitive?: boolean }>;
  readonly provider?: Record<string, unknown[]>;
}

/** One environment's synthesized stacks. */
export interface SynthesizedEnvironment {
  readonly env: Environment;
  readonly stacks: EnvironmentStacks;
  /** `<env>-platform` as Terraform JSON, without cdktf's `//` metadata. */
  readonly platform: TerraformJson;
  /** `<env>-lakehouse` as Terraform JSON, without cdktf's `//` metadata. */
  readonly lakehouse: TerraformJson;
  /** The raw text of both stacks, as `cdktn deploy` hands it to Terraform. */
  readonly rawText: string;
}

function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== "//")
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, v]) => [key, withoutMetadata(v)]),
    );
  }
  return value;
}

let cache: Map<string, SynthesizedEnvironment> | undefined;

/**
 * Synthesizes every real environment exactly like `main.ts` does (a full `app.synth()`, so aspects,
 * validations and error annotations all run), once per test file.
 */
export function synthesizeAll(): Map<string, SynthesizedEnvironment> {
  if (cache) return cache;
  const app = Testing.app();
  const environments = loadEnvironments();
  const stacks = addEnvironments(app, environments, tableCatalogue());
  app.synth();
  const read = (name: string) =>
    fs.readFileSync(path.join(app.outdir, "stacks", name, "cdk.tf.json"), "utf8");
  cache = new Map(
    environments.map((env) => {
      const pair = stacks.get(env.name) as EnvironmentStacks;
      const platformText = read(`${env.name}-platform`);
      const lakehouseText = read(`${env.name}-lakehouse`);
      return [
        env.name,
        {
          env,
          stacks: pair,
          platform: withoutMetadata(JSON.parse(platformText)) as TerraformJson,
          lakehouse: withoutMetadata(JSON.parse(lakehouseText)) as TerraformJson,
          rawText: `${platformText}\n${lakehouseText}`,
        },
      ];
    }),
  );
  return cache;
}

/** The synthesized environment called `name`; fails naming the known ones when there is none. */
export function byName(name: string): SynthesizedEnvironment {
  const synthesized = synthesizeAll().get(name);
  if (!synthesized)
    throw new Error(`no environment '${name}'; known: ${[...synthesizeAll().keys()].join(", ")}`);
  return synthesized;
}

/** Every resource of `type` in a document. */
export function resourcesOf(
  doc: TerraformJson,
  type: string,
  options: { readonly includeDisasterRecovery?: boolean } = {},
): Record<string, unknown>[] {
  // Resources of the DR site (production) have logical ids under the `DisasterRecovery` constructs; the
  // tests of the primary site leave them out unless asked.
  return Object.entries(doc.resource[type] ?? {})
    .filter(([id]) => options.includeDisasterRecovery || !id.startsWith("DisasterRecovery_"))
    .map(([, resource]) => resource);
}

/** The only resource of `type`; fails when there is not exactly one. */
export function onlyResource(doc: TerraformJson, type: string): Record<string, unknown> {
  const all = resourcesOf(doc, type);
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}
