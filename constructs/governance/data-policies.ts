import type { Environment } from "../../environments/schema";
import type { CatalogueTable, TableCatalogue } from "../tables/catalogue";
import type { PiiClass, RowFilterDeclaration } from "../tables/types";
import { groupOf, jobsPrincipal } from "./roles";
import { anyMember, membershipCheck, normaliseType, sqlString } from "./sql";

/** Schema (in each environment's catalog) holding the mask and row-filter functions. */
export const GOVERNANCE_SCHEMA = "governance";

/** Version of the rendered governance SQL; bump it (new `v<n>` folder) when the rendering changes shape. */
export const GOVERNANCE_SQL_VERSION = "v1";

/** Column tag that classifies personal data; its value is the column's PII class. */
export const PII_TAG = "pii_class";

/** PII classes that need a mask: every class but `none`. */
export type MaskedPiiClass = Exclude<PiiClass, "none">;

/**
 * How one PII class is masked. The function is `<catalog>.governance.<function>(value <argumentType>)
 * RETURNS <returnType>`: the unmasked value for PII readers and the jobs' principal, `masked` for everybody
 * else, NULL stays NULL.
 */
export interface MaskDefinition {
  /** Function name inside the governance schema. */
  readonly function: string;
  /** Type of the masked column, which is the function's only argument. */
  readonly argumentType: string;
  /** What the function returns; Unity Catalog casts it to the column type, we demand it be the same. */
  readonly returnType: string;
  /** What masked readers see, as a SQL expression over the argument `value`. */
  readonly masked: string;
  /** One line for the function comment. */
  readonly description: string;
}

/** How one row-filter rule of the catalogue is enforced. */
export interface RowFilterDefinition {
  /** Function name inside the governance schema. */
  readonly function: string;
  /** Type of the filtered column, the function's only argument. */
  readonly argumentType: string;
  /** One line for the function comment. */
  readonly description: string;
  /** The BOOLEAN body over the argument `value`, for one environment. */
  body(env: Environment): string;
}

/** The masks and row filters a lakehouse uses; tests pass broken variants. */
export interface DataPolicyDefinitions {
  readonly masks: Readonly<Partial<Record<MaskedPiiClass, MaskDefinition>>>;
  readonly rowFilters: Readonly<Partial<Record<RowFilterDeclaration["rule"], RowFilterDefinition>>>;
}

/** The argument name of every governance function. */
export const ARGUMENT = "value";

/**
 * Principals that see every row of a region-filtered table: everyone of the access model but the regional
 * analysts, and the jobs' principal (gold is computed from filtered silver tables, so the jobs must see all).
 */
export function unrestrictedPrincipals(env: Environment): string[] {
  const roles = [
    "platform_admins",
    "data_engineers",
    "data_analysts",
    "data_scientists",
    "pii_readers",
  ] as const;
  return [...new Set([...roles.map((r) => groupOf(env, r)), jobsPrincipal(env)])].sort();
}

/** Principals that see PII unmasked: the PII readers and the jobs' principal (which copies it to gold). */
export function unmaskedPrincipals(env: Environment): string[] {
  return [...new Set([env.groups.piiReaders, jobsPrincipal(env)])].sort();
}

