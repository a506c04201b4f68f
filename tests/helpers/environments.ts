import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { ConfigError, ENVIRONMENTS_DIR, loadEnvironment } from "../../environments/load";

/** A temporary copy of the real environment folder, for tests that break one file. */
export function copyEnvironments(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-envs-"));
  for (const file of fs.readdirSync(ENVIRONMENTS_DIR).filter((f) => f.endsWith(".yaml"))) {
    fs.copyFileSync(path.join(ENVIRONMENTS_DIR, file), path.join(dir, file));
  }
  return dir;
}

/**
 * Writes `<dir>/<name>.yaml` as the real environment `name` with `changes` applied: each entry sets the value
 * at a field path, or deletes the field when the value is `undefined`. Comments and layout are kept, so line
 * numbers in errors point where a human would look.
 */
export function writeVariant(
  dir: string,
  name: string,
  changes: ReadonlyArray<readonly [ReadonlyArray<string | number>, unknown]>,
): string {
  const doc = parseDocument(fs.readFileSync(path.join(ENVIRONMENTS_DIR, `${name}.yaml`), "utf8"));
  for (const [fieldPath, value] of changes) {
    if (value === undefined) doc.deleteIn(fieldPath);
    else doc.setIn(fieldPath, value);
  }
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, doc.toString());
  return file;
}

/** The problems a broken variant of the real environment `name` reports; fails if it is accepted. */
export function problemsOf(name: string, changes: Parameters<typeof writeVariant>[2]): string[] {
  const file = writeVariant(copyEnvironments(), name, changes);
  try {
    loadEnvironment(file);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error(`expected ${name} with ${JSON.stringify(changes)} to be rejected`);
}
