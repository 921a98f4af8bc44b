import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/globalSetup.ts"],
    setupFiles: ["test/helpers/setupNock.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: the database server needs one of them.
    maxWorkers: 2,
  },
});
