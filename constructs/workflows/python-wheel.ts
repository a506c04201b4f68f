import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const REPO_ROOT = path.join(__dirname, "..", "..");

/** A wheel built from a folder holding `pyproject.toml` (see `scripts/build_wheel.py`). */
export interface BuiltWheel {
  /** Absolute path of the `.whl` in the build cache. */
  readonly path: string;
  /** File name, e.g. `lakehouse-0.1.0-py3-none-any.whl`. */
  readonly fileName: string;
  /** Hash of every input file: it changes exactly when the wheel's content does. */
  readonly hash: string;
  /** Distribution name from `pyproject.toml`, what a wheel task names as its package. */
  readonly packageName: string;
  /** Names under `[project.scripts]`: the entry points a wheel task may run. */
  readonly entryPoints: readonly string[];
}

/** Where the wheel is built from and with what. */
export interface WheelBuildOptions {
  /** Folder holding `pyproject.toml`. */
  readonly sourceRoot: string;
  /** Package folder inside it, e.g. `lakehouse`. */
  readonly packageDir: string;
  /**
   * Python that builds it: needs pip and the pinned setuptools.
   * @default `$LAKEHOUSE_WHEEL_PYTHON`, else the project's `.venv/bin/python` (made by `make setup`)
   */
  readonly python?: string;
  /**
   * Folder the wheels are cached in, one subfolder per content hash.
   * @default `.cache/wheels` of this repository
   */
  readonly cacheDir?: string;
}

// One build per source folder and process: synthesis asks for the same wheel from every stack.
const built = new Map<string, BuiltWheel>();

/**
 * Builds (or finds in the cache) the wheel of a Python package, reproducibly: equal sources give a
 * byte-identical file, so an unchanged package plans no change. Throws naming what is missing.
 */
export function buildWheel(options: WheelBuildOptions): BuiltWheel {
  const key = `${path.resolve(options.sourceRoot)}#${options.packageDir}`;
  const cached = built.get(key);
  if (cached) return cached;
  const python =
    options.python ?? process.env.LAKEHOUSE_WHEEL_PYTHON ?? path.join(REPO_ROOT, ".venv", "bin", "python");
  if (!fs.existsSync(python))
    throw new Error(
      `building the ${options.packageDir} wheel needs ${python}, which does not exist; run 'make setup' (or set LAKEHOUSE_WHEEL_PYTHON)`,
    );
  let output: string;
  try {
    output = execFileSync(
      python,
      [
        path.join(REPO_ROOT, "scripts", "build_wheel.py"),
        "--source",
        options.sourceRoot,
        "--package",
        options.packageDir,
        "--cache",
        options.cacheDir ?? path.join(REPO_ROOT, ".cache", "wheels"),
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(
      `building the ${options.packageDir} wheel from ${options.sourceRoot} failed: ${stderr || error}`,
    );
  }
  const wheel = JSON.parse(output) as BuiltWheel;
  built.set(key, wheel);
  return wheel;
}
