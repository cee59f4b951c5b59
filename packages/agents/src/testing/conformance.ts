import { ensureBackend } from '../backend.js';
/**
 * The conformance suite for plugin authors (in the spirit of Gymnasium's env checker): each check runs a
 * tiny but real train → checkpoint/resume → export → ONNX parity → eval → measure cycle around the plugin
 * and reports every contract violation it finds with a message saying what is wrong.
 *
 *   import { checkArchitecture, assertConformance } from '@prnn/agents/testing';
 *   assertConformance(await checkArchitecture(myArchitecture));
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { MazeSet, resolveTaskOptions, type TaskOptions } from '@prnn/env';
import { PrnnError, Rng } from '@prnn/core';
import { defineArchitecture } from '../sdk/define-architecture.js';
import { builtinPlugins } from '../builtins/index.js';
import { dqnLearner } from '../learners/dqn.js';
import { selectedSquaredError } from '../learners/selected-squared-error.js';
import { evaluateRun } from '../eval/evaluate-run.js';
import { OnnxPolicy } from '../eval/onnx-policy.js';
import { measureRun } from '../metrics/measure-run.js';
import { exportRunNetwork } from '../onnx/export-run.js';
import { readNetworkWeights } from '../run/run-dir.js';
import type { ArchInfo, Architecture, PopulationMember } from '../sdk/architecture.js';
import { createContainer, type Registry } from '../sdk/container.js';
import { KernelSet } from '../sdk/kernel.js';
import { learningPass } from '../sdk/learning-pass.js';
import type { Learner, LearnerConfig } from '../sdk/learner.js';
import type { Metric } from '../sdk/metric.js';
import { definePlugin, type PrnnPlugin } from '../sdk/plugin.js';
import { allocateEpisodeRecords, allocateLike, type PopulationModel } from '../sdk/population-model.js';
import type { TaskSource } from '../sdk/task-source.js';
import { TYPES } from '../sdk/tokens.js';
import { trainRun } from '../training/train-run.js';
import { TrainingInterrupted } from '../training/training-interrupted.js';
import { isTrainingStopped } from '../sdk/training-stopped.js';

/**
 * Outcome of a conformance check of a plugin: what was checked, every problem found, the checks that passed, and
 * whether it conforms.
 */
export interface ConformanceReport {
  /** What was checked, e.g. `architecture lowrank-rnn`. */
  readonly subject: string;
  /** Every violation found (empty: the plugin conforms). */
  readonly problems: string[];
  /** The checks that ran, in order. */
  readonly passed: string[];
  readonly ok: boolean;
}

/**
 * Options of a conformance check: the task and episodes of the tiny training cycle, and the other plugins the subject
 * needs.
 */
export interface CheckOptions {
  /** The task of the tiny cycle (default: the Track maze). */
  readonly task?: TaskOptions;
  /** Training episodes of the tiny cycle (default 10, the learners' minimum). */
  readonly episodes?: number;
  /** Other plugins the subject needs (e.g. the architecture a learner or metric is checked with). */
  readonly plugins?: readonly PrnnPlugin[];
  /**
   * checkLearner only: further networks to run the tiny cycle on, by name (`lowrank-r2`, or `family:spec`),
   * resolved from the built-ins and `plugins` (one cycle per family, one network per name).
   */
  readonly architectures?: readonly string[];
  /**
   * Worker threads of the tiny cycle's training and evaluation (default 1). Above 1 every plugin involved must be
   * loadable by the workers, as `--workers` needs: named in the prnn.config.json of `load.cwd` or in `load.extra`.
   * (checkLearner's cycle on its own Elman family stays in this thread: that family is no loadable plugin.)
   */
  readonly workers?: number;
  /** With `workers`: where the workers load plugins from (default: the working directory, no extra specs). */
  readonly load?: { readonly cwd?: string; readonly extra?: readonly string[] };
}

/** Throws a PrnnError listing every problem of `report` (one per line). */
export function assertConformance(report: ConformanceReport): void {
  if (!report.ok) throw new PrnnError(`${report.subject} violates the plugin contract:\n- ${report.problems.join('\n- ')}`);
}

class Checker {
  readonly problems: string[] = [];
  readonly passed: string[] = [];
  constructor(readonly subject: string) {}

