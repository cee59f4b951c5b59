import { beforeAll, describe, expect, test } from 'vitest';
import { Rng } from '@prnn/core';
import { MazeSet, generateMazeInto, resolveTaskOptions } from '@prnn/env';
import { trainDqn } from '../src/learners/dqn.js';
import { mazeTaskSource, TrainingMazes, type TaskSource } from '../src/sdk/task-source.js';
import { architecture, cpuBackend, kernels, members, smallConfig, track } from './training-helpers.js';

beforeAll(cpuBackend);

/** The built-in mazes without their layouts: every training maze generated into its own slot. */
const withoutLayouts: TaskSource = { ...mazeTaskSource, layouts: undefined };

/** Maze i of a set as plain arrays. */
function mazeOf(set: MazeSet, i: number) {
  const m = set.maze(i);
  return { walls: Array.from(m.walls), cues: Array.from(m.cues), distance: Array.from(m.distance), progress: Array.from(m.progress), start: set.start[i], goal: set.goal[i], fastest: set.fastestSolution[i] };
}

describe('TrainingMazes', () => {
  for (const kind of ['track', 'h', 'general'] as const) {
    test(`${kind}: env n's maze is the one generateMazeInto draws from network n's stream`, () => {
      const task = resolveTaskOptions(kind, {});
      const P = 6;
      const seeds = [3, 1, 4, 1, 5, 9];
      for (const source of [mazeTaskSource, withoutLayouts]) {
        const mazes = new TrainingMazes(source, task, P);
        expect(mazes.fixed).toBe(source === mazeTaskSource && kind !== 'general');
        const rngs = seeds.map((s) => new Rng(s));
        const oracle = seeds.map((s) => new Rng(s));
        const direct = MazeSet.allocate(task, 1);
        const mazeOfEnv = new Int32Array(P).fill(-1);
        for (let episode = 0; episode < 5; episode++) {
          mazes.draw(rngs, mazeOfEnv);
          for (let n = 0; n < P; n++) {
            generateMazeInto(direct, 0, oracle[n]);
            expect(mazeOf(mazes.set, mazeOfEnv[n])).toEqual(mazeOf(direct, 0));
            expect(rngs[n].state()).toEqual(oracle[n].state());
          }
        }
        if (!mazes.fixed) expect(Array.from(mazeOfEnv)).toEqual([0, 1, 2, 3, 4, 5]);
        else expect(mazes.set.count).toBe(kind === 'h' ? 16 : 4);
      }
    });
  }

  test('DQN training on the layouts equals training on a fresh maze per network, bit for bit', async () => {
    for (const task of [track(), resolveTaskOptions('h', {})]) {
      const config = smallConfig(task, { episodes: 40, curvePoints: 2, testMazes: 8 });
      const job = { task, architecture, kernels, members: members([['fc', 1], ['hh+oh', 2], ['ff', 3]], task.channels), config, runSeed: 5 };
      // each path counted, so the test cannot pass by both runs taking the same one
      let generated = 0;
      let layoutsAsked = 0;
      const counted: TaskSource = {
        ...withoutLayouts,
        generateInto: (set, slot, rng) => {
          generated++;
          mazeTaskSource.generateInto(set, slot, rng);
        },
      };
      const layered: TaskSource = {
        ...mazeTaskSource,
        layouts: (o) => {
          layoutsAsked++;
          return mazeTaskSource.layouts?.(o);
        },
      };
      const [fixed, fresh] = [await trainDqn({ ...job, taskSource: layered }), await trainDqn({ ...job, taskSource: counted })];
      expect(layoutsAsked).toBe(1);
      expect(generated).toBe(40 * 3);
      fixed.networks.forEach((f, n) => {
        const g = fresh.networks[n];
        for (const k of Object.keys(g.weights)) expect(f.weights[k], `${task.kind} network ${n} ${k}`).toEqual(g.weights[k]);
        expect(f.fitness).toBe(g.fitness);
      });
    }
  });
});
