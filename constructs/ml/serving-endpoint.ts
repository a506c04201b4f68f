import { DataDatabricksRegisteredModel } from "@cdktf/provider-databricks/lib/data-databricks-registered-model";
import { ModelServing } from "@cdktf/provider-databricks/lib/model-serving";
import { Construct } from "constructs";
import { ObjectPermissions } from "../governance/object-permissions";
import type { RegisteredModel } from "./registered-model";

/** One alias the endpoint serves and the share of requests it gets. */
export interface ServedAlias {
  /** Registered model alias, e.g. `champion`. */
  readonly alias: string;
  /** Percentage of requests (0-100); the aliases of an endpoint sum to 100. An alias with 0 is not served. */
  readonly trafficPercent: number;
}

/** Properties of a {@link ServingEndpoint}. */
export interface ServingEndpointProps {
  /** Endpoint name, unique in the workspace. */
  readonly name: string;
  /** The model whose aliased versions are served. */
  readonly model: RegisteredModel;
  /** The aliases served with their traffic split, e.g. champion 90 and challenger 10. */
  readonly aliases: readonly ServedAlias[];
  /** Concurrency of each served version: `Small`, `Medium` or `Large`. */
  readonly workloadSize: string;
  /** Whether an idle endpoint scales to zero. */
  readonly scaleToZero: boolean;
  /**
   * Where the AI gateway writes the inference table (requests and responses): catalog and schema; the table
   * is `<prefix>_payload`.
   * @default no inference table
   */
  readonly inferenceTable?: { readonly catalog: string; readonly schema: string; readonly prefix: string };
  /** Tags on the endpoint (cost attribution). @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A model serving endpoint that serves the versions a registered model's aliases name, with a traffic split
 * between them (A/B). The versions are looked up at plan time from the model's aliases (data source
 * `databricks_registered_model` with `include_aliases`), so each deploy serves what the aliases name then; a
 * plan fails with a precondition naming the alias when no version has it.
 * @see https://learn.microsoft.com/azure/databricks/machine-learning/model-serving/
 */
export class ServingEndpoint extends Construct {
  /** The `databricks_model_serving` resource. */
  public readonly resource: ModelServing;
  private readonly permissions: ObjectPermissions;

  constructor(scope: Construct, id: string, props: ServingEndpointProps) {
    super(scope, id);
    const total = props.aliases.reduce((sum, a) => sum + a.trafficPercent, 0);
    if (total !== 100) {
      const parts = props.aliases.map((a) => `${a.alias} ${a.trafficPercent}`).join(" + ");
      throw new Error(`traffic of endpoint '${props.name}' must sum to 100, got ${parts} = ${total}`);
    }
    const served = props.aliases.filter((a) => a.trafficPercent > 0);
    const lookup = new DataDatabricksRegisteredModel(this, "Model", {
      fullName: props.model.resource.id,
      includeAliases: true,
    });
    const aliases = `data.${lookup.terraformResourceType}.${lookup.friendlyUniqueId}.model_info[0].aliases`;
    const versionOf = (alias: string) =>
      `\${lookup({ for a in ${aliases} : a.alias_name => tostring(a.version_num) }, "${alias}")}`;
    const entityName = (alias: string) => `${props.name}-${alias}`;
    this.resource = new ModelServing(this, "Resource", {
      name: props.name,
      config: {
        servedEntities: served.map((a) => ({
          name: entityName(a.alias),
          entityName: props.model.fullName,
          entityVersion: versionOf(a.alias),
          workloadSize: props.workloadSize,
          scaleToZeroEnabled: props.scaleToZero,
        })),
        trafficConfig: {
          routes: served.map((a) => ({
            servedModelName: entityName(a.alias),
            trafficPercentage: a.trafficPercent,
          })),
        },
      },
      aiGateway: props.inferenceTable
        ? {
            inferenceTableConfig: {
              enabled: true,
              catalogName: props.inferenceTable.catalog,
              schemaName: props.inferenceTable.schema,
              tableNamePrefix: props.inferenceTable.prefix,
            },
          }
        : undefined,
      tags: props.tags ? Object.entries(props.tags).map(([key, value]) => ({ key, value })) : undefined,
      lifecycle: {
        precondition: served.map((a) => ({
          condition: `\${contains([for a in ${aliases} : a.alias_name], "${a.alias}")}`,
          errorMessage: `No version of ${props.model.fullName} has the alias '${a.alias}' that endpoint ${props.name} serves: train and promote a version first (docs/ml.md), or set ml.serving.enabled to false.`,
        })),
      },
    });
    this.permissions = new ObjectPermissions(this, "Permissions", {
      servingEndpointId: this.resource.servingEndpointId,
    });
  }

  /** `principal` may send requests (CAN_QUERY). */
  public grantQuery(principal: string): void {
    this.permissions.grant(principal, "CAN_QUERY");
  }

  /** `principal` may see the endpoint, its config and metrics (CAN_VIEW). */
  public grantView(principal: string): void {
    this.permissions.grant(principal, "CAN_VIEW");
  }

  /** `principal` may change the endpoint (CAN_MANAGE). */
  public grantManage(principal: string): void {
    this.permissions.grant(principal, "CAN_MANAGE");
  }
}
