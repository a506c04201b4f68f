import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  formatPiiPath,
  type PiiPath,
  piiReachability,
  unclassifiedPiiCarriers,
  undeclaredPiiPaths,
  WORKSPACE_USERS,
} from "../../constructs/governance/pii-reachability";
import { tableCatalogue } from "../../constructs/tables/catalogue";
import { loadEnvironments } from "../../environments/load";
import type { Environment } from "../../environments/schema";
import { copyEnvironments, problemsOf, writeVariant } from "../helpers/environments";
import { resourcesOf, stackJson } from "../helpers/synth";

const ROOT = path.join(__dirname, "../..");
const catalogue = tableCatalogue();
const environments = new Map(loadEnvironments().map((e) => [e.name, e]));
const env = (name: string) => environments.get(name) as Environment;
const SP_PROD = "00000000-0000-4000-8000-0000000000b3";
const ENGINEERS = "lakehouse-data-engineers";

/** The prod lakehouse plan with `open` applied to a copy of its JSON, and its PII paths. */
function pathsOf(open: (json: ReturnType<typeof stackJson>) => void = () => {}): PiiPath[] {
  const json = structuredClone(stackJson("prod-lakehouse"));
  open(json);
  return piiReachability(json, env("prod"), catalogue);
}

/** The one `databricks_grants` resource whose securable matches. */
function grantsOn(json: ReturnType<typeof stackJson>, attribute: string, pattern: RegExp) {
  // The DR catalog's grants (production) are checked on their own below; these are the primary's.
  const found = Object.entries(resourcesOf(json, "databricks_grants"))
    .filter(([id]) => !id.startsWith("DisasterRecovery_"))
    .map(([, g]) => g)
    .filter((g) => typeof g[attribute] === "string" && pattern.test(g[attribute]));
  expect(found).toHaveLength(1);
  return found[0] as { grant: { principal: string; privileges: string[] }[] };
}

describe("PII reachability of the staging and prod plans", () => {
  it.each(["staging", "prod"])("finds no path to unmasked PII in %s", (name) => {
    const paths = piiReachability(stackJson(`${name}-lakehouse`), env(name), catalogue);
    expect(paths.map((p) => formatPiiPath(p, name))).toEqual([]);
  });

  it("reports development's paths (platform admins own everything there) without enforcing them", () => {
    const paths = piiReachability(stackJson("dev-lakehouse"), env("dev"), catalogue);
    expect(paths.some((p) => p.principal === "lakehouse-platform-admins" && p.kind === "ownership")).toBe(
      true,
    );
    expect(undeclaredPiiPaths(env("dev"), paths)).toEqual([]);
  });

  // The review of the prod plan, finding by finding.
  it("keeps the Lakeflow schema, an unmasked copy of silver and gold, from everyone but the PII readers", () => {
    const lakeflow = grantsOn(stackJson("prod-lakehouse"), "schema", /Lakeflow/);
    expect(lakeflow.grant.map((g) => g.principal).sort()).toEqual([SP_PROD, "lakehouse-pii-readers"]);
  });

  it("gives engineers no landing files and no MODIFY on bronze or silver in prod", () => {
    const json = stackJson("prod-lakehouse");
    expect(grantsOn(json, "volume", /LandingVolume/).grant.map((g) => g.principal)).toEqual([SP_PROD]);
    for (const layer of [/Bronze_[0-9A-F]+\./, /Silver/]) {
      const engineers = grantsOn(json, "schema", layer).grant.find((g) => g.principal === ENGINEERS);
      expect(engineers?.privileges).toEqual(["SELECT", "USE_SCHEMA"]);
    }
  });

  it("lets no person manage the prod pipeline or run prod jobs with their own parameters", () => {
    const permissions = Object.values(resourcesOf(stackJson("prod-lakehouse"), "databricks_permissions"));
    const levels = permissions
      .filter((p) => p.job_id || p.pipeline_id)
      .flatMap((p) => p.access_control as { group_name?: string; permission_level: string }[])
      .filter((a) => a.group_name)
      .map((a) => a.permission_level);
    expect(new Set(levels)).toEqual(new Set(["CAN_VIEW", "CAN_RUN"]));
  });

  it("puts the prod job sources in a folder people can only read", () => {
    const json = stackJson("prod-lakehouse");
    const folder = Object.values(resourcesOf(json, "databricks_permissions")).find((p) =>
      String(p.directory_path).includes("databricks_directory.Workflows"),
    );
    expect(folder?.access_control).toEqual([
      { permission_level: "CAN_MANAGE", service_principal_name: SP_PROD },
      { group_name: ENGINEERS, permission_level: "CAN_READ" },
      { group_name: "lakehouse-platform-admins", permission_level: "CAN_READ" },
    ]);
  });

  it("hides the GDPR erasure job, whose runs name customers, from analysts", () => {
    const json = stackJson("prod-lakehouse");
    const jobs = resourcesOf(json, "databricks_job");
    const [erasure] = Object.entries(jobs).filter(([, j]) => j.name === "lakehouse-prod-gdpr-erasure");
    const permissions = Object.values(resourcesOf(json, "databricks_permissions")).find(
      (p) => p.job_id === `\${databricks_job.${erasure[0]}.id}`,
    );
    const principals = ((permissions?.access_control ?? []) as { group_name?: string }[]).map(
      (a) => a.group_name,
    );
    expect(principals).not.toContain("lakehouse-data-analysts");
  });

  it("classifies bronze support_tickets.subject and every _rescued_data column, so masks cover them", () => {
    for (const table of catalogue.tablesIn("bronze")) {
      expect(table.columns.find((c) => c.name === "_rescued_data")?.pii).toBe("record");
      expect(unclassifiedPiiCarriers(catalogue, table)).toEqual([]);
    }
    expect(catalogue.table("bronze.support_tickets").columns.find((c) => c.name === "subject")?.pii).toBe(
      "record",
    );
  });
});