/** The masks of the lakehouse, one per PII class. */
export const MASKS: Readonly<Record<MaskedPiiClass, MaskDefinition>> = {
  email: {
    function: "mask_email",
    argumentType: "STRING",
    returnType: "STRING",
    masked: `concat('***@', substring_index(${ARGUMENT}, '@', -1))`,
    description: "Email addresses: the domain stays visible, the local part is replaced by ***.",
  },
  phone: {
    function: "mask_phone",
    argumentType: "STRING",
    returnType: "STRING",
    masked: `concat('***', right(regexp_replace(${ARGUMENT}, '[^0-9]', ''), 2))`,
    description: "Phone numbers: only the last two digits stay visible.",
  },
  name: {
    function: "mask_name",
    argumentType: "STRING",
    returnType: "STRING",
    masked: "'***'",
    description: "Personal names: fully redacted.",
  },
  address: {
    function: "mask_address",
    argumentType: "STRING",
    returnType: "STRING",
    masked: "'***'",
    description: "Street addresses and postal codes: fully redacted.",
  },
  ip_address: {
    function: "mask_ip_address",
    argumentType: "STRING",
    returnType: "STRING",
    masked: `concat(substring_index(${ARGUMENT}, '.', 3), '.0')`,
    description: "IPv4 addresses: the host part is zeroed.",
  },
  date_of_birth: {
    function: "mask_date_of_birth",
    argumentType: "DATE",
    returnType: "DATE",
    masked: `trunc(${ARGUMENT}, 'YEAR')`,
    description: "Dates of birth: truncated to the year.",
  },
  record: {
    function: "mask_record",
    argumentType: "STRING",
    returnType: "STRING",
    masked: "'[REDACTED]'",
    description: "Raw records and free text that may hold any personal data: fully redacted.",
  },
};

/** The row filters of the lakehouse, one per rule the catalogue uses. */
export const ROW_FILTERS: Readonly<Record<RowFilterDeclaration["rule"], RowFilterDefinition>> = {
  region: {
    function: "filter_region",
    argumentType: "STRING",
    description:
      "Regional analysts see only rows of their region; the other roles of the access model see every row.",
    body(env: Environment): string {
      const regional = Object.entries(env.groups.regionalAnalysts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([region, group]) => `(${membershipCheck(group)} AND ${ARGUMENT} = ${sqlString(region)})`);
      return [anyMember(unrestrictedPrincipals(env)), ...regional].join("\n    OR ");
    },
  },
};

/** The definitions the lakehouse deploys. */
export const DATA_POLICY_DEFINITIONS: DataPolicyDefinitions = { masks: MASKS, rowFilters: ROW_FILTERS };

/** A SQL function of the governance schema, rendered from a mask or row-filter definition. */
export interface GovernanceFunction {
  /** Name inside the governance schema. */
  readonly name: string;
  readonly kind: "column_mask" | "row_filter";
  readonly argumentType: string;
  readonly returnType: string;
  /** Function comment. */
  readonly comment: string;
  /** The SQL expression after `RETURN`. */
  readonly body: string;
}

/** A column bound to a mask function. */
export interface MaskBinding {
  /** Catalogue key of the table. */
  readonly table: string;
  readonly column: string;
  readonly piiClass: MaskedPiiClass;
  readonly function: string;
}

/** A table bound to a row-filter function. */
export interface RowFilterBinding {
  readonly table: string;
  readonly column: string;
  readonly function: string;
}

/** Every function, mask and row filter one environment deploys. */
export interface DataPolicies {
  /** Functions used by at least one binding, sorted by name. */
  readonly functions: readonly GovernanceFunction[];
  /** Every PII column with its mask, in catalogue order. */
  readonly masks: readonly MaskBinding[];
  /** Every row-filtered table, in catalogue order. */
  readonly rowFilters: readonly RowFilterBinding[];
}

function piiColumns(table: CatalogueTable) {
  return table.columns.filter((c) => c.pii !== "none");
}

/**
 * PII columns without a mask definition: `table.column (class)`. The policy rule LH-GOV-001 fails synthesis on
 * any of these.
 */
export function unmaskedPiiColumns(catalogue: TableCatalogue, definitions: DataPolicyDefinitions): string[] {
  return catalogue.tables.flatMap((t) =>
    piiColumns(t)
      .filter((c) => !definitions.masks[c.pii as MaskedPiiClass])
      .map((c) => `${t.key}.${c.name} (${c.pii})`),
  );
}

/**
 * Masks and row filters whose function does not fit its column: argument type, return type (masks return the
 * column's type, row filters BOOLEAN) or missing filter definition. The policy rule LH-GOV-002 fails synthesis
 * on any of these.
 */