  /** Runs one check; a thrown error or a false result is recorded as a problem. */
  async check(name: string, f: () => unknown): Promise<void> {
    try {
      const problem = await f();
      if (typeof problem === 'string') this.problems.push(`${name}: ${problem}`);
      else this.passed.push(name);
    } catch (err) {
      this.problems.push(`${name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }

  report(): ConformanceReport {
    return { subject: this.subject, problems: this.problems, passed: this.passed, ok: this.problems.length === 0 };
  }
}

function pluginOf(kind: symbol, service: unknown, name: string): PrnnPlugin {
  return definePlugin({ manifest: { name: `conformance/${name}`, version: '0.0.0' }, module: ({ bind }) => void bind(kind).toConstantValue(service) });
}

/** The built-ins and `extra`, plus the subject unless it is one of them already (checking a built-in). */
function registryWith(extra: readonly PrnnPlugin[], kind: symbol, service: unknown, name: string): Registry {
  const base = createContainer([...builtinPlugins(), ...extra]);
  const registered = base.container.isBound(kind) ? base.container.getAll(kind) : [];
  return registered.includes(service) ? base : createContainer([...builtinPlugins(), ...extra, pluginOf(kind, service, name)]);
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** One network of `arch` (seed 1), two on workers (seeds 1, 2: one network would not be split among them). */
function oneOrTwo(arch: ArchInfo, o: CheckOptions): PopulationMember[] {
  return (o.workers ?? 1) > 1 ? [{ arch, seed: 1 }, { arch, seed: 2 }] : [{ arch, seed: 1 }];
}

/** The tiny cycle every check runs: train (interrupted and resumed, and uninterrupted), export, eval, measure. */
async function tinyCycle(
  c: Checker,
  registry: Registry,
  o: { members: PopulationMember[]; learner: Learner; task: TaskOptions; episodes: number; taskSource?: TaskSource; metrics?: Metric[]; threads?: Pick<CheckOptions, 'workers' | 'load'> },
): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'prnn-conformance-'));
  try {
    const family = o.members[0].arch.family;
    const architecture = registry.architecture(family);
    let config: LearnerConfig;
    try {
      config = o.learner.configure(o.task, { episodes: o.episodes, curvePoints: 2, testMazes: 8 });
    } catch (err) {
      c.problems.push(`configure: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
    const base = {
      task: o.task,
      taskSource: o.taskSource,
      architecture,
      kernels: registry.kernels(family),
      families: registry,
      members: o.members,
      learner: o.learner,
      config,
      runSeed: 3,
      backend: 'cpu',
      population: o.members.length,
      workers: o.threads?.workers,
      plugins: o.threads?.load,
    };
    const full = join(dir, 'full');
    const resumed = join(dir, 'resumed');
    await c.check('train: a tiny run completes with finite fitness', async () => {
      const r = await trainRun({ ...base, out: full });
      if (!r.networks.every((n) => n.fitness === null || (n.fitness >= 0 && n.fitness <= 1))) return `fitness out of [0, 1]: ${r.networks.map((n) => n.fitness).join(', ')}`;
    });
    await c.check('checkpoint/resume: an interrupted run resumes to the uninterrupted weights', async () => {
      const stop = new AbortController();
      stop.abort();
      const every = Math.max(1, Math.floor(o.episodes / 2));
      await trainRun({ ...base, out: resumed, checkpointEvery: every, signal: stop.signal }).then(
        () => {
          throw new PrnnError('training did not stop when aborted');
        },
        (err: unknown) => {
          if (!(err instanceof TrainingInterrupted) && !isTrainingStopped(err)) throw err;
        },
      );
      await trainRun({ ...base, out: resumed, resume: true });
      for (const m of o.members) {
        const id = `${m.arch.name}_seed${m.seed}`;
        const a = await readNetworkWeights(full, id);
        const b = await readNetworkWeights(resumed, id);
        for (const k of Object.keys(a)) if (maxDiff(a[k], b[k]) !== 0) return `network ${id}: weights ${k} differ after resume`;
      }
    });
    const resolve = { architecture: (f: string) => registry.architecture(f), taskSource: (id: string) => registry.task(id) };
    if (architecture.exportOnnx) {
      await c.check('export + ONNX parity: onnxruntime computes the outputs of the tfjs model', async () => {
        const m = o.members[0];
        const id = `${m.arch.name}_seed${m.seed}`;
        const file = join(dir, 'policy.onnx');
        await exportRunNetwork(full, { id }, file, resolve);
        const policy = await OnnxPolicy.load(file);
        const model = architecture.createPopulation([m], { channels: o.task.channels });
        try {
          model.importWeights(0, await readNetworkWeights(full, id));
          const B = 3;
          policy.reset(B);
          model.resetState(B);
          const rng = new Rng(11);
          const q1 = new Float32Array(B * 5);
          const q2 = new Float32Array(B * 5);
          for (let t = 0; t < 4; t++) {
            const obs = Float32Array.from({ length: B * model.inputs }, () => rng.float());
            await policy.step(obs, q1);
            model.forward(obs, null, q2, true);
            const d = maxDiff(q1, q2);
            if (!(d <= 1e-4)) return `step ${t}: ONNX and tfjs outputs differ by ${d}`;
          }
        } finally {
          await policy.release();
          model.dispose();
        }
      });
    } else {
      c.problems.push('export: the architecture has no exportOnnx (define it with defineArchitecture to get a traced one)');
    }
    await c.check('eval: the onnx and tfjs engines agree and reproduce the stored fitness', async () => {
      const opts = { ...resolve, mazes: 8, noise: [config.sensorNoise], write: false, workers: o.threads?.workers, plugins: o.threads?.load };
      const onnx = await evaluateRun(full, { ...opts, engine: 'onnx' });
      const tfjs = await evaluateRun(full, { ...opts, engine: 'tfjs' });
      for (let k = 0; k < onnx.networks.length; k++) {
        const a = onnx.networks[k].fitness[0];
        const b = tfjs.networks[k].fitness[0];
        if (a !== b) return `network ${onnx.networks[k].id}: onnx fitness ${a} but tfjs ${b}`;
      }
    });
    await c.check('measure: metrics run over the run', async () => {
      const metrics = o.metrics ?? [registry.metric('parameters'), registry.metric('weight-norms'), registry.metric('activity')];
      const r = await measureRun(full, { ...resolve, metrics, write: false });
      for (const n of r.networks) for (const m of metrics) if (n.values[m.name] === undefined) return `no value of ${m.name} for ${n.id}`;
    });
    return undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * An architecture family: its listing and resolution, the seeded init, weights round-trip, forward
 * (finite outputs, `advance` honoured), population independence, the generic learning pass, then the
 * tiny cycle with the reference DQN.
 */
export async function checkArchitecture(architecture: Architecture, o: CheckOptions = {}): Promise<ConformanceReport> {
  // a plugin author's script need not call initBackend first
  await ensureBackend();
  const c = new Checker(`architecture ${architecture?.family}`);
  const task = o.task ?? resolveTaskOptions('track', {});
  const sizes = { channels: task.channels, hidden: 8 };
  let registry: Registry | undefined;
  await c.check('registers', () => {
    registry = registryWith(o.plugins ?? [], TYPES.Architecture, architecture, architecture.family);
  });
  if (!registry) return c.report();
  let archs: ArchInfo[] = [];
  await c.check('list: members of this family, each resolvable by name', () => {
    archs = architecture.list(sizes);
    if (!Array.isArray(archs) || archs.length === 0) return 'list() returned no architectures';
    for (const a of archs) {
      if (a.family !== architecture.family) return `${a.name} has family ${a.family}, not ${architecture.family}`;
      if (!(Number.isInteger(a.hidden) && a.hidden > 0 && Number.isInteger(a.parameters) && a.parameters > 0)) return `${a.name} needs integer hidden and parameters > 0`;
      const again = architecture.resolve(a.name, sizes);
      if (!again || again.name !== a.name) return `resolve(${JSON.stringify(a.name)}) does not give it back`;
    }
    if (architecture.resolve('\u0000not-an-architecture', sizes) !== undefined) return 'resolve() must return undefined for a spec that is not its own';
  });
  if (archs.length === 0) return c.report();
  const arch = archs[archs.length - 1];
  const members: PopulationMember[] = [
    { arch, seed: 1 },
    { arch: archs[0], seed: 2 },
    { arch, seed: 3 },
  ];
  const create = (ms: PopulationMember[]): PopulationModel => architecture.createPopulation(ms, { channels: task.channels });
  await c.check('init: seeded, weights round-trip, parameters counted', () => {
    const a = create(members);
    const b = create([members[2]]);
    try {
      const w = a.exportWeights(2);
      const count = Object.values(w).reduce((n, x) => n + x.length, 0);
      if (count !== arch.parameters) return `${arch.name} exports ${count} weights but declares ${arch.parameters} parameters`;
      const alone = b.exportWeights(0);
      for (const k of Object.keys(w)) if (maxDiff(w[k], alone[k]) !== 0) return `weights ${k} of a network depend on its population`;
      const scaled = Object.fromEntries(Object.entries(w).map(([k, x]) => [k, x.map((v) => 2 * v)]));
      a.importWeights(2, scaled);
      const back = a.exportWeights(2);
      for (const k of Object.keys(w)) if (maxDiff(back[k], scaled[k]) !== 0) return `importWeights then exportWeights changes ${k}`;
      if (!a.parameters.shapes.every((s) => s[0] === 3)) return 'every parameter must have the population as its leading dimension';
    } finally {
      a.dispose();
      b.dispose();
    }
  });
  await c.check('forward: finite outputs, advance=false keeps the state, networks independent', () => {
    const a = create(members);
    const b = create([members[1]]);
    try {
      const I = a.inputs;
      const O = a.outputs;
      if (O !== 5) return `outputs must be 5, one per action (got ${O})`;
      const rng = new Rng(5);
      const obs = Float32Array.from({ length: 3 * I }, () => rng.float());
      const q = new Float32Array(3 * O);
      const q2 = new Float32Array(3 * O);
      const qb = new Float32Array(O);
      a.resetState(1);
      b.resetState(1);
      a.forward(obs, null, q, true);
      b.forward(obs.subarray(I, 2 * I), null, qb, true);
      if (!q.every(Number.isFinite)) return 'outputs are not finite';
      a.forward(obs, null, q, false);
      a.forward(obs, null, q2, false);
      if (maxDiff(q, q2) !== 0) return 'a forward without advance changed the state';
      b.forward(obs.subarray(I, 2 * I), null, qb, false);
      if (maxDiff(q.subarray(O, 2 * O), qb) > 1e-6) return 'a network computes differently alone and in a population';
    } finally {
      a.dispose();
      b.dispose();
    }
  });
  await c.check('learning pass: finite losses and a non-zero gradient by autodiff of the step', () => {
    const a = create(members);
    try {
      const T = 4;
      const records = allocateEpisodeRecords(T, 3, a.inputs, a.outputs);
      const rng = new Rng(7);
      for (let j = 0; j < records.obs.length; j++) records.obs[j] = rng.float();
      for (let j = 0; j < records.actions.length; j++) records.actions[j] = rng.int(5);
      for (let j = 0; j < records.targets.length; j++) records.targets[j] = rng.float();
      records.lengths.set([4, 2, 3]);
      const losses = new Float32Array(3);
      const gradients = allocateLike(a.parameters);
      learningPass(a, new KernelSet(architecture.family, []), selectedSquaredError, records, losses, gradients);
      if (!losses.every((l) => Number.isFinite(l) && l > 0)) return `losses must be finite and positive (got ${Array.from(losses).join(', ')})`;
      if (!gradients.some((g) => g.some((x) => x !== 0))) return 'every gradient is zero';
      if (!gradients.every((g) => g.every(Number.isFinite))) return 'a gradient is not finite';
    } finally {
      a.dispose();
    }
  });
  await tinyCycle(c, registry, { members: [members[0], members[1]], learner: dqnLearner, task, episodes: o.episodes ?? 10, threads: o });
  return c.report();
}

/** A learner: defaults and configure (unknown keys refused), then the tiny cycle with a built-in family. */
export async function checkLearner(learner: Learner, o: CheckOptions = {}): Promise<ConformanceReport> {
  // a plugin author's script need not call initBackend first
  await ensureBackend();
  const c = new Checker(`learner ${learner?.name}`);
  const task = o.task ?? resolveTaskOptions('track', {});
  let registry: Registry | undefined;
  await c.check('registers', () => {
    registry = registryWith(o.plugins ?? [], TYPES.Learner, learner, learner.name);
  });
  if (!registry) return c.report();
  await c.check('defaults and configure: the common parameters, unknown keys refused', () => {
    const d = learner.defaults(task);
    for (const k of ['episodes', 'sensorNoise', 'hidden', 'curvePoints', 'testMazes'] as const) {
      if (typeof d[k] !== 'number') return `defaults must give ${k} as a number`;
    }
    let refused = false;
    try {
      learner.configure(task, { 'no-such-parameter': 1 });
    } catch (err) {
      refused = err instanceof PrnnError;
    }
    if (!refused) return 'configure must refuse an unknown parameter with a PrnnError';
  });
  const sizes = { channels: task.channels, hidden: 8 };
  const members = [
    { arch: registry.resolveArch('hh+oh', sizes), seed: 1 },
    { arch: registry.resolveArch('ff', sizes), seed: 2 },
  ];
  await tinyCycle(c, registry, { members, learner, task, episodes: o.episodes ?? 10, threads: o });
  // a family other than the 9-pathway one (defined from its step alone): the learner must not assume its layout
  const withElman = registryWith([...(o.plugins ?? []), elmanPlugin], TYPES.Learner, learner, learner.name);
  const elman = [{ arch: withElman.resolveArch(ELMAN_FAMILY, { channels: task.channels, hidden: 4 }), seed: 5 }];
  await tinyCycle(c, withElman, { members: elman, learner, task, episodes: o.episodes ?? 10 });
  // the networks the caller names, a cycle per family (a population holds one family)
  const subject = registry;
  const named = (o.architectures ?? []).map((name, k) => ({ arch: subject.resolveArch(name, sizes), seed: 11 + k }));
  for (const family of new Set(named.map((m) => m.arch.family))) {
    await tinyCycle(c, subject, { members: named.filter((m) => m.arch.family === family), learner, task, episodes: o.episodes ?? 10, threads: o });
  }
  return c.report();
}

/** The family of the second cycle of checkLearner: an Elman network h_t = tanh(s_t·W_in + h_{t−1}·W_hh), q_t = softmax(h_t·W_out + u_t). */
export const ELMAN_FAMILY = 'conformance-elman';

const elmanArchitecture = defineArchitecture({
  family: ELMAN_FAMILY,
  description: 'an Elman network (the non-9-pathway family of the learner conformance check)',
  list: ({ channels, hidden }) => [{ family: ELMAN_FAMILY, name: ELMAN_FAMILY, hidden, parameters: 4 * channels * hidden + hidden * hidden + hidden * 5 }],
  resolve: (spec, { channels, hidden }) =>
    spec.trim() === ELMAN_FAMILY ? { family: ELMAN_FAMILY, name: ELMAN_FAMILY, hidden, parameters: 4 * channels * hidden + hidden * hidden + hidden * 5 } : undefined,
  parameters: (arch, { inputs, outputs }) => ({ w_in: [inputs, arch.hidden], w_hh: [arch.hidden, arch.hidden], w_out: [arch.hidden, outputs] }),
  init(arch, { inputs, outputs }, rng) {
    const H = arch.hidden;
    const u = (n: number, k: number) => Float32Array.from({ length: n }, () => (2 * rng.float() - 1) * k);
    return { w_in: u(inputs * H, Math.sqrt(1 / inputs)), w_hh: u(H * H, Math.sqrt(1 / H)), w_out: u(H * outputs, Math.sqrt(1 / H)) };
  },
  stateSize: (arch) => arch.hidden,
  step(p, state, obs, noise) {
    const h = tf.tanh(tf.add(tf.matMul(obs, p.w_in as tf.Tensor3D), tf.matMul(state, p.w_hh as tf.Tensor3D))) as tf.Tensor3D;
    const z = tf.matMul(h, p.w_out as tf.Tensor3D);
    return { output: tf.softmax(noise ? tf.add(z, noise) : z) as tf.Tensor3D, state: h };
  },
});

const elmanPlugin = pluginOf(TYPES.Architecture, elmanArchitecture, ELMAN_FAMILY);

/** A metric: name and description, then values on a tiny trained run (numbers, the same twice). */
export async function checkMetric(metric: Metric, o: CheckOptions = {}): Promise<ConformanceReport> {
  // a plugin author's script need not call initBackend first
  await ensureBackend();
  const c = new Checker(`metric ${metric?.name}`);
  const task = o.task ?? resolveTaskOptions('track', {});
  let registry: Registry | undefined;
  await c.check('registers', () => {
    registry = registryWith(o.plugins ?? [], TYPES.Metric, metric, metric.name);
  });
  if (!registry) return c.report();
  const sizes = { channels: task.channels, hidden: 8 };
  const members = oneOrTwo(registry.resolveArch('fc', sizes), o);
  await tinyCycle(c, registry, { members, learner: dqnLearner, task, episodes: o.episodes ?? 10, metrics: [metric], threads: o });
  return c.report();
}

/** A task: options, deterministic test sets (maze i independent of the count), training mazes, then the tiny cycle on it. */
export async function checkTask(source: TaskSource, o: CheckOptions = {}): Promise<ConformanceReport> {
  // a plugin author's script need not call initBackend first
  await ensureBackend();
  const c = new Checker(`task ${source?.id}`);
  let registry: Registry | undefined;
  await c.check('registers', () => {
    registry = registryWith(o.plugins ?? [], TYPES.Task, source, source.id);
  });
  if (!registry) return c.report();
  let task: TaskOptions | undefined;
  await c.check('options: valid task options', () => {
    task = resolveTaskOptions(source.options({}).kind, source.options({}));
  });
  if (!task) return c.report();
  const t = task;
  await c.check('test sets: deterministic in (options, count, seed), start and goal open', () => {
    const a = source.generateSet(t, { count: 6, seed: 4 });
    const b = source.generateSet(t, { count: 6, seed: 4 });
    if (a.count !== 6) return `generateSet gave ${a.count} mazes for 6`;
    const cells = t.size * t.size;
    if (maxDiff(a.cues, b.cues) !== 0 || a.walls.some((w, k) => w !== b.walls[k])) return 'the same count and seed gave different mazes';
    if (maxDiff(a.cues, source.generateSet(t, { count: 6, seed: 5 }).cues) === 0) return 'another seed gave the same mazes';
    for (let m = 0; m < 6; m++) if (a.walls[m * cells + a.goal[m]] === 1 || a.walls[m * cells + a.start[m]] === 1) return `maze ${m} has its start or goal in a wall`;
  });
  await c.check('training mazes: generateInto fills a slot from the generator', () => {
    const set = source.generateSet(t, { count: 2, seed: 1 });
    const before = Float32Array.from(set.cues);
    source.generateInto(set, 1, new Rng(8));
    if (maxDiff(before, set.cues) === 0) return 'generateInto changed nothing';
  });
  if (source.layouts !== undefined) {
    await c.check('training layouts: a drawn layout is the maze generateInto writes from the same stream', () => {
      const layouts = source.layouts!(t);
      if (layouts === undefined) return;
      const l = layouts.set;
      if (l.size !== t.size || l.channels !== t.channels || l.options.steps !== t.steps) return 'layouts.set was made for other options than the task\'s';
      const one = MazeSet.allocate(t, 1);
      const cells = t.size * t.size;
      const C = t.channels;
      const a = new Rng(21);
      const b = new Rng(21);
      for (let k = 0; k < 64; k++) {
        source.generateInto(one, 0, a);
        const v = layouts.draw(b);
        if (!(Number.isInteger(v) && v >= 0 && v < l.count)) return `draw gave ${v}, not a maze index of layouts.set (0 … ${l.count - 1})`;
        const [sa, sb] = [a.state(), b.state()];
        if (sa.some((w, j) => w !== sb[j])) return `draw ${k} left its generator in another state than generateInto`;
        const same =
          l.start[v] === one.start[0] &&
          l.goal[v] === one.goal[0] &&
          one.walls.every((w, j) => l.walls[v * cells + j] === w) &&
          one.cues.every((x, j) => l.cues[v * cells * C + j] === x) &&
          one.progress.every((x, j) => l.progress[v * cells + j] === x);
        if (!same) return `draw ${k}: layout ${v} differs from the maze generateInto wrote`;
      }
    });
  }
  const sizes = { channels: t.channels, hidden: 8 };
  const members = oneOrTwo(registry.resolveArch('hh', sizes), o);
  await tinyCycle(c, registry, { members, learner: dqnLearner, task: t, episodes: o.episodes ?? 10, taskSource: source, threads: o });
  return c.report();
}
