/** Jest runs the TypeScript tests through ts-jest; type errors are caught by `tsc --noEmit` instead. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { isolatedModules: true, diagnostics: false }],
  },
  setupFilesAfterEnv: ["<rootDir>/tests/setup.ts"],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
  testTimeout: 60000,
};
