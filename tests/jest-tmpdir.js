/**
 * Jest's global setup and teardown: every temporary folder the tests (and cdktf's Testing helpers, which
 * never clean up) make goes into one folder per run, removed when the run ends, so runs leave nothing in
 * the system's temporary folder. Workers start after the setup and inherit TMPDIR.
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const VARIABLE = "LAKEHOUSE_JEST_TMPDIR";

module.exports.setup = async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-jest-"));
  process.env[VARIABLE] = dir;
  process.env.TMPDIR = dir;
};

module.exports.teardown = async () => {
  const dir = process.env[VARIABLE];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
