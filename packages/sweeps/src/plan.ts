import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskOptions } from '@prnn/env';
import { PrnnError, makeDirectories, parseJsonFile, systemErrorParts } from '@prnn/core';
import { PRNN_VERSION, networkId, removedPath, writeJsonAtomic, type ArchInfo, type PopulationMember } from '@prnn/agents';

/** Value of `format` in every plan.json. */
export const PLAN_FORMAT = 'prnn-sweep-plan';
/** Version of the plan.json layout this code writes and reads. */
export const PLAN_VERSION = 1;
/** The plan of a sweep directory. */
export const PLAN_FILE = 'plan.json';

/** What is measured for every network once it is trained (besides its training fitness and curve). */
export interface PlanMeasures {
  /** Sensor-noise levels σs of the noise sweep (docs/spec.md §4: 0, 0.025, …, 0.5). */
  readonly noise: readonly number[];
  /** Test mazes of the noise sweep (the run's shared test set; docs/spec.md §4: 1 000). */
  readonly testMazes: number;
  /** Metric plugins measured on the trained weights, by registry name (e.g. weight-norms). */
  readonly metrics: readonly string[];
  /**
   * The engine of the noise sweeps: `onnx` (onnxruntime on the network's exported policy, as its final test
   * runs it, so the sweep's training level repeats the stored fitness exactly) or `tfjs` (the family's
   * population model). Plans made by `prnn sweep plan` and `reproduce` say `onnx`; a plan without the field
   * (made before it existed) keeps `tfjs`, so a sweep resumed on this version measures all its chunks alike.
   */
  readonly engine?: SweepEvalEngine;
}

/** The engines a sweep's noise sweeps can run on. */
export const SWEEP_EVAL_ENGINES = ['onnx', 'tfjs'] as const;
/** One of {@link SWEEP_EVAL_ENGINES}. */
export type SweepEvalEngine = (typeof SWEEP_EVAL_ENGINES)[number];

/** The engine of a plan's noise sweeps (`tfjs` for a plan that names none). */
export function planEvalEngine(plan: Pick<SweepPlan, 'measures'>): SweepEvalEngine {
  return plan.measures.engine ?? 'tfjs';
}

/** One network of the sweep: everything its training needs, and the chunk that trains it. */
export interface PlanNetwork {
  readonly id: string;
  readonly arch: ArchInfo;
  readonly seed: number;
  readonly chunk: number;
}

/** A chunk: consecutive networks trained as one population by one job (one Slurm array task). */
export interface PlanChunk {
  readonly index: number;
  /** Networks [from, to) of the plan's list. */
  readonly from: number;
  readonly to: number;
}

/**
 * A sweep's plan (plan.json): task, learner config, measures, every network and the chunks they are split into;
 * `hash` fingerprints its content.
 */
export interface SweepPlan {
  readonly format: typeof PLAN_FORMAT;
  readonly version: number;
  readonly prnnVersion: string;
  /** The sweep's name: the store keys every network by (sweep, network id). */
  readonly sweep: string;
  /** The preset it was made from, or `custom`. */
  readonly preset: string;
  readonly task: TaskOptions;
  /** The family of the first network (a sweep may mix families: every chunk holds one family). */
  readonly family: string;
  readonly learner: string;
  /** The learner's complete, validated hyper-parameters. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Fixes the shared test set of every chunk. */
  readonly runSeed: number;
  readonly path: string;
  /**
   * The implementation each family trains with, by family: present only in a sweep of several families
   * (a one-family plan, and its hash, stay as they were); `path` is then the first family's.
   */
  readonly paths?: Readonly<Record<string, string>>;
  /** Checkpoint every this many episodes inside a chunk. */
  readonly checkpointEvery: number;
  readonly measures: PlanMeasures;
  readonly chunks: readonly PlanChunk[];
  readonly networks: readonly PlanNetwork[];
  /** SHA-256 (hex, first 16 digits) of everything above that decides the results. */
  readonly hash: string;
}

