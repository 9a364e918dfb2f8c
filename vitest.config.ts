import { defineConfig } from 'vitest/config'

/** Test files that need no database: the unit project, a seconds-long inner loop (`npm run test:unit`). */
const UNIT = [
  'chunking',
  'claude',
  'config',
  'dimensions',
  'documents-extract',
  'generation-quality',
  'source-highlight',
  'dependencies',
  'migrations',
  'error-codes',
  'simulator',
  'format',
].map((name) => `test/${name}.test.ts`)

export default defineConfig({
  test: {
    // Inherited by every project (inline projects extend this config in vitest 5).
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file gets its own database, so files run in parallel safely.
    fileParallelism: true,
    projects: [
      { test: { name: 'unit', include: UNIT } },
      // A file that needs Postgres lands here by default; the global setup gives each run one server.
      { test: { name: 'integration', include: ['test/*.test.ts'], exclude: UNIT, globalSetup: ['test/setup/global.ts'] } },
      { test: { name: 'browser', include: ['test/e2e/*.test.ts'], globalSetup: ['test/setup/global.ts'] } },
    ],
  },
})
