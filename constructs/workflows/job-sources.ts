import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Directory } from "@cdktf/provider-databricks/lib/directory";
import { WorkspaceFile } from "@cdktf/provider-databricks/lib/workspace-file";
import { AssetType, TerraformAsset } from "cdktn";
import { Construct } from "constructs";
import { ObjectPermissions } from "../governance/object-permissions";
import { buildWheel } from "./python-wheel";

/** The folder of the job sources: `jobs-src/` at the repository root. */
export const JOBS_SRC_DIR = path.join(__dirname, "..", "..", "jobs-src");

/** Files of the `lakehouse` package that jobs import (sources, the catalogue, SQL). */
const PACKAGE_FILE = /\.(py|json|sql)$/;

/** Properties of {@link JobSources}. */
export interface JobSourcesProps {
  /** Workspace folder the sources are uploaded to, e.g. `/Workspace/lakehouse/dev`. */
  readonly workspaceRoot: string;
  /**
   * Local folder the sources come from.
   * @default `jobs-src/` of this repository
   */
  readonly sourceRoot?: string;
  /**
   * Folder the sources rendered at synthesis ({@link JobSources.generated}) are written to before cdktf copies
   * them into its output, one subfolder per content hash.
   * @default `.cache/generated-sources` of this repository
   */
  readonly generatedCacheDir?: string;
}

/** A job source uploaded to the workspace. */
export interface JobSource {
  /** Path relative to `jobs-src/`, e.g. `entrypoints/bronze_ingest.py`. */
  readonly relativePath: string;
  /** Workspace path tasks run, e.g. `/Workspace/lakehouse/dev/entrypoints/bronze_ingest.py`. */
  readonly workspacePath: string;
  /** Content hash of the file: it changes exactly when the file changes. */
  readonly assetHash: string;
  /** The `databricks_workspace_file` that uploads it; depend on it to run only after the upload. */
  readonly resource: WorkspaceFile;
}

/** A Python package uploaded as a wheel, what job tasks install and run (see {@link JobSources.wheel}). */
export interface PythonWheelSource extends JobSource {
  /** Distribution name, what a wheel task names as its package. */
  readonly packageName: string;
  /** The entry points it declares (`[project.scripts]`), what a wheel task may run. */
  readonly entryPoints: readonly string[];
}

/** A folder of job sources, every file in it uploaded. */
export interface JobSourceFolder {
  /** Path relative to `jobs-src/`, e.g. `lakehouse/pipelines/definitions`. */
  readonly relativePath: string;
  /** Workspace path of the folder, e.g. `/Workspace/lakehouse/dev/lakehouse/pipelines/definitions`. */
  readonly workspacePath: string;
  /** The source files in it and its subfolders, sorted by path; never empty. */
  readonly files: readonly JobSource[];
}

/**
 * The one registry of job sources: every file a task or pipeline runs is uploaded from `jobs-src/` through
 * here as a cdktf asset (its synthesized path carries the content hash, so a changed file redeploys and an
 * unchanged one plans no change), and a source that does not exist fails synthesis at once.
 *
 * The folder is a `databricks_directory` with one authoritative `databricks_permissions`: jobs run this code as
 * their service principal, so whoever may edit it may act as that principal. Grant with {@link grantRead} and
 * {@link grantManage}; a folder nobody was granted fails validation.
 */
export class JobSources extends Construct {
  /** Workspace folder the sources are uploaded to, without a trailing slash. */
  public readonly workspaceRoot: string;
  /** The workspace folder the files are uploaded into. */
  public readonly directory: Directory;
  private readonly root: string;
  private readonly uploaded = new Map<string, JobSource>();
  private readonly wheels = new Map<string, PythonWheelSource>();
  private readonly generatedFiles = new Map<string, string>();
  private readonly generatedCache: string;
  private readonly permissions: ObjectPermissions;
  private granted = false;

  constructor(scope: Construct, id: string, props: JobSourcesProps) {
    super(scope, id);
    this.root = props.sourceRoot ?? JOBS_SRC_DIR;
    this.generatedCache =
      props.generatedCacheDir ?? path.join(JOBS_SRC_DIR, "..", ".cache", "generated-sources");
    this.workspaceRoot = props.workspaceRoot.replace(/\/+$/, "");
    this.directory = new Directory(this, "Folder", { path: this.workspaceRoot });
    this.permissions = new ObjectPermissions(this, "Permissions", { directoryPath: this.directory.path });
    this.node.addValidation({
      validate: () =>
        this.granted
          ? []
          : [
              `job source folder ${this.workspaceRoot} has no permissions: call grantManage(<the jobs' principal>) so its defaults do not let others edit code the jobs run`,
            ],
    });
  }

  /** Lets `principal` read (not change) the sources: what people get outside development. */
  public grantRead(principal: string): void {
    this.permissions.grant(principal, "CAN_READ");
    this.granted = true;
  }

  /** Lets `principal` change the sources, so only principals that may act as the jobs' identity. */
  public grantManage(principal: string): void {
    this.permissions.grant(principal, "CAN_MANAGE");
    this.granted = true;
  }

  /** Uploads one file (once) and returns it; throws naming the path when it does not exist. */
  public file(relativePath: string): JobSource {
    const normalized = path.posix.normalize(relativePath);
    const existing = this.uploaded.get(normalized);
    if (existing) return existing;
    const absolute = path.join(this.root, normalized);
    if (normalized.startsWith("..") || !fs.existsSync(absolute) || !fs.statSync(absolute).isFile()) {
      throw new Error(
        `job source '${normalized}' does not exist in ${this.root}; add the file or fix the task`,
      );
    }
    return this.upload(normalized, absolute);
  }

