/**
 * Small SQL rendering helpers shared by the governance SQL files, so quoting and the membership check live in
 * exactly one place.
 */

const APPLICATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `principal` is a service principal's application id (a GUID) rather than a group name. */
export function isServicePrincipal(principal: string): boolean {
  return APPLICATION_ID.test(principal);
}

/**
 * A SQL string literal. Spark and Databricks SQL treat backslash as an escape character in literals, so both
 * backslashes and quotes are escaped.
 */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** A SQL identifier (or dotted name) quoted only where it needs to be. */
export function sqlName(...parts: readonly string[]): string {
  return parts.map((p) => (/^[a-z_][a-z0-9_]*$/.test(p) ? p : `\`${p.replace(/`/g, "``")}\``)).join(".");
}

/**
 * The boolean SQL expression "the querying identity is `principal`": `is_account_group_member('<group>')` for
 * a group, `current_user() = '<application id>'` for a service principal (on Databricks `current_user()` of a
 * service principal is its application id).
 *
 * Every mask and row filter renders membership through this function and nothing else, so local tests can
 * replace the two built-ins with stubs.
 *
 * @see https://learn.microsoft.com/azure/databricks/sql/language-manual/functions/is_account_group_member
 */
export function membershipCheck(principal: string): string {
  return isServicePrincipal(principal)
    ? `current_user() = ${sqlString(principal)}`
    : `is_account_group_member(${sqlString(principal)})`;
}

/** `a OR b OR ...` over the membership checks of `principals` (deduplicated, sorted); FALSE for none. */
export function anyMember(principals: readonly string[]): string {
  const unique = [...new Set(principals)].sort();
  return unique.length === 0 ? "FALSE" : unique.map(membershipCheck).join(" OR ");
}

/** Normalises a Spark type for comparison: uppercase, no blanks (`decimal(12, 2)` -> `DECIMAL(12,2)`). */
export function normaliseType(type: string): string {
  return type.replace(/\s+/g, "").toUpperCase();
}
