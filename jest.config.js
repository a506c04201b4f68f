/** Jest runs the TypeScript tests through ts-jest; type errors are caught by `tsc --noEmit` instead. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    // Transpile only (tsconfig.jest.json sets isolatedModules): `tsc --noEmit` type-checks separately.
    "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.jest.json", diagnostics: false }],
  },
  globalSetup: "<rootDir>/tests/jest-global-setup.js",
  globalTeardown: "<rootDir>/tests/jest-global-teardown.js",
  setupFilesAfterEnv: ["<rootDir>/tests/setup.ts"],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
  testTimeout: 60000,
};