  /**
   * Uploads a file rendered at synthesis (e.g. the governance SQL of the environment) under `relativePath` of
   * the workspace folder, like {@link file} does a repository file; nothing generated is committed. The content
   * is written to a scratch folder for the asset, whose hash is the content's, so an unchanged rendering plans
   * no change. Uploading a path twice with different contents throws.
   */
  public generated(relativePath: string, content: string): JobSource {
    const normalized = path.posix.normalize(relativePath);
    if (normalized.startsWith("..") || path.isAbsolute(normalized))
      throw new Error(`generated job source '${relativePath}' must be a path inside the workspace folder`);
    // Content-addressed scratch space: a synthesis leaves no temporary folder behind, and equal renderings
    // share one file.
    const digest = crypto.createHash("sha256").update(content).digest("hex").slice(0, 32);
    const absolute = path.join(this.generatedCache, digest, normalized);
    const existing = this.uploaded.get(normalized);
    if (existing) {
      if (this.generatedFiles.get(normalized) !== absolute)
        throw new Error(`job source '${normalized}' was given twice with different contents`);
      return existing;
    }
    if (!fs.existsSync(absolute)) {
      // Written aside and renamed: a parallel synthesis never reads a half-written file.
      fs.mkdirSync(path.dirname(absolute), { recursive: true });
      const partial = `${absolute}.${process.pid}.partial`;
      fs.writeFileSync(partial, content);
      fs.renameSync(partial, absolute);
    }
    this.generatedFiles.set(normalized, absolute);
    return this.upload(normalized, absolute);
  }

  private upload(normalized: string, absolute: string): JobSource {
    const id = normalized.replace(/[^A-Za-z0-9]+/g, "_");
    const asset = new TerraformAsset(this, `Asset_${id}`, { path: absolute, type: AssetType.FILE });
    const workspacePath = `${this.workspaceRoot}/${normalized}`;
    const resource = new WorkspaceFile(this, `File_${id}`, {
      path: workspacePath,
      source: asset.path,
      dependsOn: [this.directory],
    });
    const source = { relativePath: normalized, workspacePath, assetHash: asset.assetHash, resource };
    this.uploaded.set(normalized, source);
    return source;
  }

  /**
   * Builds the wheel of a package of the source root (its `pyproject.toml`) and uploads it (once) under
   * `wheels/<content hash>/`: one file instead of the package's loose sources, installed by the tasks that
   * name it, and a new path whenever the code changes, since clusters install a library path once.
   */
  public wheel(packageDir: string): PythonWheelSource {
    const existing = this.wheels.get(packageDir);
    if (existing) return existing;
    const built = buildWheel({ sourceRoot: this.root, packageDir });
    const id = `Wheel_${packageDir.replace(/[^A-Za-z0-9]+/g, "_")}`;
    const asset = new TerraformAsset(this, `Asset_${id}`, { path: built.path, type: AssetType.FILE });
    const relativePath = `wheels/${built.hash}/${built.fileName}`;
    const workspacePath = `${this.workspaceRoot}/${relativePath}`;
    // A stable construct id, so a new build plans one replaced file rather than a destroy and an add.
    const resource = new WorkspaceFile(this, id, {
      path: workspacePath,
      source: asset.path,
      dependsOn: [this.directory],
    });
    const wheel: PythonWheelSource = {
      relativePath,
      workspacePath,
      assetHash: asset.assetHash,
      resource,
      packageName: built.packageName,
      entryPoints: built.entryPoints,
    };
    this.wheels.set(packageDir, wheel);
    return wheel;
  }

  /**
   * Uploads every source file of a folder, e.g. the definitions a Lakeflow pipeline includes by glob, and
   * returns the folder; throws naming the folder when it does not exist or holds no source file, so a
   * pipeline never points at nothing.
   */
  public folder(relativeDir: string): JobSourceFolder {
    const normalized = path.posix.normalize(relativeDir).replace(/\/+$/, "");
    const files = this.filesIn(normalized).map((f) => this.file(f));
    if (files.length === 0)
      throw new Error(
        `job source folder '${normalized}' in ${this.root} holds no .py, .json or .sql file; add the sources or fix the path`,
      );
    return { relativePath: normalized, workspacePath: `${this.workspaceRoot}/${normalized}`, files };
  }

  /** Paths (relative to the source root, sorted) of the source, catalogue and SQL files under a folder. */
  private filesIn(relativeDir: string): string[] {
    const absolute = path.join(this.root, relativeDir);
    if (relativeDir.startsWith("..") || !fs.existsSync(absolute) || !fs.statSync(absolute).isDirectory())
      throw new Error(`job source folder '${relativeDir}' does not exist in ${this.root}`);
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs
        .readdirSync(dir, { withFileTypes: true })
        .sort((a, b) => a.name.localeCompare(b.name))) {
        if (entry.name === "__pycache__" || entry.name.startsWith(".")) continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (PACKAGE_FILE.test(entry.name))
          files.push(path.relative(this.root, full).split(path.sep).join("/"));
      }
    };
    walk(absolute);
    return files;
  }

  /** Every uploaded source, wheels included, sorted by path. */
  public get sources(): JobSource[] {
    return [...this.uploaded.values(), ...this.wheels.values()].sort((a, b) =>
      a.relativePath.localeCompare(b.relativePath),
    );
  }
}
