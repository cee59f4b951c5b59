import { beforeAll, describe, expect, test } from 'vitest';
import { PrnnError, parameterError } from '@prnn/core';
import { trainDqn } from '../src/learners/dqn.js';
import { resolveDqnConfig } from '../src/learners/dqn-config.js';
import type { LearnerState } from '../src/sdk/learner.js';
import { TrainingStopped, isTrainingStopped, isTrainingStoppedMarker } from '../src/sdk/training-stopped.js';
import { architecture, kernels, cpuBackend, maxAbsDiff, members, smallConfig, track } from './training-helpers.js';

beforeAll(cpuBackend);

describe('the stop protocol', () => {
  test('shouldStop() stops after the episode in progress with a TrainingStopped carrying the episode, after a checkpoint of it', async () => {
    const task = track();
    const config = smallConfig(task, { episodes: 20, curvePoints: 2, testMazes: 6 });
    const job = { task, architecture, kernels, members: members([['fc', 1], ['hh+oh', 2]]), config, runSeed: 1 };
    const full = await trainDqn(job);
    let asked = 0;
    const states: LearnerState[] = [];
    const error = await trainDqn(job, {
      // asked once per episode: true from the 7th answer on
      shouldStop: () => ++asked >= 7,
      checkpoint: { everyEpisodes: 100, save: (s) => void states.push(s) },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TrainingStopped);
    expect(error).toBeInstanceOf(PrnnError);
    expect(isTrainingStopped(error)).toBe(true);
    const stopped = error as TrainingStopped;
    expect([stopped.episode, stopped.episodes, stopped.checkpointed]).toEqual([7, 20, true]);
    expect(states.map((s) => s.episode)).toEqual([7]);
    const resumed = await trainDqn({ ...job, resume: states[0] });
    resumed.networks.forEach((n, i) => expect(maxAbsDiff(n.weights, full.networks[i].weights)).toBe(0));
  });

  test('without checkpoints the stop says no checkpoint was written; a request in the last episode lets the run finish', async () => {
    const task = track();
    const config = smallConfig(task, { episodes: 10, curvePoints: 2, testMazes: 4 });
    const job = { task, architecture, kernels, members: members([['ff', 3]]), config, runSeed: 0 };
    const error = (await trainDqn(job, { shouldStop: () => true }).catch((e: unknown) => e)) as TrainingStopped;
    expect([error.episode, error.checkpointed]).toEqual([1, false]);
    let asked = 0;
    const r = await trainDqn(job, { shouldStop: () => ++asked >= 10 });
    expect(asked).toBe(10);
    expect(r.networks).toHaveLength(1);
  });

  test('across a thread boundary the class is lost, the marker is not', () => {
    const e = new TrainingStopped(5, 9, true);
    const cloned = structuredClone(e) as unknown;
    expect(cloned).not.toBeInstanceOf(TrainingStopped);
    expect(isTrainingStopped(cloned)).toBe(false);
    const marker = structuredClone(e.toMarker());
    expect(isTrainingStoppedMarker(marker)).toBe(true);
    const again = TrainingStopped.from(marker);
    expect(again).toBeInstanceOf(TrainingStopped);
    expect([again.episode, again.episodes, again.checkpointed, again.message]).toEqual([5, 9, true, e.message]);
    // a message alone is not a stop
    expect(isTrainingStopped(new PrnnError('training stopped at episode 5 of 9'))).toBe(false);
  });
});

describe('errors that name a parameter carry it', () => {
  test('a bad learner parameter is a PrnnError with the parameter and what it must be', () => {
    const error = (() => {
      try {
        resolveDqnConfig(track(), { gamma: 1.5 });
      } catch (e) {
        return e as PrnnError;
      }
    })();
    expect(error).toBeInstanceOf(PrnnError);
    expect(error?.parameter).toBe('gamma');
    expect(error?.requirement).toBe('must be a number in [0, 1] (got 1.5)');
    expect(() => resolveDqnConfig(track(), { curvePoints: 50, episodes: 20 })).toThrow(expect.objectContaining({ parameter: 'curvePoints' }));
    expect(new PrnnError('no parameter here').parameter).toBeUndefined();
    expect(parameterError('lr', 'must be > 0').message).toBe('lr must be > 0');
    expect(() => new PrnnError('gamma must be…', { parameter: 'lr' })).toThrow(/must start with its parameter/);
  });
});
