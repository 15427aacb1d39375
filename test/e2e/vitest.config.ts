import { defineConfig } from "vitest/config";

// The browser end-to-end suite (npm run test:e2e): Debian's chromium driven by playwright-core.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    fileParallelism: false,
  },
});
