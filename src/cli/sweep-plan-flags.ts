import { basename, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { PrnnError } from '@prnn/core';
import { checkFinalTestExport, parseNoiseSpec, type Learner, type Registry } from '@prnn/agents';
import { buildSweepPlan, sweepPreset, type SweepPlan, type SweepPreset } from '@prnn/sweeps';
import { join } from 'node:path';
import { resolveArchList } from '../commands/train.js';
import { configureWithFlagNames, parseLearnerParamsFor, resolveLearners } from './learner-flags.js';
import { withFlag, withParameterFlags } from './flag-errors.js';
import { taskFlags, taskOptionsFromFlags, type TaskFlagValues } from './task-flags.js';

const { maze: _mazeWithDefault, ...otherTaskFlags } = taskFlags;
void _mazeWithDefault;

/** The flags that describe a sweep; unset ones come from --preset (or, without one, `prnn train`'s defaults). */
export const sweepPlanFlags = {
  preset: Flags.option({ options: ['paper-track', 'paper-general', 'small', 'smoke'] as const, description: 'Start from a named sweep (flags given as well override it).' })(),
  name: Flags.string({ description: 'Sweep name, the key of its networks in the store (default: the directory\'s name).' }),
  arch: Flags.string({ description: 'Architectures: names, reference indices 0–127, all (the paper\'s 128 + ff-large, whatever plugins are loaded), or family:NAME (every architecture of a family; a sweep may mix families, one family per chunk).' }),
  seeds: Flags.integer({ description: 'Networks per architecture (seeds --seed-offset …).', min: 1 }),
  'seed-offset': Flags.integer({ description: 'First network seed (default 0).', min: 0, max: 0xffffffff }),
  seed: Flags.integer({ description: 'Run seed: fixes the shared test set (default 0).', min: 0, max: 0xffffffff }),
  episodes: Flags.integer({ description: 'Training episodes per network (default per task: track 100000, general 400000).' }),
  learner: Flags.string({
    description: 'Learner: dqn, or one registered by a plugin; several (comma-separated or repeated, e.g. dqn,a2c,es) plan one sweep per learner in DIR/<learner> for a comparison.',
    multiple: true,
  }),
  'learner-param': Flags.string({
    description: 'A learner parameter as key=value (repeatable), checked by the learner (e.g. pairs=8 for es); with several learners key=value sets it for each, LEARNER:key=value for one (es:pairs=8).',
    multiple: true,
  }),
  'test-mazes': Flags.integer({ description: 'Test mazes of the curve, the final fitness and the noise sweep (default 1000).' }),
  'curve-points': Flags.integer({ description: 'Points of the training curve (default 100).' }),
  noise: Flags.string({ description: 'Noise-sweep levels σs: a level, a list or from:to:count (default 0:0.5:21).' }),
  metric: Flags.string({ description: 'Metric plugins to measure per network (repeatable; default parameters and weight-norms).', multiple: true }),
  'chunk-size': Flags.integer({ description: 'Networks per chunk: one population, one job (default 256).', min: 1 }),
  'checkpoint-every': Flags.integer({ description: 'Checkpoint every this many episodes inside a chunk (default: a tenth of the run).', min: 1 }),
  path: Flags.string({ description: 'Learning-pass implementation: generic (tfjs autodiff of the family\'s step) or a kernel registered for the family (compiled for the 9-pathway family). Default: the family\'s first kernel (compiled where WebAssembly has SIMD), else generic.' }),
  maze: Flags.option({ options: ['track', 'general', 'h'] as const, description: 'Maze kind (default: the preset\'s, else track).', helpGroup: 'TASK' })(),
  ...otherTaskFlags,
};

export interface SweepPlanFlagValues extends Omit<TaskFlagValues, 'maze'> {
  preset?: SweepPreset['name'];
  name?: string;
  arch?: string;
  seeds?: number;
  'seed-offset'?: number;
  seed?: number;
  episodes?: number;
  learner?: string[] | string;
  'learner-param'?: string[];
  'test-mazes'?: number;
  'curve-points'?: number;
  noise?: string;
  metric?: string[];
  'chunk-size'?: number;
  'checkpoint-every'?: number;
  path?: string;
  maze?: TaskFlagValues['maze'];
}

/** A sweep name from a directory: its base name with anything but letters, digits, '.', '_', '-' replaced. */
export function sweepNameOf(dir: string): string {
  const name = basename(resolve(dir)).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return name === '' ? 'sweep' : name;
}

/** One learner's sweep of a (possibly multi-learner) plan: its directory and plan. */
export interface LearnerSweepPlan {
  readonly learner: string;
  readonly dir: string;
  readonly plan: SweepPlan;
}

/**
 * The plans the flags describe, one per learner of `--learner`, every one built and checked (learner names,
 * parameters, architectures, export, paths) before any is written or trained. One learner: its sweep is `dir`
 * (named `name`). Several: learner L's sweep is `dir/L`, named `<name>-L`.
 */
export async function plansFromFlags(registry: Registry, dir: string, flags: SweepPlanFlagValues, preset?: SweepPreset): Promise<LearnerSweepPlan[]> {
  const base = preset ?? (flags.preset ? sweepPreset(flags.preset) : undefined);
  const task = taskOptionsFromFlags({ ...flags, maze: flags.maze ?? base?.maze ?? 'track' });
  const learners = resolveLearners(registry, flags.learner);
  const params = withFlag('--learner-param', undefined, () =>
    parseLearnerParamsFor(flags['learner-param'] ?? [], learners.map((l) => ({ name: l.name, declared: l.defaults(task) }))),
  );
  const name = flags.name ?? sweepNameOf(dir);
  const out: LearnerSweepPlan[] = [];
  for (const learner of learners) {
    const several = learners.length > 1;
    const plan = await planForLearner(registry, flags, base, learner, params.get(learner.name)!, several ? `${name}-${learner.name}` : name, several ? `learner ${learner.name}: ` : '');
    out.push({ learner: learner.name, dir: several ? join(dir, learner.name) : dir, plan });
  }
  return out;
}

/** The plan the flags describe (a preset with overrides, or explicit flags), for one learner. */
export async function planFromFlags(registry: Registry, dir: string, flags: SweepPlanFlagValues, preset?: SweepPreset): Promise<SweepPlan> {
  const plans = await plansFromFlags(registry, dir, flags, preset);
  if (plans.length !== 1) throw new PrnnError(`--learner: this command takes one learner (got ${plans.map((p) => p.learner).join(', ')})`);
  return plans[0].plan;
}

async function planForLearner(
  registry: Registry,
  flags: SweepPlanFlagValues,
  base: SweepPreset | undefined,
  learner: Learner,
  params: Record<string, unknown>,
  sweep: string,
  prefix: string,
): Promise<SweepPlan> {
  const arch = flags.arch ?? base?.arch;
  if (arch === undefined) throw new PrnnError('--arch is required without --preset (e.g. --arch all, or --preset smoke)');
  const task = taskOptionsFromFlags({ ...flags, maze: flags.maze ?? base?.maze ?? 'track' });
  for (const [key, flag] of [['episodes', 'episodes'], ['testMazes', 'test-mazes'], ['curvePoints', 'curve-points']] as const) {
    if (key in params && flags[flag] !== undefined) throw new PrnnError(`--learner-param ${key} and --${flag} both set ${key}; give it once`);
  }
  const episodes = (params.episodes as number | undefined) ?? flags.episodes ?? base?.episodes ?? learner.defaults(task).episodes;
  const config = configureWithFlagNames(learner, () =>
    learner.configure(task, {
      testMazes: flags['test-mazes'] ?? base?.testMazes,
      curvePoints: flags['curve-points'] ?? base?.curvePoints ?? (Number.isInteger(episodes) && episodes >= 10 ? Math.min(100, episodes) : undefined),
      ...params,
      episodes,
    }),
    prefix,
  );
  const archs = resolveArchList(registry, arch, { channels: task.channels, hidden: config.hidden });
  // every network must be able to take the final test (its family exports ONNX): refused now, not after training
  checkFinalTestExport(archs.map((a) => ({ arch: a, seed: 0 })), (family) => ({ architecture: registry.architecture(family), kernels: registry.kernels(family) }), task.channels);
  // the implementation of every family, each checked against --path
  const paths: Record<string, string> = {};
  for (const family of new Set(archs.map((a) => a.family))) paths[family] = withFlag('--path', undefined, () => registry.kernels(family).resolvePath(flags.path));
  const metrics = flags.metric ?? base?.metrics ?? ['parameters', 'weight-norms'];
  for (const m of metrics) withFlag('--metric', undefined, () => registry.metric(m));
  const noise = withFlag('--noise', 'noise', () => parseNoiseSpec(flags.noise ?? base?.noise ?? '0:0.5:21'));
  return withParameterFlags(['seeds', 'seed-offset', 'chunk-size', 'checkpoint-every', 'test-mazes'], () =>
    buildSweepPlan({
      sweep,
      preset: flags.preset ?? base?.name,
      task,
      learner: learner.name,
      config: config as unknown as Record<string, unknown> & { episodes: number },
      archs,
      seeds: flags.seeds ?? base?.seeds ?? 1,
      seedOffset: flags['seed-offset'],
      runSeed: flags.seed,
      path: paths[archs[0]?.family ?? 'nine-pathway'] ?? withFlag('--path', undefined, () => registry.kernels('nine-pathway').resolvePath(flags.path)),
      paths,
      chunkSize: flags['chunk-size'] ?? base?.chunkSize ?? 256,
      checkpointEvery: flags['checkpoint-every'] ?? base?.checkpointEvery,
      // the noise sweeps through onnxruntime, as the final test (every family here exports ONNX: checked above)
      measures: { noise, testMazes: config.testMazes, metrics, engine: 'onnx' },
    }),
    { 'sweep name': 'name' },
  );
}

