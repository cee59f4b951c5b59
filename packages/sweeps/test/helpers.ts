import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { loadPlugins, type ArchInfo } from '@prnn/agents';
import { resolveTaskOptions } from '@prnn/env';
import { buildSweepPlan, type BuildPlanOptions, type SweepPlan } from '../src/index.js';

/** A plan built through the real registry (architectures and the DQN's validated defaults). */
export async function testPlan(archNames: readonly string[], overrides: Partial<BuildPlanOptions> = {}): Promise<SweepPlan> {
  const registry = await loadPlugins({ cwd: process.cwd() });
  const task = resolveTaskOptions('track', {});
  const learner = registry.learner('dqn');
  const config = learner.configure(task, { episodes: 20, testMazes: 10, curvePoints: 4 });
  const family = registry.architecture('nine-pathway');
  const all = family.list({ channels: task.channels, hidden: config.hidden });
  const archs: ArchInfo[] = archNames.map((n) => all.find((a) => a.name === n) ?? registry.resolveArch(n, { channels: task.channels, hidden: config.hidden }));
  return buildSweepPlan({
    sweep: 'test',
    task,
    learner: 'dqn',
    config: config as unknown as Record<string, unknown> & { episodes: number },
    archs,
    seeds: 2,
    path: 'compiled',
    chunkSize: 3,
    measures: { noise: [0, 0.05], testMazes: 10, metrics: ['parameters'] },
    ...overrides,
  });
}

/** Temporary directories removed after the file's tests. */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}
