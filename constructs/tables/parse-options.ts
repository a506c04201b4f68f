import { z } from "zod";
import type { ParseOptions, SourceDeclaration } from "./types";

/** {@link ParseOptions} with every default applied: what the export writes and silver reads. */
export type ResolvedParseOptions = Required<ParseOptions>;

/** Letters Spark's datetime patterns give a meaning to (text in quotes is literal). */
const PATTERN_LETTERS = new Set("GyuDMLdQqEFaBhKkHmsSVzOXxZ".split(""));

function patternProblem(pattern: string): string | undefined {
  if (pattern.trim().length === 0) return "must not be empty";
  const unquoted = pattern.replace(/'[^']*'/g, "");
  if (unquoted.includes("'")) return `has an unclosed quote: ${pattern}`;
  const unknown = [...new Set(unquoted.match(/[A-Za-z]/g) ?? [])].filter((c) => !PATTERN_LETTERS.has(c));
  if (unknown.length > 0) {
    return `'${pattern}' uses ${unknown.map((c) => `'${c}'`).join(", ")}, not Spark datetime pattern letters (see https://spark.apache.org/docs/latest/sql-ref-datetime-pattern.html; quote literal text as 'T')`;
  }
  return undefined;
}

const pattern = z.string().superRefine((value, ctx) => {
  const problem = patternProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The schema of a source's `parse` block. */
export const parseOptionsSchema = z
  .object({
    timestampFormats: z.array(pattern).optional(),
    dateFormats: z.array(pattern).optional(),
    timeZone: z
      .string()
      .superRefine((zone, ctx) => {
        if (!isTimeZone(zone)) {
          ctx.addIssue({
            code: "custom",
            message: `'${zone}' is not an IANA time zone, e.g. UTC or Europe/Berlin`,
          });
        }
      })
      .optional(),
    decimalSeparator: z.enum([".", ","]).optional(),
    encoding: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9._:-]*$/, "must be a Java charset name such as UTF-8 or ISO-8859-1")
      .optional(),
    nullTokens: z.array(z.string()).optional(),
  })
  .strict();

/** Problems of one source's parse options, each naming its field (`sources.<name>.parse.<field>`). */
export function parseOptionProblems(source: SourceDeclaration): string[] {
  const where = `source ${source.name}: parse`;
  const result = parseOptionsSchema.safeParse(source.parse ?? {});
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => `${where}.${issue.path.join(".")}: ${issue.message}`);
  const encoding = source.parse?.encoding;
  if (encoding !== undefined && source.format !== "csv" && !/^utf-?8$/i.test(encoding)) {
    problems.push(
      `${where}.encoding: '${encoding}' is supported for csv sources only; JSON is read as UTF-8`,
    );
  }
  return problems;
}

/** The source's parse options with the defaults applied. */
export function resolveParseOptions(options: ParseOptions | undefined): ResolvedParseOptions {
  return {
    timestampFormats: options?.timestampFormats ?? [],
    dateFormats: options?.dateFormats ?? [],
    timeZone: options?.timeZone ?? "UTC",
    decimalSeparator: options?.decimalSeparator ?? ".",
    encoding: options?.encoding ?? "UTF-8",
    nullTokens: options?.nullTokens ?? [""],
  };
}
