import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MazeEnv, generateMazeSet, make, register, registeredEnvs, resolveTaskOptions, type MazeKind, type TaskOptions } from '../src/index.js';
import { PrnnError, Rng } from '@prnn/core';
import { shortestPathAction } from './helpers.js';

const kindArb = fc.constantFrom<MazeKind>('general', 'track', 'h');
const DELTAS = [[0, -1], [0, 1], [-1, 0], [1, 0], [0, 0]];

function taskFor(kind: MazeKind, mask: number[], extra: Partial<TaskOptions> = {}): TaskOptions {
  return resolveTaskOptions(kind, { activeChannels: mask, ...(kind === 'general' ? { mazeNoise: 0.1 } : { mazeNoise: 0.05 }), ...extra });
}

describe('MazeEnv', () => {
  test('random play obeys the rules: observations in [0,1], walls block, Stay stays, terminated/truncated exactly', () => {
    fc.assert(
      fc.property(
        kindArb, fc.nat(), fc.constantFrom(0, 0.05, 0.5), fc.constantFrom([1, 1], [0, 1], [1, 0], [0, 0]),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 40 }),
        (kind, seed, sigma, mask, actions) => {
          const env = new MazeEnv({ kind, task: { activeChannels: mask }, sensorNoise: sigma });
          let { observation, info } = env.reset({ seed });
          const { set, index } = env.maze!;
          const S = set.size;
          const base = index * set.cellCount;
          const steps = set.options.steps;
          const checkObservation = (obs: Float32Array): void => {
            expect(obs.length).toBe(8);
            expect(env.observationSpace.contains(obs)).toBe(true);
            for (let k = 0; k < 8; k++) if (mask[k % 2] === 0) expect(Object.is(obs[k], 0)).toBe(true);
          };
          checkObservation(observation);
          expect(info.position).toBe(set.start[index]);
          for (let t = 0; t < actions.length; t++) {
            const a = actions[t];
            const before = info.position;
            const target = (Math.floor(before / S) + DELTAS[a][0]) * S + (before % S) + DELTAS[a][1];
            const r = env.step(a);
            ({ observation, info } = r);
            checkObservation(observation);
            expect(set.walls[base + info.position]).toBe(0);
            expect(info.position).toBe(set.walls[base + target] === 1 ? before : target);
            if (a === 4) expect(info.position).toBe(before);
            expect(info.step).toBe(t + 1);
            expect(r.terminated).toBe(info.position === set.goal[index]);
            expect(r.truncated).toBe(!r.terminated && t + 1 === steps);
            expect(r.reward).toBe(r.terminated ? 1 : 0);
            if (r.terminated || r.truncated) {
              if (Number.isNaN(info.fitness)) expect(set.fastestSolution[index]).toBe(steps - 1);
              else expect(info.fitness >= 0 && info.fitness <= 1).toBe(true);
              expect(() => env.step(0)).toThrow(PrnnError);
              break;
            }
            expect(info.fitness).toBeNaN();
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test('without sensor noise the observation is the neighbours\' cues, sensor-major in the order L, R, U, D', () => {
    const set = generateMazeSet(resolveTaskOptions('general', { cueSparsity: 0, channels: 3 }), { count: 5, seed: 3 });
    const env = new MazeEnv({ mazeSet: set, sensorNoise: 0 });
    for (let m = 0; m < set.count; m++) {
      const { observation, info } = env.reset({ options: { mazeIndex: m } });
      const S = set.size;
      const neighbours = [info.position - 1, info.position + 1, info.position - S, info.position + S];
      const expected = neighbours.flatMap((cell) => [0, 1, 2].map((c) => set.cues[(m * set.cellCount + cell) * 3 + c]));
      expect(Array.from(observation)).toEqual(expected);
    }
  });

  test('the shortest-path policy reaches the goal in d(start) moves and scores fitness 1', () => {
    fc.assert(
      fc.property(kindArb, fc.nat(), (kind, seed) => {
        const env = new MazeEnv({ kind, task: { steps: 60 } });
        let { info } = env.reset({ seed });
        const { set, index } = env.maze!;
        const dStart = set.distance[index * set.cellCount + set.start[index]];
        let moves = 0;
        for (;;) {
          const r = env.step(shortestPathAction(set, index, info.position));
          moves++;
          info = r.info;
          if (r.terminated) break;
          expect(r.truncated).toBe(false);
        }
        expect(moves).toBe(dStart);
        expect(info.fitness).toBe(1);
      }),
      { numRuns: 60 },
    );
  });

  test('equal seeds give identical trajectories (fresh mazes and noise)', () => {
    fc.assert(
      fc.property(kindArb, fc.nat(), fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 30, maxLength: 30 }), (kind, seed, actions) => {
        const run = (): unknown[] => {
          const env = new MazeEnv({ kind, sensorNoise: 0.2, task: taskFor(kind, [1, 1]) });
          const out: unknown[] = [];
          for (let episode = 0; episode < 2; episode++) {
            const first = env.reset(episode === 0 ? { seed } : {});
            out.push(Array.from(first.observation), first.info);
            for (const a of actions) {
              const r = env.step(a);
              out.push(Array.from(r.observation), r.reward, r.info, Array.from(env.sense()));
              if (r.terminated || r.truncated) break;
            }
          }
          return out;
        };
        expect(run()).toEqual(run());
      }),
      { numRuns: 30 },
    );
    const a = new MazeEnv({ sensorNoise: 0.1 });
    const b = new MazeEnv({ sensorNoise: 0.1 });
    expect(Array.from(a.reset({ seed: 1 }).observation)).not.toEqual(Array.from(b.reset({ seed: 2 }).observation));
  });

  test('a fixed maze set: mazeIndex picks the maze, otherwise a seeded random one', () => {
    const set = generateMazeSet(resolveTaskOptions('track'), { count: 10, seed: 1 });
    const env = new MazeEnv({ mazeSet: set });
    expect(env.reset({ options: { mazeIndex: 7 } }).info.mazeIndex).toBe(7);
    const picks = new Set<number>();
    for (let k = 0; k < 40; k++) picks.add(env.reset().info.mazeIndex);
    expect(picks.size).toBeGreaterThan(5);
    const other = new MazeEnv({ kind: 'track' });
    expect(other.reset({ options: { mazeSet: set, mazeIndex: 3 } }).info.mazeIndex).toBe(3);
    expect(other.maze!.set).toBe(set);
  });

  test('bad input: actions, stepping an ended or unreset env, indices, options', () => {
    const env = new MazeEnv({ kind: 'track' });
    expect(() => env.step(0)).toThrow(/reset\(\) must be called before step\(\)/);
    env.reset({ seed: 1 });
    for (const a of [5, -1, 1.5, Number.NaN]) {
      expect(() => env.step(a)).toThrow(PrnnError);
    }
    expect(() => env.step(7)).toThrow(/action must be an integer in \[0, 4\] \(0 Left, 1 Right, 2 Up, 3 Down, 4 Stay\) \(got 7\)/);
    for (let t = 0; t < 6; t++) env.step(4);
    expect(() => env.step(4)).toThrow(/the episode has ended: call reset\(\) before step\(\)/);
    expect(() => env.reset({ options: { mazeIndex: 0 } })).toThrow(/mazeIndex needs a mazeSet/);
    const set = generateMazeSet(resolveTaskOptions('track'), { count: 2, seed: 1 });
    expect(() => env.reset({ options: { mazeSet: set, mazeIndex: 2 } })).toThrow(/mazeIndex must be an integer in \[0, 1\] \(got 2\)/);
    expect(() => env.reset({ options: { sensorNoise: -0.1 } })).toThrow(/sensorNoise must be a finite number ≥ 0/);
    expect(() => new MazeEnv({ kind: 'track', sensorNoise: Number.NaN })).toThrow(/sensorNoise/);
    expect(() => new MazeEnv({ kind: 'track', reward: 'money' as never })).toThrow(/reward must be one of goal, progress/);
    expect(() => new MazeEnv({ kind: 'track', task: { size: 8 } })).toThrow(/size must be an odd integer/);
    const three = generateMazeSet(resolveTaskOptions('track', { channels: 3 }), { count: 1, seed: 1 });
    expect(() => env.reset({ options: { mazeSet: three } })).toThrow(/channels/);
    env.close();
    expect(() => env.reset()).toThrow(/the env is closed/);
  });

  test('render draws the maze with the agent (ansi) or as SVG', () => {
    const env = new MazeEnv({ kind: 'general' });
    env.reset({ seed: 4 });
    env.step(4);
    const text = env.render('ansi');
    expect(text.split('\n').length).toBe(9);
    expect(text).toContain('@');
    expect(env.render()).toBe(text);
    expect(env.render('svg')).toContain('<svg');
    expect(() => env.render('html' as never)).toThrow(/render mode must be one of ansi, svg/);
  });

  test('the progress reward is 2·(p(position) − p(start))', () => {
    const env = new MazeEnv({ kind: 'general', reward: 'progress', task: { steps: 60 } });
    let { info } = env.reset({ seed: 5 });
    const p0 = info.startProgress;
    const rng = new Rng(1);
    for (let t = 0; t < 60; t++) {
      const r = env.step(rng.int(5));
      info = r.info;
      expect(r.reward).toBeCloseTo(2 * (info.progress - p0), 12);
      if (r.terminated || r.truncated) break;
    }
  });
});

describe('registry', () => {
  test('the built-in ids make envs of their kind', () => {
    expect(registeredEnvs()).toEqual(expect.arrayContaining(['prnn/GeneralMaze-v0', 'prnn/HMaze-v0', 'prnn/TrackMaze-v0']));
    const kinds: Record<string, MazeKind> = { 'prnn/TrackMaze-v0': 'track', 'prnn/GeneralMaze-v0': 'general', 'prnn/HMaze-v0': 'h' };
    for (const [id, kind] of Object.entries(kinds)) {
      const env = make(id, { sensorNoise: 0 }) as MazeEnv;
      expect(env.options.kind).toBe(kind);
      expect(env.observationSpace.size).toBe(8);
      expect(env.actionSpace.n).toBe(5);
      expect(env.reset({ seed: 1 }).observation.length).toBe(8);
    }
    const track = make('prnn/TrackMaze-v0', { task: { gap: 2 } }) as MazeEnv;
    expect(track.options.gap).toBe(2);
  });

  test('unknown ids list the known ones; duplicates and malformed ids are rejected; custom ids work', () => {
    expect(() => make('prnn/Spiral-v0')).toThrow(PrnnError);
    expect(() => make('prnn/Spiral-v0')).toThrow(/unknown env id "prnn\/Spiral-v0"; registered: .*prnn\/GeneralMaze-v0.*prnn\/HMaze-v0.*prnn\/TrackMaze-v0/);
    expect(() => register('prnn/TrackMaze-v0', () => new MazeEnv())).toThrow(/already registered/);
    expect(() => register('no version', () => new MazeEnv())).toThrow(/env id must look like/);
    register('test/SmallGeneral-v0', (options?: { seedless?: boolean }) => new MazeEnv({ kind: 'general', task: { size: 5 }, ...options }));
    const env = make('test/SmallGeneral-v0') as MazeEnv;
    expect(env.options.size).toBe(5);
    expect(registeredEnvs()).toContain('test/SmallGeneral-v0');
  });
});
