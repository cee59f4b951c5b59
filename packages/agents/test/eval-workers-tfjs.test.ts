import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNinePathwayArchitecture } from '../src/architectures/nine-pathway/architecture.js';
import { evaluateRun } from '../src/eval/evaluate-run.js';
import { trainTinyRun } from './onnx-run-fixture.js';

let dir: string;
let run: string;
const architecture = createNinePathwayArchitecture();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prnn-eval-workers-'));
  run = join(dir, 'run');
  await trainTinyRun(run);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('evaluateRun with the tfjs engine on worker threads', () => {
  it('gives every network the noise sweep of one thread, in run order', async () => {
    const options = { architecture: () => architecture, engine: 'tfjs' as const, mazes: 30, noise: [0, 0.05, 0.3], write: false };
    const one = await evaluateRun(run, options);
    const two = await evaluateRun(run, { ...options, workers: 2 });
    expect(one.networks.map((n) => n.id)).toEqual(['fc_seed0', 'fc_seed1', 'hh+oh_seed0']);
    expect(two.networks.map((n) => [n.id, n.fitness, n.robustness])).toEqual(one.networks.map((n) => [n.id, n.fitness, n.robustness]));
    for (const n of two.networks) for (const f of n.fitness) expect(f).toBeGreaterThan(0);
  });
});
