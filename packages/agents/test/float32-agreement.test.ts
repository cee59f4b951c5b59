import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { dqnLearner } from '../src/learners/dqn.js';
import { trainRun } from '../src/training/train-run.js';
import { evaluateRun } from '../src/eval/evaluate-run.js';
import { architecture, cpuBackend, kernels, track } from './training-helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('one precision: prnn eval --run reproduces every stored fitness', () => {
  test('the 129 configurations, 1 000 test mazes, the default (compiled) path: every stored fitness equals onnxruntime\'s', async () => {
    await cpuBackend();
    const task = track();
    const out = mkdtempSync(join(tmpdir(), 'prnn-float32-'));
    dirs.push(out);
    const all = architecture.list({ channels: task.channels, hidden: 8 });
    expect(all).toHaveLength(129);
    const members = all.map((arch) => ({ arch, seed: 5 }));
    // young networks (few episodes) have Q-values all near 1/5: the hardest case for agreement
    const config = dqnLearner.configure(task, { episodes: 30, curvePoints: 1, testMazes: 1000 });
    await trainRun({ task, architecture, kernels, members, learner: dqnLearner, config, runSeed: 2, out, population: 129 });
    const evaluation = await evaluateRun(out, { architecture: () => architecture, noise: [0.05], write: false });
    expect(evaluation.engine).toBe('onnx');
    expect(evaluation.mazes).toBe(1000);
    expect(evaluation.networks).toHaveLength(129);
    let equal = 0;
    let worst = 0;
    for (const n of evaluation.networks) {
      const stored = JSON.parse(readFileSync(join(out, 'networks', n.id, 'result.json'), 'utf8')).fitness as number;
      expect(stored).toBeGreaterThan(0);
      const diff = Math.abs((n.fitness[0] as number) - stored);
      if (diff === 0) equal++;
      worst = Math.max(worst, diff);
    }
    expect(equal / 129).toBeGreaterThanOrEqual(0.99);
    expect(worst).toBeLessThanOrEqual(0.002);
    // the stored fitness is measured through the same float32 arithmetic, so in fact all agree exactly
    expect(equal).toBe(129);
    // on two worker threads (networks evaluated at once, each in its own session and maze world): the same numbers
    const parallel = await evaluateRun(out, { architecture: () => architecture, noise: [0.05], workers: 2, write: false });
    expect(parallel.networks.map((n) => [n.id, n.fitness])).toEqual(evaluation.networks.map((n) => [n.id, n.fitness]));
  }, 300_000);
});
