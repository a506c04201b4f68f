/**
 * JSON text for generated files that are committed: keys sorted at every level (`//` first), two-space indent,
 * and arrays laid out the way the biome formatter does (one line when they hold no object and fit in
 * {@link LINE_WIDTH} columns, else one element a line), so a generated file passes `biome check` unchanged and
 * the same input always gives the same bytes.
 */

/** The text of `value`, with a final newline. */
export function renderJson(value: unknown): string {
  return `${render(value, "", 0)}\n`;
}

/** biome.json's `formatter.lineWidth`. */
const LINE_WIDTH = 110;

/** `column` is where the value starts on its line, for the line-width rule. */
function render(value: unknown, indent: string, column: number): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const oneLine = inlineArray(value);
    // + 1 for the comma that may follow.
    if (oneLine !== undefined && column + oneLine.length + 1 <= LINE_WIDTH) return oneLine;
    const lines = value.map((v) => `${inner}${render(v, inner, inner.length)}`);
    return `[\n${lines.join(",\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort((a, b) => (a === "//" ? -1 : b === "//" ? 1 : compareText(a, b)));
    if (keys.length === 0) return "{}";
    const lines = keys.map((key) => {
      const prefix = `${inner}${JSON.stringify(key)}: `;
      return `${prefix}${render(record[key], inner, prefix.length)}`;
    });
    return `{\n${lines.join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** An array of primitives (or of such arrays) on one line; undefined when it holds an object. */
function inlineArray(value: readonly unknown[]): string | undefined {
  const parts: string[] = [];
  for (const element of value) {
    if (Array.isArray(element)) {
      const part = inlineArray(element);
      if (part === undefined) return undefined;
      parts.push(part);
    } else if (element !== null && typeof element === "object") {
      return undefined;
    } else {
      parts.push(JSON.stringify(element));
    }
  }
  return `[${parts.join(", ")}]`;
}

/** Code-point order, independent of the machine's locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
