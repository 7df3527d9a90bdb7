import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration tests time real Python processes: running files one at a time keeps them from skewing each other.
    fileParallelism: false,
    reporters: ["default", "json"],
    outputFile: { json: "node_modules/.vitest-report.json" },
  },
});
