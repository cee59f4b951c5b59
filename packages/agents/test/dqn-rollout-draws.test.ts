// The DQN rollout's draws made by PopulationDraws (WebAssembly, inside `rollout`), and those of `dqnStepPolicy`
// run on its own (JavaScript, from the Rngs), against a step policy written plainly here as docs/spec.md §3
// says (the oracle: Rng.fillFloat per running network, Rng.float() < ε ? Rng.int(5) : the first largest Q, the
// target r + γ·max Q' − 0.1): the same records (observations, tie noise, actions, targets, lengths) every
// episode and the same streams afterwards, for a mixed population whose networks finish at different steps,
// with learning in between.
import { describe, expect, test } from 'vitest';
import { MazeSet, generateMazeInto, resolveTaskOptions } from '@prnn/env';
import { initBackend, loadPlugins } from '../src/index.js';
import { allocateEpisodeRecords } from '../src/sdk/population-model.js';
import { dqnDefaults } from '../src/learners/dqn-config.js';
import {
  allocateLearningScratch,
  allocateRolloutScratch,
  createTrainingEnv,
  dqnStepPolicy,
  learnFromEpisode,
  rollout,
  rolloutSettings,
  rolloutStreams,
} from '../src/learners/dqn.js';
import { runEpisode, type StepPolicy } from '../src/training/learner-runtime.js';
import type { EpisodeRecords, PopulationModel } from '../src/sdk/population-model.js';
import type { Rng } from '@prnn/core';

/** The DQN's step policy written plainly (per network, its own Rngs). */
function plainStepPolicy(
  model: PopulationModel,
  records: EpisodeRecords,
  streams: { exploration: Rng[]; tieNoise: Rng[] },
  settings: { epsilon: number; gamma: number; stepPenalty: number; tieNoise: number },
): StepPolicy {
  const P = records.population;
  const I = model.inputs;
  const O = model.outputs;
  const tie = new Float32Array(P * O);
  const qNext = new Float32Array(P * O);
  const drawTie = (active: Uint8Array): void => {
    for (let n = 0; n < P; n++) {
      for (let k = 0; k < O; k++) tie[n * O + k] = active[n] === 1 ? streams.tieNoise[n].float() * settings.tieNoise : 0;
    }
  };
  return {
    resense: true,
    noise(_t, active) {
      drawTie(active);
      return tie;
    },
    act(t, obs, q, active, actions) {
      records.obs.set(obs, t * P * I);
      records.tieNoise.set(tie, t * P * O);
      for (let n = 0; n < P; n++) {
        if (active[n] === 0) continue;
        const rng = streams.exploration[n];
        let a = 0;
        if (rng.float() < settings.epsilon) a = rng.int(O);
        else for (let k = 1; k < O; k++) if (q[n * O + k] > q[n * O + a]) a = k;
        actions[n] = a;
        records.actions[t * P + n] = a;
      }
    },
    record(t, env, active) {
      drawTie(active);
      model.forward(env.observations, tie, qNext, false);
      for (let n = 0; n < P; n++) {
        if (active[n] === 0) continue;
        let max = qNext[n * O];
        for (let k = 1; k < O; k++) if (qNext[n * O + k] > max) max = qNext[n * O + k];
        records.targets[t * P + n] = env.rewards[n] + settings.gamma * max - settings.stepPenalty;
        records.lengths[n] = t + 1;
      }
    },
  };
}
import { createPopulationModel } from '../src/training/create-population.js';
import { PopulationOptimizer } from '../src/training/population-optimizer.js';

describe('DQN rollout draws', () => {
  test('PopulationDraws inside rollout, and dqnStepPolicy on its own: the records and streams of the plain step policy', async () => {
    await initBackend('cpu');
    const registry = await loadPlugins({ cwd: process.cwd() });
    const architecture = registry.architecture('nine-pathway');
    const kernels = registry.kernels('nine-pathway');
    const task = resolveTaskOptions('track', {});
    const members = ['fc', 'ff', 'hh+oh', 'ii+io', 'oo', 'hi+oi', 'fc'].map((name, seed) => ({
      arch: architecture.resolve(name, { channels: task.channels, hidden: 8 }),
      seed: 40 + seed,
    }));
    const P = members.length;
    const config = dqnDefaults(task);
    const side = (how: 'rollout' | 'policy' | 'plain') => {
      const model = createPopulationModel({ architecture, kernels, members, task, path: 'compiled' });
      const seeds = members.map((m) => m.seed);
      const allocated = allocateRolloutScratch(P, model.outputs);
      expect(allocated.draws?.backend).toBe('wasm');
      return {
        model,
        how,
        optimizer: new PopulationOptimizer(model.parameters, P, config),
        learning: allocateLearningScratch(model),
        streams: rolloutStreams(seeds),
        mazes: MazeSet.allocate(task, P),
        env: createTrainingEnv(task, config, seeds),
        records: allocateEpisodeRecords(task.steps, P, model.inputs, model.outputs),
        // the oracle's scratch has no draws: its step policy draws from the Rngs in JavaScript
        scratch: how === 'rollout' ? allocated : { ...allocated, draws: undefined },
      };
    };
    const a = side('rollout');
    const b = side('plain');
    const c = side('policy');
    const lengths = new Set<number>();
    try {
      for (let e = 0; e < 40; e++) {
        // ε from greedy to random over the episodes
        const settings = { ...rolloutSettings(config, 0), epsilon: e / 39 };
        for (const s of [a, b, c]) {
          for (let n = 0; n < P; n++) generateMazeInto(s.mazes, n, s.streams.mazes[n]);
          if (s.how === 'rollout') rollout(s.model, s.env, s.mazes, s.records, s.streams, s.scratch, settings);
          else {
            s.records.lengths.fill(0);
            const policy = s.how === 'plain' ? plainStepPolicy(s.model, s.records, s.streams, settings) : dqnStepPolicy(s.model, s.records, s.streams, s.scratch, settings);
            runEpisode(s.model, s.env, s.mazes, s.records.steps, policy, s.scratch.episode);
          }
        }
        for (const s of [a, c]) {
          for (const key of ['obs', 'tieNoise', 'actions', 'targets', 'lengths'] as const) {
            expect(Array.from(s.records[key]), `${s.how}: ${key}, episode ${e}`).toEqual(Array.from(b.records[key]));
          }
        }
        for (const l of a.records.lengths) lengths.add(l);
        for (const s of [a, b, c]) learnFromEpisode(s.model, kernels, s.optimizer, s.records, members, e, config.lr, s.learning);
      }
      for (const s of [a, c]) {
        for (const key of ['tieNoise', 'exploration'] as const) {
          expect(s.streams[key].map((r) => r.state())).toEqual(b.streams[key].map((r) => r.state()));
        }
        expect(s.model.exportWeights(0)).toEqual(b.model.exportWeights(0));
      }
      // networks finished at different steps (finished ones draw nothing), and the tie noise is not all zeros
      expect(lengths.size).toBeGreaterThan(1);
      expect(Array.from(a.records.tieNoise).some((v) => v > 0)).toBe(true);
    } finally {
      for (const s of [a, b, c]) s.model.dispose();
    }
  }, 60_000);
});
