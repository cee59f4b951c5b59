// The conformance suite with its tiny cycle on 2 worker threads (training, resume and the evaluation split among
// them), the plugin loaded by the workers by its package name as `--workers` loads it. One plugin of each kind whose
// worker set-up differs: a family compiled from its description (gru), a family on the generic tfjs path
// (lowrank-rnn), a learner that swaps the job's kernels (a2c), a task and a metric. The other example plugins
// (masked-rnn, es, replay-dqn) load in the workers the same way; their own test files run the suite on 1 worker.
import { describe, expect, it } from 'vitest';
import { TYPES, builtinPlugins, createContainer, type PrnnPlugin } from '@prnn/agents';
import { checkArchitecture, checkLearner, checkMetric, checkTask, type CheckOptions, type ConformanceReport } from '@prnn/agents/testing';
import a2c from '@prnn/plugin-a2c';
import distractorTrack from '@prnn/plugin-distractor-track';
import gru from '@prnn/plugin-gru';
import lowRank, { lowRankArchitecture } from '@prnn/plugin-lowrank-rnn';
import qMargin from '@prnn/plugin-q-margin-metric';

const builtins = createContainer(builtinPlugins()).container;

/** Every check of what `plugin` adds to the built-ins (architectures, learners, metrics, tasks). */
async function checkAll(plugin: PrnnPlugin, o: CheckOptions): Promise<ConformanceReport[]> {
  const registered = createContainer([...builtinPlugins(), plugin]).container;
  const added = <T>(kind: symbol): T[] => {
    const base: unknown[] = builtins.isBound(kind) ? builtins.getAll(kind) : [];
    return (registered.isBound(kind) ? registered.getAll<T>(kind) : []).filter((s) => !base.includes(s));
  };
  const reports: ConformanceReport[] = [];
  for (const a of added<Parameters<typeof checkArchitecture>[0]>(TYPES.Architecture)) reports.push(await checkArchitecture(a, o));
  for (const l of added<Parameters<typeof checkLearner>[0]>(TYPES.Learner)) reports.push(await checkLearner(l, o));
  for (const m of added<Parameters<typeof checkMetric>[0]>(TYPES.Metric)) reports.push(await checkMetric(m, o));
  for (const t of added<Parameters<typeof checkTask>[0]>(TYPES.Task)) reports.push(await checkTask(t, o));
  return reports;
}

const PLUGINS: [string, PrnnPlugin, string][] = [
  ['@prnn/plugin-gru', gru, 'architecture gru'],
  ['@prnn/plugin-lowrank-rnn', lowRank, 'architecture lowrank-rnn'],
  ['@prnn/plugin-a2c', a2c, 'learner a2c'],
  ['@prnn/plugin-distractor-track', distractorTrack, 'task distractor/Track-v0'],
  ['@prnn/plugin-q-margin-metric', qMargin, 'metric q-margin'],
];

describe('the conformance suite on 2 workers', () => {
  it.each(PLUGINS)('%s conforms', async (spec, plugin, subject) => {
    const reports = await checkAll(plugin, { plugins: [plugin], workers: 2, load: { extra: [spec] } });
    expect(reports.map((r) => r.subject)).toEqual([subject]);
    for (const r of reports) {
      expect(r.problems, r.subject).toEqual([]);
      expect(r.passed.length, r.subject).toBeGreaterThanOrEqual(6);
    }
  });

  it('reports a plugin the workers cannot load (handed over only as an object)', async () => {
    const report = await checkArchitecture(lowRankArchitecture, { plugins: [lowRank], workers: 2 });
    expect(report.ok).toBe(false);
    expect(report.problems.find((p) => p.startsWith('train:'))).toMatch(/worker/);
  });
});
