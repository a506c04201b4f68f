import * as fs from "node:fs";
import * as path from "node:path";

const REQUIREMENTS = path.join(__dirname, "..", "..", "jobs-src", "requirements.txt");

/**
 * The pinned `name==version` lines of `jobs-src/requirements.txt` for `names`: the ML tasks install these as
 * PyPI task libraries on the jobs' runtime, so the versions that train and score on Databricks are the ones the
 * local tests ran with. Throws naming a package the file does not pin.
 */
export function pinnedRequirements(names: readonly string[], file: string = REQUIREMENTS): string[] {
  const pins = new Map<string, string>();
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const match = /^([A-Za-z0-9_.-]+)==(\S+)\s*$/.exec(line.trim());
    if (match) pins.set(match[1].toLowerCase(), `${match[1]}==${match[2]}`);
  }
  return names.map((name) => {
    const pin = pins.get(name.toLowerCase());
    if (!pin)
      throw new Error(`${path.relative(process.cwd(), file)} pins no '${name}'; add '${name}==<version>'`);
    return pin;
  });
}
