import { stackJson, type TerraformJson } from "../helpers/synth";

/** The name of the securable a reference like `${databricks_schema.X.id}` points at. */
function nameOf(json: TerraformJson, value: unknown): string {
  const ref =
    typeof value === "string" ? /^\$\{(databricks_\w+)\.([\w-]+)\.(?:id|name)\}$/.exec(value) : null;
  if (!ref) return String(value);
  const resource = json.resource[ref[1]][ref[2]];
  switch (ref[1]) {
    case "databricks_schema":
      return `${nameOf(json, resource.catalog_name)}.${resource.name}`;
    case "databricks_volume":
      return `${nameOf(json, resource.catalog_name)}.${String(nameOf(json, resource.schema_name)).split(".").pop()}.${resource.name}`;
    default:
      return resource.name;
  }
}

const SECURABLES = [
  "catalog",
  "schema",
  "volume",
  "external_location",
  "function",
  "storage_credential",
  "share",
  "table",
  "model",
];

/** Every grant of a lakehouse stack as `securable | principal | privileges` lines, sorted. */
function grantMatrix(json: TerraformJson): string[] {
  const lines: string[] = [];
  const securableOf = (resource: TerraformJson) => {
    const kind = SECURABLES.find((k) => k in resource) as string;
    return `${kind} ${nameOf(json, resource[kind])}`;
  };
  for (const resource of Object.values(json.resource.databricks_grants ?? {}) as TerraformJson[]) {
    for (const g of resource.grant) {
      lines.push(`${securableOf(resource)} | ${g.principal} | ${g.privileges.join(", ")}`);
    }
  }
  for (const resource of Object.values(json.resource.databricks_grant ?? {}) as TerraformJson[]) {
    lines.push(
      `${securableOf(resource)} | ${resource.principal} | ${resource.privileges.join(", ")} (additive)`,
    );
  }
  return lines.sort();
}

describe("access model", () => {
  it.each(["dev", "staging", "prod"])("renders the grants of %s as a reviewed matrix", (env) => {
    expect(`\n${grantMatrix(stackJson(`${env}-lakehouse`)).join("\n")}\n`).toMatchSnapshot();
  });

  it("renders exactly one authoritative grants resource per securable", () => {
    for (const env of ["dev", "staging", "prod"]) {
      const json = stackJson(`${env}-lakehouse`);
      const securables = (Object.values(json.resource.databricks_grants) as TerraformJson[]).map((r) => {
        const kind = SECURABLES.find((k) => k in r) as string;
        return `${kind}=${r[kind]}`;
      });
      expect(new Set(securables).size).toBe(securables.length);
    }
  });

  it("gives analysts gold only, scientists silver and gold, and engineers read-only bronze, silver and gold in prod", () => {
    const lines = grantMatrix(stackJson("prod-lakehouse"));
    const privileges = (securable: string, principal: string) =>
      lines.find((l) => l.startsWith(`${securable} | ${principal} |`))?.split(" | ")[2];
    expect(privileges("schema ecommerce_prod.gold", "lakehouse-data-analysts")).toBe("USE_SCHEMA");
    expect(privileges("schema ecommerce_prod.silver", "lakehouse-data-analysts")).toBeUndefined();
    expect(privileges("schema ecommerce_prod.bronze", "lakehouse-data-analysts")).toBeUndefined();
    expect(privileges("schema ecommerce_prod.silver", "lakehouse-data-scientists")).toBe("USE_SCHEMA");
    expect(privileges("schema ecommerce_prod.bronze", "lakehouse-data-scientists")).toBeUndefined();
    expect(privileges("schema ecommerce_prod.silver", "lakehouse-data-engineers")).toBe("SELECT, USE_SCHEMA");
    expect(privileges("schema ecommerce_prod.lakeflow", "lakehouse-data-engineers")).toBeUndefined();
    expect(privileges("schema ecommerce_prod.gold", "lakehouse-data-engineers")).toBe("SELECT, USE_SCHEMA");
    expect(privileges("schema ecommerce_prod.governance", "00000000-0000-4000-8000-0000000000b3")).toBe(
      "CREATE_FUNCTION, EXECUTE, USE_SCHEMA",
    );
    expect(privileges("schema system.access", "lakehouse-platform-admins")).toBe(
      "SELECT, USE_SCHEMA (additive)",
    );
    expect(lines.join("\n")).not.toMatch(/ALL_PRIVILEGES|MANAGE/);
  });

  it("enables the access, billing, compute and lakeflow system schemas in every environment", () => {
    for (const env of ["dev", "staging", "prod"]) {
      const schemas = Object.values(
        stackJson(`${env}-lakehouse`).resource.databricks_system_schema,
      ) as TerraformJson[];
      expect(schemas.map((s) => s.schema).sort()).toEqual(["access", "billing", "compute", "lakeflow"]);
    }
  });
});
