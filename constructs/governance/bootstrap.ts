import type { Environment } from "../../environments/schema";
import type { TableCatalogue } from "../tables/catalogue";
import { GOVERNANCE_SQL_VERSION } from "./data-policies";
import { governanceSqlFolder, governanceSqlStages, renderGovernanceSql } from "./governance-sql";

/**
 * One SQL task of the governance bootstrap job. The workflows turn each step into a `sql_task` with a `file`
 * source on the SQL warehouse, running as the jobs' principal.
 */
export interface GovernanceSqlStep {
  /** Task key, unique within the bootstrap job. */
  readonly taskKey: string;
  /**
   * Path of the SQL file in the uploaded job sources, e.g. `governance/sql/v1/dev/010_functions.sql`. The file
   * is rendered at synthesis ({@link content}), not read from the repository.
   */
  readonly file: string;
  /** The rendered SQL of the file (`renderGovernanceSql`), uploaded as a generated job source. */
  readonly content: string;
  /** Task keys this step runs after. */
  readonly dependsOn: string[];
  /**
   * Task parameters, keys sorted. The files are rendered per environment and do not read them; they label the
   * run (catalog, environment, SQL version) in the job's run page and the audit log.
   */
  readonly parameters: Record<string, string>;
}

/**
 * The governance bootstrap of one environment, in run order: create the mask and row-filter functions, create
 * missing catalogue tables, classify (comments, PII tags), then bind masks and filters. Every file is
 * idempotent, so the job runs after every deploy and before the medallion jobs (its first run creates the
 * tables they write, masked from the first row on).
 *
 * @example
 * for (const step of governanceBootstrapSteps(env, catalogue)) job.addSqlTask(step.taskKey, ...);
 */
export function governanceBootstrapSteps(env: Environment, catalogue: TableCatalogue): GovernanceSqlStep[] {
  const rendered = new Map(renderGovernanceSql(env, catalogue).map((f) => [f.file, f.content]));
  const parameters = {
    catalog: env.unityCatalog.catalogName,
    environment: env.name,
    sql_version: GOVERNANCE_SQL_VERSION,
  };
  return governanceSqlStages(env).map((stage) => {
    const file = `${governanceSqlFolder(env)}/${stage.fileName}`;
    const content = rendered.get(file);
    if (content === undefined) throw new Error(`governance SQL ${file} was not rendered`);
    return {
      taskKey: stage.taskKey,
      file,
      content,
      dependsOn: [...stage.dependsOn].sort(),
      parameters: { ...parameters },
    };
  });
}