describe("the analysis finds each kind of path when the plan opens one", () => {
  it("finds a read of the pipeline's unmasked datasets, hop by hop", () => {
    const paths = pathsOf((json) =>
      grantsOn(json, "schema", /Lakeflow/).grant.push({
        principal: ENGINEERS,
        privileges: ["SELECT", "USE_SCHEMA"],
      }),
    );
    expect(paths).toHaveLength(1);
    expect(paths[0]).toMatchObject({ principal: ENGINEERS, kind: "read" });
    expect(paths[0].reaches).toMatch(/^ecommerce_prod\.lakeflow: .*silver_dim_customer \(email, first_name/);
    expect(paths[0].hops).toEqual([
      expect.stringMatching(/^USE_CATALOG on catalog ecommerce_prod \(databricks_grants\./),
      expect.stringMatching(/^USE_SCHEMA on schema ecommerce_prod\.lakeflow \(databricks_grants\./),
      expect.stringMatching(/^SELECT on schema ecommerce_prod\.lakeflow/),
      "unmasked: the Lakeflow pipeline publishes these datasets without the catalogue's masks",
    ]);
  });

  it("finds no read path without USE_SCHEMA, however much SELECT there is", () => {
    const paths = pathsOf((json) =>
      grantsOn(json, "schema", /Lakeflow/).grant.push({ principal: ENGINEERS, privileges: ["SELECT"] }),
    );
    expect(paths).toEqual([]);
  });

  it("finds landing files through READ_VOLUME and any file through READ_FILES on a location", () => {
    const paths = pathsOf((json) => {
      grantsOn(json, "volume", /LandingVolume/).grant.push({
        principal: ENGINEERS,
        privileges: ["WRITE_VOLUME"],
      });
      grantsOn(json, "external_location", /LandingLocation/).grant.push({
        principal: "lakehouse-data-scientists",
        privileges: ["READ_FILES"],
      });
    });
    expect(paths.map((p) => [p.principal, p.kind, p.reaches.split(":")[0]])).toEqual([
      [ENGINEERS, "files", "volume ecommerce_prod.bronze.landing"],
      ["lakehouse-data-scientists", "files", "external location ecommerce_prod_landing (abfss"],
    ]);
  });

  it("finds the raw Event Hubs streams through ACCESS on the service credential", () => {
    const paths = pathsOf((json) => {
      const [grants] = Object.values(resourcesOf(json, "databricks_grants")).filter((g) => g.credential);
      (grants.grant as { principal: string; privileges: string[] }[]).push({
        principal: ENGINEERS,
        privileges: ["ACCESS"],
      });
    });
    expect(paths.map((p) => [p.principal, p.kind, p.reaches.split(":")[0]])).toEqual([
      [ENGINEERS, "files", "service credential ecommerce_prod_event_hubs"],
    ]);
  });

  it("finds ownership by a human group", () => {
    const paths = pathsOf((json) => {
      const catalog = Object.values(resourcesOf(json, "databricks_catalog")).find(
        (c) => c.name === "ecommerce_prod",
      ) as Record<string, unknown>;
      catalog.owner = "lakehouse-platform-admins";
    });
    expect(paths.map((p) => [p.principal, p.kind])).toEqual(
      expect.arrayContaining([["lakehouse-platform-admins", "ownership"]]),
    );
    expect(paths.find((p) => p.kind === "ownership")?.reaches).toMatch(
      /catalog ecommerce_prod: an owner can drop the masks/,
    );
  });

  it("finds escalation through managing the pipeline or running a job with its own parameters", () => {
    const paths = pathsOf((json) => {
      for (const p of Object.values(resourcesOf(json, "databricks_permissions"))) {
        for (const a of (p.access_control ?? []) as { group_name?: string; permission_level: string }[]) {
          if (a.group_name !== ENGINEERS) continue;
          if (p.pipeline_id) a.permission_level = "CAN_MANAGE";
          if (p.job_id) a.permission_level = "CAN_MANAGE_RUN";
        }
      }
    });
    const escalations = paths.filter((p) => p.kind === "escalation");
    expect(escalations).toHaveLength(11);
    const pipeline = escalations.find((p) => p.hops[0].startsWith("CAN_MANAGE on pipeline"));
    expect(pipeline?.hops[1]).toBe(
      `pipeline lakehouse-prod-lakeflow runs as ${SP_PROD}, whom the masks let through`,
    );
    expect(
      escalations.find((p) => p.hops[0].startsWith("CAN_MANAGE_RUN on job lakehouse-prod-medallion"))?.fix,
    ).toMatch(/a run with overridden parameters runs as/);
  });

  it("finds escalation through a job source folder without permissions, or one people may edit", () => {
    const withoutPermissions = pathsOf((json) => {
      for (const [id, p] of Object.entries(resourcesOf(json, "databricks_permissions"))) {
        if (p.directory_path) delete json.resource.databricks_permissions[id];
      }
    });
    expect(withoutPermissions.map((p) => [p.principal, p.kind])).toEqual([[WORKSPACE_USERS, "escalation"]]);
    expect(withoutPermissions[0].hops[0]).toMatch(
      /^no databricks_permissions on \/Workspace\/lakehouse\/prod/,
    );
    const editable = pathsOf((json) => {
      // The job sources' folder (the serving layer's dashboard folder has permissions of its own).
      const folder = Object.values(resourcesOf(json, "databricks_permissions")).find((p) =>
        String(p.directory_path).includes("databricks_directory.Workflows"),
      );
      ((folder?.access_control ?? []) as { group_name?: string; permission_level: string }[])
        .filter((a) => a.group_name === ENGINEERS)
        .forEach((a) => {
          a.permission_level = "CAN_EDIT";
        });
    });
    expect(editable.map((p) => [p.principal, p.hops[0].split(" (")[0]])).toEqual([
      [ENGINEERS, "CAN_EDIT on /Workspace/lakehouse/prod"],
    ]);
  });

  it("finds escalation through reading the jobs' secret scope", () => {
    const paths = pathsOf((json) => {
      json.resource.databricks_secret_acl.Extra = {
        principal: ENGINEERS,
        permission: "READ",
        scope: "lakehouse-jobs",
      };
    });
    expect(paths.map((p) => [p.principal, p.kind, p.reaches])).toEqual([
      [ENGINEERS, "escalation", "the secrets of scope lakehouse-jobs the jobs read (connection strings)"],
    ]);
  });

  it("accepts exactly the paths an environment declares, by principal and kind", () => {
    const paths = pathsOf((json) =>
      grantsOn(json, "volume", /LandingVolume/).grant.push({
        principal: ENGINEERS,
        privileges: ["READ_VOLUME"],
      }),
    );
    const declared = {
      ...env("prod"),
      security: {
        ...env("prod").security,
        allowedPiiPaths: [{ principal: ENGINEERS, kind: "files" as const, reason: "incident triage" }],
      },
    };
    expect(undeclaredPiiPaths(env("prod"), paths)).toHaveLength(1);
    expect(undeclaredPiiPaths(declared, paths)).toEqual([]);
  });
});

describe("synthesis", () => {
  it("stops with the path, the file and the field when an environment opens one, and writes nothing", () => {
    const dir = copyEnvironments();
    writeVariant(dir, "staging", [[["security", "peopleMayWrite"], true]]);
    const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pii-out-")), "cdktf.out");
    const run = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["main.ts"], {
      cwd: ROOT,
      env: {
        ...process.env,
        CDKTF_OUTDIR: outdir,
        LAKEHOUSE_ENVIRONMENTS_DIR: dir,
        LAKEHOUSE_ENVIRONMENTS: "staging",
      },
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/staging\.yaml: security: PII path not accepted .*security\.allowedPiiPaths/);
    expect(run.stderr).toMatch(
      /staging: lakehouse-data-engineers reaches volume ecommerce_staging\.bronze\.landing/,
    );
    expect(run.stderr).toMatch(/\n {6}1\. READ_VOLUME on volume ecommerce_staging\.bronze\.landing/);
    expect(fs.existsSync(outdir)).toBe(false);
  });

  it("prints one line of path counts on success", () => {
    const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pii-ok-")), "cdktf.out");
    const run = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["main.ts"], {
      cwd: ROOT,
      env: { ...process.env, CDKTF_OUTDIR: outdir },
      encoding: "utf8",
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^PII paths: dev \d+ \(not enforced in development\), prod 0, staging 0$/m);
  });

  it("fails if production lets people write, naming the field", () => {
    expect(problemsOf("prod", [[["security", "peopleMayWrite"], true]])).toEqual([
      expect.stringMatching(/prod\.yaml:\d+: security\.peopleMayWrite: must not be true in production/),
    ]);
  });

  it("fails if an accepted path has no reason", () => {
    expect(
      problemsOf("staging", [
        [["security", "allowedPiiPaths"], [{ principal: "g", kind: "files", reason: "ok" }]],
      ]),
    ).toEqual([
      expect.stringMatching(/security\.allowedPiiPaths\[0\]\.reason: must say why the path is acceptable/),
    ]);
  });
});

describe("workspace hardening", () => {
  it.each(["dev", "staging", "prod"])(
    "turns on IP access lists and token limits and turns off legacy features (%s)",
    (name) => {
      const json = stackJson(`${name}-lakehouse`);
      const [conf] = Object.values(resourcesOf(json, "databricks_workspace_conf"));
      expect(conf.custom_config).toEqual({
        enableDbfsFileBrowser: "false",
        enableExportNotebook: "false",
        enableIpAccessLists: "true",
        enableResultsDownloading: "false",
        enableTokensConfig: "true",
        maxTokenLifetimeDays: "90",
      });
      const [allow] = Object.values(resourcesOf(json, "databricks_ip_access_list"));
      expect(allow).toMatchObject({
        list_type: "ALLOW",
        ip_addresses: env(name).network.allowedIpRanges,
        enabled: true,
      });
      expect(
        Object.values(resourcesOf(json, "databricks_disable_legacy_dbfs_setting"))[0].disable_legacy_dbfs,
      ).toEqual({
        value: true,
      });
      expect(
        Object.values(resourcesOf(json, "databricks_disable_legacy_access_setting"))[0].disable_legacy_access,
      ).toEqual({ value: true });
    },
  );

  it("binds the storage credential and every external location to the environment's workspace, isolated", () => {
    const json = stackJson("prod-lakehouse");
    const [credential] = Object.values(resourcesOf(json, "databricks_storage_credential"));
    expect(credential.isolation_mode).toBe("ISOLATION_MODE_ISOLATED");
    const locations = Object.values(resourcesOf(json, "databricks_external_location"));
    for (const location of locations) expect(location.isolation_mode).toBe("ISOLATION_MODE_ISOLATED");
    const bindings = Object.values(resourcesOf(json, "databricks_workspace_binding")).map(
      (b) => b.securable_type,
    );
    // Production binds the DR catalog's credential, location and catalog too.
    expect(bindings.sort()).toEqual(
      [
        "catalog",
        "catalog",
        ...locations.map(() => "external_location"),
        "storage_credential",
        "storage_credential",
      ].sort(),
    );
  });

  it("gives the continuous streaming job no run timeout, which would stop its streams", () => {
    const jobs = Object.values(resourcesOf(stackJson("prod-lakehouse"), "databricks_job"));
    const streaming = jobs.find((j) => j.name === "lakehouse-prod-streaming-ingest");
    expect(streaming?.continuous).toBeDefined();
    expect(streaming?.timeout_seconds).toBe(0);
  });

  it("fails if production allows tokens for longer than 90 days", () => {
    expect(problemsOf("prod", [[["security", "maxTokenLifetimeDays"], 365]])).toEqual([
      expect.stringMatching(/security\.maxTokenLifetimeDays: must be <= 90 in production, got 365/),
    ]);
  });
});

describe("serverless compute and private networking", () => {
  it("fails if prod asks for a serverless warehouse that could not reach its private storage", () => {
    expect(problemsOf("prod", [[["compute", "sqlWarehouse", "serverless"], true]])).toEqual([
      expect.stringMatching(
        /compute\.sqlWarehouse\.serverless: must be false with network\.privateNetworking/,
      ),
    ]);
  });

  it("runs the prod warehouse on classic compute in the workspace's network", () => {
    const [warehouse] = Object.values(resourcesOf(stackJson("prod-lakehouse"), "databricks_sql_endpoint"));
    expect(warehouse.enable_serverless_compute).toBe(false);
  });
});
