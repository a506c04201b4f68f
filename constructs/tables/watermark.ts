import { z } from "zod";
import type { SourceDeclaration } from "./types";

/** The watermark of an `eventhub` source that declares none. */
export const DEFAULT_WATERMARK = "1 hour";

const UNIT_SECONDS: Readonly<Record<string, number>> = { second: 1, minute: 60, hour: 3600, day: 86_400 };

/** The longest watermark: silver looks up a batch's event ids on the days the watermark covers. */
export const MAX_WATERMARK_SECONDS = 7 * 86_400;

const DURATION = /^\s*(\d+)\s+(second|minute|hour|day)s?\s*$/;

/**
 * A source's `watermark`: `<whole number> <unit>` with unit second(s), minute(s), hour(s) or day(s), as in Spark's
 * `withWatermark` delay (`30 minutes`, `1 hour`), from 1 second to 7 days. Parses to seconds.
 */
export const watermarkSchema = z.string().transform((text, ctx) => {
  const match = DURATION.exec(text);
  if (!match) {
    ctx.addIssue({
      code: "custom",
      message: `'${text}' is not a duration; write <whole number> <unit> with unit seconds, minutes, hours or days, e.g. '${DEFAULT_WATERMARK}'`,
    });
    return z.NEVER;
  }
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2]];
  if (seconds < 1 || seconds > MAX_WATERMARK_SECONDS) {
    ctx.addIssue({
      code: "custom",
      message: `'${text}' must be between 1 second and 7 days (silver looks up event ids on the days the watermark covers)`,
    });
    return z.NEVER;
  }
  return seconds;
});

/** Problems of a source's `watermark`, each naming its bronze table and the field (`bronze.x: source.watermark: ...`). */
export function watermarkProblems(source: SourceDeclaration): string[] {
  const where = `bronze.${source.name}: source.watermark`;
  const declared = (source as { readonly watermark?: unknown }).watermark;
  if (declared === undefined) return [];
  if (source.kind !== "eventhub") {
    return [`${where}: only eventhub sources have a watermark; '${source.name}' is a ${source.kind} source`];
  }
  const result = watermarkSchema.safeParse(declared);
  return result.success ? [] : result.error.issues.map((issue) => `${where}: ${issue.message}`);
}

/** The watermark of `source` in seconds (the default for an eventhub source without one); null for files. */
export function watermarkSeconds(source: SourceDeclaration): number | null {
  if (source.kind !== "eventhub") return null;
  return watermarkSchema.parse(source.watermark ?? DEFAULT_WATERMARK);
}