/** Inputs of a sweep plan: name, preset, task, learner and config, architectures, seeds and chunk size. */
export interface BuildPlanOptions {
  readonly sweep: string;
  readonly preset?: string;
  readonly task: TaskOptions;
  readonly learner: string;
  readonly config: Readonly<Record<string, unknown>> & { readonly episodes: number };
  readonly archs: readonly ArchInfo[];
  readonly seeds: number;
  readonly seedOffset?: number;
  readonly runSeed?: number;
  /** The implementation the first family trains with. */
  readonly path: string;
  /** By family, for a sweep of several families (every family must be listed). */
  readonly paths?: Readonly<Record<string, string>>;
  /** Networks per chunk (one population). */
  readonly chunkSize: number;
  readonly checkpointEvery?: number;
  readonly measures: PlanMeasures;
}

/** The fields of a plan that decide its results, in a fixed order. */
function hashedBody(p: Omit<SweepPlan, 'format' | 'version' | 'prnnVersion' | 'hash'>): string {
  return JSON.stringify({
    sweep: p.sweep,
    task: p.task,
    family: p.family,
    learner: p.learner,
    config: p.config,
    runSeed: p.runSeed,
    path: p.path,
    ...(p.paths ? { paths: p.paths } : {}),
    checkpointEvery: p.checkpointEvery,
    measures: p.measures,
    chunks: p.chunks.map((c) => [c.from, c.to]),
    networks: p.networks.map((n) => [n.id, n.arch.family, n.arch.name, n.arch.hidden, n.seed]),
  });
}

/**
 * 16-hex-digit SHA-256 prefix of a plan's content (all but format, versions and the hash itself); shards and stores
 * carry it, and merging checks it, so results of different plans are never mixed.
 */
export function planHash(p: Omit<SweepPlan, 'format' | 'version' | 'prnnVersion' | 'hash'>): string {
  return createHash('sha256').update(hashedBody(p)).digest('hex').slice(0, 16);
}

const SWEEP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The deterministic plan of a sweep: every architecture × seed, in architecture order, cut into chunks of
 * `chunkSize` networks. Networks of different families, or of different hidden sizes, never share a chunk
 * (a population trains one family, and pads every network to its largest hidden layer, so ff-large would
 * slow a chunk of H = 8 networks down fourfold).
 */
