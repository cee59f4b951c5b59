import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources of the workspace packages (the "source" export condition),
// so `npm test` needs no build for the libraries; CLI tests use the compiled dist/ (npm test builds first).
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'plugins/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