export function functionTypeProblems(
  catalogue: TableCatalogue,
  definitions: DataPolicyDefinitions,
): string[] {
  const problems: string[] = [];
  for (const t of catalogue.tables) {
    for (const c of piiColumns(t)) {
      const mask = definitions.masks[c.pii as MaskedPiiClass];
      if (!mask) continue;
      const at = `${t.key}.${c.name} is ${c.type} (pii ${c.pii})`;
      if (normaliseType(mask.argumentType) !== normaliseType(c.type)) {
        problems.push(
          `${at} but its mask ${mask.function} takes ${mask.argumentType}; change the column type or give the class a mask taking ${c.type}`,
        );
      }
      if (normaliseType(mask.returnType) !== normaliseType(c.type)) {
        problems.push(
          `${at} but its mask ${mask.function} returns ${mask.returnType}; a mask must return the column's type`,
        );
      }
    }
    if (t.rowFilter) {
      const filter = definitions.rowFilters[t.rowFilter.rule];
      const column = t.columns.find((c) => c.name === t.rowFilter?.column);
      if (!filter) {
        problems.push(`${t.key}: row filter rule '${t.rowFilter.rule}' has no function definition`);
      } else if (column && normaliseType(filter.argumentType) !== normaliseType(column.type)) {
        problems.push(
          `${t.key}.${column.name} is ${column.type} but its row filter ${filter.function} takes ${filter.argumentType}`,
        );
      }
    }
  }
  return problems;
}

/**
 * The functions, masks and row filters of one environment, from the catalogue. Throws when a PII column has
 * no mask or a function does not fit its column (the policy rules report the same problems at synthesis).
 */
export function dataPolicies(
  env: Environment,
  catalogue: TableCatalogue,
  definitions: DataPolicyDefinitions = DATA_POLICY_DEFINITIONS,
): DataPolicies {
  const problems = [
    ...unmaskedPiiColumns(catalogue, definitions).map((c) => `${c} has no mask`),
    ...functionTypeProblems(catalogue, definitions),
  ];
  if (problems.length > 0) throw new Error(`invalid data policies:\n  ${problems.join("\n  ")}`);
  const masks: MaskBinding[] = catalogue.tables.flatMap((t) =>
    piiColumns(t).map((c) => {
      const piiClass = c.pii as MaskedPiiClass;
      return {
        table: t.key,
        column: c.name,
        piiClass,
        function: (definitions.masks[piiClass] as MaskDefinition).function,
      };
    }),
  );
  const rowFilters: RowFilterBinding[] = catalogue.tables.flatMap((t) =>
    t.rowFilter
      ? [
          {
            table: t.key,
            column: t.rowFilter.column,
            function: (definitions.rowFilters[t.rowFilter.rule] as RowFilterDefinition).function,
          },
        ]
      : [],
  );
  const functions = new Map<string, GovernanceFunction>();
  const unmasked = anyMember(unmaskedPrincipals(env));
  for (const binding of masks) {
    const mask = definitions.masks[binding.piiClass] as MaskDefinition;
    functions.set(mask.function, {
      name: mask.function,
      kind: "column_mask",
      argumentType: mask.argumentType,
      returnType: mask.returnType,
      comment: `${mask.description} Unmasked for: ${unmaskedPrincipals(env).join(", ")}.`,
      body: [
        "CASE",
        `    WHEN ${ARGUMENT} IS NULL THEN NULL`,
        `    WHEN ${unmasked} THEN ${ARGUMENT}`,
        `    ELSE ${mask.masked}`,
        "  END",
      ].join("\n"),
    });
  }
  for (const t of catalogue.tables) {
    if (!t.rowFilter) continue;
    const filter = definitions.rowFilters[t.rowFilter.rule] as RowFilterDefinition;
    functions.set(filter.function, {
      name: filter.function,
      kind: "row_filter",
      argumentType: filter.argumentType,
      returnType: "BOOLEAN",
      comment: filter.description,
      body: filter.body(env),
    });
  }
  return {
    functions: [...functions.values()].sort((a, b) => a.name.localeCompare(b.name)),
    masks,
    rowFilters,
  };
}