export function buildSweepPlan(o: BuildPlanOptions): SweepPlan {
  if (!SWEEP_NAME.test(o.sweep)) {
    throw new PrnnError(`sweep name must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit (got ${JSON.stringify(o.sweep)})`);
  }
  if (o.archs.length === 0) throw new PrnnError('arch must name at least one architecture');
  const families = [...new Set(o.archs.map((a) => a.family))];
  const paths = families.length > 1 ? o.paths : undefined;
  if (families.length > 1) {
    const missing = families.filter((f) => o.paths?.[f] === undefined);
    if (missing.length > 0) throw new PrnnError(`a sweep of several families needs the path of each: none given for ${missing.join(', ')}`);
  }
  if (!Number.isInteger(o.seeds) || o.seeds < 1) throw new PrnnError(`seeds must be an integer ≥ 1 (got ${o.seeds})`);
  const seedOffset = o.seedOffset ?? 0;
  if (!Number.isInteger(seedOffset) || seedOffset < 0 || seedOffset + o.seeds - 1 > 0xffffffff) {
    throw new PrnnError(`seed-offset must be an integer ≥ 0 with seed-offset + seeds - 1 ≤ 4294967295 (got ${seedOffset})`);
  }
  if (!Number.isInteger(o.chunkSize) || o.chunkSize < 1) throw new PrnnError(`chunk-size must be an integer ≥ 1 (got ${o.chunkSize})`);
  const episodes = o.config.episodes;
  const checkpointEvery = o.checkpointEvery ?? Math.max(1, Math.ceil(episodes / 10));
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 1) {
    throw new PrnnError(`checkpoint-every must be an integer ≥ 1 (got ${checkpointEvery})`);
  }
  if (o.measures.engine !== undefined && !SWEEP_EVAL_ENGINES.includes(o.measures.engine)) {
    throw new PrnnError(`the noise sweeps' engine must be ${SWEEP_EVAL_ENGINES.join(' or ')} (got ${JSON.stringify(o.measures.engine)})`);
  }
  if (!Number.isInteger(o.measures.testMazes) || o.measures.testMazes < 1) {
    throw new PrnnError(`test-mazes must be an integer ≥ 1 (got ${o.measures.testMazes})`);
  }
  const byHidden = new Map<string, ArchInfo[]>();
  for (const a of o.archs) {
    const key = `${a.family}\u0000${a.hidden}`;
    byHidden.set(key, [...(byHidden.get(key) ?? []), a]);
  }
  const networks: PlanNetwork[] = [];
  const chunks: PlanChunk[] = [];
  const ids = new Set<string>();
  for (const archs of byHidden.values()) {
    const group = archs.flatMap((arch) => Array.from({ length: o.seeds }, (_, k) => ({ arch, seed: seedOffset + k })));
    for (let from = 0; from < group.length; from += o.chunkSize) {
      const index = chunks.length;
      const start = networks.length;
      for (const m of group.slice(from, from + o.chunkSize)) {
        const id = networkId(m.arch.name, m.seed);
        if (ids.has(id)) throw new PrnnError(`network ${m.arch.name} with seed ${m.seed} is listed twice`);
        ids.add(id);
        networks.push({ id, arch: m.arch, seed: m.seed, chunk: index });
      }
      chunks.push({ index, from: start, to: networks.length });
    }
  }
  const body = {
    sweep: o.sweep,
    preset: o.preset ?? 'custom',
    task: o.task,
    family: o.archs[0].family,
    learner: o.learner,
    config: { ...o.config },
    runSeed: o.runSeed ?? 0,
    path: o.path,
    ...(paths ? { paths: Object.fromEntries(families.map((f) => [f, paths[f]])) } : {}),
    checkpointEvery,
    measures: {
      noise: [...o.measures.noise],
      testMazes: o.measures.testMazes,
      metrics: [...o.measures.metrics],
      ...(o.measures.engine !== undefined ? { engine: o.measures.engine } : {}),
    },
    chunks,
    networks,
  };
  return { format: PLAN_FORMAT, version: PLAN_VERSION, prnnVersion: PRNN_VERSION, ...body, hash: planHash(body) };
}

/** The members (architecture and seed) of one chunk, in plan order. */
export function chunkMembers(plan: SweepPlan, chunk: number): PopulationMember[] {
  const c = plan.chunks[chunk];
  return plan.networks.slice(c.from, c.to).map((n) => ({ arch: n.arch, seed: n.seed }));
}

/** The networks of one chunk of a plan, in plan order. */
export function chunkNetworks(plan: SweepPlan, chunk: number): readonly PlanNetwork[] {
  const c = plan.chunks[chunk];
  return plan.networks.slice(c.from, c.to);
}

/** Writes DIR/plan.json (temp file, then rename). */
export async function writePlan(dir: string, plan: SweepPlan): Promise<string> {
  const file = join(dir, PLAN_FILE);
  await writeJsonAtomic(file, plan);
  return file;
}

/**
 * Reads and checks DIR/plan.json: its format, its version, the prnn version that wrote it (a plan from
 * another version would mix results that are not comparable) and its hash (a hand-edited plan is refused).
 */
