import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources of the workspace packages (the "source" export condition),
// so `npm test` needs no build for the libraries; CLI tests use the compiled dist/ (npm test builds first).
//
// Load: many tests start worker threads or child processes of their own (`--workers 2`, the CLI), so one test
// file already keeps up to two cores busy. Test files therefore run in at most half the cores' forks (one on
// a 2-core machine, as vitest's default of cores − 1 gives there; fewer than that default on larger machines),
// so a loaded machine is not oversubscribed by the suite itself. Forks, not threads: tfjs-node and
// onnxruntime-node are native addons that want a process of their own.
// Timeouts stop a hung test; they are no speed limit. Every test stays far below them on an idle machine
// (docs/CONTRIBUTING.md, Testing); a test whose work is inherently long sets its own larger timeout and says why.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'plugins/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: Math.max(1, Math.floor(availableParallelism() / 2)),
  },
});