export async function readPlan(dir: string): Promise<SweepPlan> {
  const file = join(dir, PLAN_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PrnnError(code === 'ENOENT' ? `${dir} is not a sweep directory (no ${PLAN_FILE}; make one with prnn sweep plan)` : `cannot read ${file}: ${(error as Error).message}`);
  }
  let plan: Partial<SweepPlan>;
  plan = parseJsonFile(text, file) as Partial<SweepPlan>;
  if (plan.format !== PLAN_FORMAT || typeof plan.version !== 'number') {
    throw new PrnnError(`${file} is not a prnn sweep plan (format ${JSON.stringify(plan.format)})`);
  }
  if (plan.version > PLAN_VERSION) {
    throw new PrnnError(`${file} has plan version ${plan.version}, newer than this prnn reads (${PLAN_VERSION}); use a newer prnn`);
  }
  // a plan made for a hand-written 9-pathway kernel this prnn no longer has
  for (const path of [plan.path, ...Object.values(plan.paths ?? {})]) {
    const removed = typeof path === 'string' ? removedPath(path) : undefined;
    if (removed) throw new PrnnError(`${file} trains on ${removed}; run it with the prnn version that made it, or make a new plan in another directory`);
  }
  if (plan.prnnVersion !== PRNN_VERSION) {
    throw new PrnnError(
      `${file} was made by prnn ${String(plan.prnnVersion)}, this is prnn ${PRNN_VERSION}: results of two versions are not comparable; ` +
        `run it with prnn ${String(plan.prnnVersion)} or make a new plan in another directory`,
    );
  }
  if (!Array.isArray(plan.networks) || !Array.isArray(plan.chunks)) throw new PrnnError(`${file} has no networks or chunks list`);
  const full = plan as SweepPlan;
  if (planHash(full) !== full.hash) {
    throw new PrnnError(`${file} was changed after it was made (its hash ${String(full.hash)} does not match its contents); make a new plan instead of editing it`);
  }
  return full;
}

/**
 * createSweepDir, and the plan the directory then holds: `plan`, or the directory's own where it differs from
 * `plan` only by predating the noise sweeps' engine (what `reproduce` and `prnn sweep plan` go on with).
 */
export async function openSweepDir(dir: string, plan: SweepPlan): Promise<{ state: 'created' | 'exists'; plan: SweepPlan }> {
  const state = await createSweepDir(dir, plan);
  return { state, plan: state === 'exists' ? await readPlan(dir) : plan };
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'permission denied' : code === 'ENOTDIR' ? 'a part of the path is a file' : (error as Error).message;
}

/**
 * Whether `existing` (a plan made before plans named their noise sweeps' engine) is `plan` without its engine:
 * such a directory keeps its plan, and its sweeps their engine (tfjs), so that a sweep started before the
 * field existed continues, every chunk measured alike.
 */
function sameBeforeEngine(existing: SweepPlan, plan: SweepPlan): boolean {
  if (existing.measures.engine !== undefined || plan.measures.engine === undefined) return false;
  const { engine: _engine, ...measures } = plan.measures;
  return planHash({ ...plan, measures }) === existing.hash;
}

/**
 * Makes DIR a sweep directory holding `plan`: a missing or empty directory gets plan.json; one that holds
 * the same plan is left as it is ('exists'), as is one holding the same plan made before plans named the
 * noise sweeps' engine (the directory's plan then stands: read it with readPlan); one with another plan, or
 * other files, is refused.
 */
export async function createSweepDir(dir: string, plan: SweepPlan): Promise<'created' | 'exists'> {
  const info = await stat(dir).catch(() => undefined);
  if (info && !info.isDirectory()) throw new PrnnError(`sweep directory ${dir} is a file`);
  if (info) {
    const entries = (await readdir(dir)).filter((e) => !e.startsWith('.'));
    if (entries.includes(PLAN_FILE)) {
      const existing = await readPlan(dir);
      if (existing.hash !== plan.hash && !sameBeforeEngine(existing, plan)) {
        throw new PrnnError(`${dir} already holds another plan (sweep ${existing.sweep}, hash ${existing.hash}; this one ${plan.hash}); choose another directory`);
      }
      return 'exists';
    }
    if (entries.length > 0) throw new PrnnError(`sweep directory ${dir} is not empty and holds no plan; choose another directory`);
  }
  try {
    await makeDirectories(dir);
    await writePlan(dir, plan);
  } catch (error) {
    const why = systemErrorParts(error, { flag: 'DIR' });
    throw new PrnnError(`cannot write the sweep directory ${dir}: ${why ? `${why.reason}${why.advice ? `; ${why.advice}` : ''}` : reason(error)}`);
  }
  return 'created';
}
