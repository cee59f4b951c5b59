import { join } from 'node:path';
import { PrnnError } from '@prnn/core';
import { StageStopwatch, addPhaseTimes, phaseProfile, projectPhases, type PhaseProfile, type PhaseProjection, type PhaseTime, type PhaseTimes, type Registry } from '@prnn/agents';
import { analyzeStoredNetworks, writeReport, type HeadlineRow as AnalysisHeadlineRow } from '@prnn/analysis';
import { measurePhaseRates, type MeasurePhaseRatesOptions } from '@prnn/bench';
import { openSweepDir, planEvalEngine, readPlan, type SweepPlan } from './plan.js';
import { projectionShape } from './projection-shape.js';
import { CALIBRATION_FILE, calibrationKey, readCalibration, writeCalibration } from './calibration-file.js';
import { readSweepStore } from './read-sweep-store.js';
import { runSweep, type SweepRunProgress } from './run-sweep.js';
import { mergeShards } from './merge.js';
import { publishedShards } from './shards.js';
import { submitSlurm, writeSlurmScripts, type SlurmScripts } from './slurm.js';
import { sweepStatus } from './status.js';
import { STORE_FILE } from './store.js';
import { loadSweepPlugins } from './store-service.js';
import { compareSweeps } from './compare-sweeps.js';

/** The scales of `reproduce`: smoke (8 networks), small (129 configurations × 8 seeds), paper (6 450 networks). */
export const REPRODUCE_SCALES = ['smoke', 'small', 'paper'] as const;
/** One of {@link REPRODUCE_SCALES}. */
export type ReproduceScale = (typeof REPRODUCE_SCALES)[number];

/** With `slurm`: write (and submit, when sbatch is on PATH) the Slurm arrays and the merge job instead of running. */
export interface ReproduceSlurm {
  /** The prnn command line the scripts call. */
  readonly prnn: string;
  readonly partition?: string;
  readonly account?: string;
  readonly time: string;
  readonly maxRunning?: number;
  /** How the caller relabels errors about these parameters (e.g. the CLI names its flags); default: unchanged. */
  readonly withParameters?: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** What `reproduce` reports while it works (all optional: a library caller may pass none). */
export interface ReproduceHooks {
  /** One line of the human-readable account (plan, projection, run, headline, report). */
  readonly say?: (line: string) => void;
  /** The projection of the paper-scale sweep, to be printed as a table after its summary line. */
  readonly projection?: (projection: PhaseProjection) => void;
  /** Training starts: the signal it returns stops training at a checkpoint (the CLI's SIGINT/SIGTERM handlers). */
  readonly runStart?: () => AbortSignal | undefined;
  /** Training progress of the chunk being trained. */
  readonly runProgress?: (p: SweepRunProgress) => void;
  /** Training is over (stopped or not): e.g. a progress bar is closed. */
  readonly runEnd?: () => void;
  /** Analysis progress: networks measured and to measure. */
  readonly analysisProgress?: (done: number, total: number) => void;
  /** The analysis is over: e.g. its progress bar is closed. */
  readonly analysisEnd?: () => void;
  /** The profile of the call, to be printed as a table (after the report line). */
  readonly profile?: (profile: PhaseProfile, projection: PhaseProjection | undefined) => void;
}

/** Everything `reproduce` needs, resolved by the caller (the CLI builds the plan from its flags). */
export interface ReproduceOptions {
  readonly scale: ReproduceScale;
  readonly dir: string;
  /**
   * The sweep's plan (written to `dir` when it is new, else checked against the one there; a plan there that
   * differs only by predating `measures.engine` is kept and used, see createSweepDir).
   */
  readonly plan: SweepPlan;
  /** The plugins' registry, whose container gives the run its services (default: `loadSweepPlugins` from `pluginsCwd`). */
  readonly registry?: Registry;
  /** The tfjs backend in use. */
  readonly backend: string;
  /** Worker threads of training, noise sweeps, the analysis and the projection's calibration. */
  readonly workers: number;
  /** Start the paper-scale sweep (without it the paper scale prints its projection and stops). */
  readonly yes?: boolean;
  /**
   * Calibrate and print the per-phase projection at any scale before running (the paper scale always does), so that
   * the profile at the end can be compared with it phase by phase.
   */
  readonly project?: boolean;
  /** Seconds per task and thread of each phase's measurement behind the paper-scale projection (default 4). */
  readonly benchSeconds?: number;
  /**
   * Size of the paper-scale calibration (default `measurePhaseRates`'s): the training measurement's population and
   * test mazes, the networks timed in the tests, sweeps and analysis and their mazes, the rows of the forest and
   * report timing, the passes. Smaller is quicker and less exact.
   */
  readonly calibration?: Pick<MeasurePhaseRatesOptions, 'population' | 'benchTestMazes' | 'testNetworks' | 'networks' | 'mazes' | 'sampleRows' | 'passes'>;
  /**
   * Measure the calibration again when the run starts, even when DIR/projection.json holds one made for the same
   * plan and settings on this machine in the last hour (which a starting run reuses otherwise; see calibration-file.ts).
   */
  readonly recalibrate?: boolean;
  readonly slurm?: ReproduceSlurm;
  /** Where plugins are loaded from (worker threads, calibration): the directory of prnn.config.json. */
  readonly pluginsCwd: string;
  readonly hooks?: ReproduceHooks;
}

/** One line of the headline table (the analysis' headline row, `measure` as `label`). */
export interface ReproduceHeadlineRow {
  readonly label: string;
  readonly paper: string;
  readonly prnn: string;
  readonly networks: number;
}

/** What `reproduce` returns: the fields of `prnn reproduce --json`, depending on how far the call got. */
export type ReproduceResult = Record<string, unknown> & { readonly dir: string; readonly plan: string; readonly interrupted?: boolean };

/**
 * The analysis step of `reproduce`: the sweep's results store (DIR/results.sqlite) is the source of truth, read
 * as `prnn analyze --sweep DIR` reads it (weights, fitness, curves, stored noise sweeps), analysed by
 * @prnn/analysis's `analyzeStoredNetworks` (its networks and forests on `workers` threads) and written by
 * `writeReport` into `out`. The chunks' run
 * directories are not read, so a store copied without them gives the same report.
 */
export async function analyzeSweepStore(
  dir: string,
  out: string,
  options: { mazes: number; noise: readonly number[]; registry: Registry; workers?: number; pluginsCwd?: string; onProgress?: (done: number, total: number) => void },
): Promise<{ headline: readonly AnalysisHeadlineRow[]; report: string; files: readonly string[]; phases: { analysis: PhaseTime; report: PhaseTime } }> {
  const analysing = new StageStopwatch();
  const result = await analyzeStoredNetworks(readSweepStore(dir), {
    mazes: options.mazes,
    noise: options.noise,
    registry: options.registry,
    workers: options.workers,
    plugins: { cwd: options.pluginsCwd ?? process.cwd() },
    onProgress: options.onProgress,
  });
  const analysis = analysing.elapsed;
  const reporting = new StageStopwatch();
  const written = await writeReport(result, out);
  return { headline: result.headline, report: written.dir, files: written.files, phases: { analysis, report: reporting.elapsed } };
}

/**
 * Reproduces the paper's experiment in `dir`: plan → (paper scale: projection) → run every chunk not stored
 * yet (or write and submit the Slurm jobs) → analyse the results store → report (DIR/report) and the
 * headline table next to the paper's. Running it again continues where it stopped.
 */
export async function reproduce(o: ReproduceOptions): Promise<ReproduceResult> {
  const { dir, workers, hooks = {} } = o;
  const registry = o.registry ?? (await loadSweepPlugins({ cwd: o.pluginsCwd }));
  const say = (line: string) => hooks.say?.(line);
  // the whole call, every thread: the profile's total
  const whole = new StageStopwatch();
  let phases: PhaseTimes = {};
  const profile = () => phaseProfile(phases, whole.elapsed);
  // the directory's own plan: the same as o.plan, unless it was made before plans named their noise sweeps' engine
  const { state, plan } = await openSweepDir(dir, o.plan);
  say(`plan: ${state === 'created' ? 'wrote' : 'reusing'} ${dir}/plan.json — ${plan.networks.length.toLocaleString('en-US')} networks on ${plan.task.kind} in ${plan.chunks.length} chunks (hash ${plan.hash})`);

  let projection: (PhaseProjection & { rates: Record<string, number>; calibration: { at: string; reused: boolean } }) | undefined;
  if (o.scale === 'paper' || o.project === true) {
    const seconds = o.benchSeconds ?? 4;
    const key = calibrationKey(plan.hash, workers, seconds, o.calibration);
    // a run that starts reuses the calibration its projection was just printed from (`--scale paper` without --yes)
    const starting = o.scale !== 'paper' || o.yes === true;
    const stored = starting && o.recalibrate !== true ? await readCalibration(dir, key, new Date()) : undefined;
    const reused = stored !== undefined && 'rates' in stored;
    let rates: Awaited<ReturnType<typeof measurePhaseRates>>;
    let at: Date;
    if (stored && 'rates' in stored) {
      ({ rates, calibratedAt: at } = stored);
      const minutes = Math.max(0, Math.round((Date.now() - at.getTime()) / 60_000));
      say(`calibration: reusing the one measured at ${at.toISOString().slice(11, 19)} UTC (${minutes} min ago, ${join(dir, CALIBRATION_FILE)}); pass --recalibrate to measure again`);
    } else {
      // a starting run says why it does not reuse a stored calibration (none at all: nothing to say)
      const why = stored && 'why' in stored && stored.why !== 'none stored' ? ` (${stored.why})` : o.recalibrate === true && starting ? ' (--recalibrate)' : '';
      say(`calibrating the projection${why}: every phase measured briefly on this machine (${workers} worker${workers === 1 ? '' : 's'}) …`);
      at = new Date();
      rates = await measurePhaseRates({
        registry,
        family: plan.family,
        task: plan.task,
        path: plan.path,
        hidden: typeof plan.config.hidden === 'number' ? plan.config.hidden : undefined,
        noise: plan.measures.noise,
        engine: planEvalEngine(plan),
        archs: [...new Map(plan.networks.map((n) => [n.arch.name, n.arch])).values()],
        workers,
        seconds,
        warmupSeconds: Math.min(2, seconds),
        // the training's tests and the sweep's noise sweeps and analysis timed at the plan's sizes
        benchTestMazes: typeof plan.config.testMazes === 'number' ? plan.config.testMazes : plan.measures.testMazes,
        mazes: plan.measures.testMazes,
        cwd: o.pluginsCwd,
        ...o.calibration,
      });
      await writeCalibration(dir, key, rates, at);
    }
    projection = { ...projectPhases(rates, projectionShape(plan, { workers, analysis: workers })), rates: { ...rates }, calibration: { at: at.toISOString(), reused } };
    const hours = projection.total.wallSeconds / 3600;
    // the rates are per CPU second of a thread: the projection is the run with a core for each of its threads
    say(`projected on this machine, a core per thread (${workers} worker${workers === 1 ? '' : 's'}; docs/guides/performance.md): ${hours.toFixed(2)} h wall, ${(projection.total.cpuSeconds / 3600).toFixed(2)} CPU-h`);
    hooks.projection?.(projection);
    if (rates.trainingSpread > 1.2) {
      // the host's load moved this machine's speed between the passes (not seen as load by the thread's clock)
      say(`the machine's speed moved during the calibration: training ran ${rates.trainingSpread.toFixed(2)}× faster in one pass than in another; the projection takes each phase's faster pass`);
    }
    if (rates.threadShare < 0.9) {
      // other work shared the cores: the calibration's thread ran only part of its wall time
      const share = rates.threadShare;
      say(`the calibration's thread ran ${(100 * share).toFixed(0)} % of its wall time (a loaded machine): at this load about ${(hours / share).toFixed(2)} h wall`);
    }
    if (o.scale === 'paper' && !o.yes) {
      say(`not started: pass --yes to start it${o.slurm ? '' : ', or --slurm --yes to run it on a cluster'}`);
      return { dir, plan: plan.hash, started: false, projectedHours: hours, projection };
    }
  }

  if (o.slurm) {
    const s = o.slurm;
    const relabel = s.withParameters ?? (<T>(fn: () => Promise<T>) => fn());
    const scripts: SlurmScripts = await relabel(() =>
      writeSlurmScripts({ dir, prnn: s.prnn, partition: s.partition, account: s.account, time: s.time, cpus: workers, maxRunning: s.maxRunning }),
    );
    const jobs = await submitSlurm(scripts).catch((error: unknown) => {
      if (error instanceof PrnnError && /needs sbatch on PATH/.test(error.message)) return undefined;
      throw error;
    });
    say(
      jobs
        ? `submitted array job${jobs.arrays.length === 1 ? '' : 's'} ${jobs.arrays.join(', ')} and merge job ${jobs.merge}; when the merge has run, the same prnn reproduce command prints the report`
        : `sbatch is not on PATH: submit ${scripts.arrays.map((a) => a.file).join(', ')} and then ${scripts.merge} (--dependency=afterany) on the cluster`,
    );
    return { dir, plan: plan.hash, started: true, slurm: { scripts, jobs: jobs ?? null } };
  }

  // results of array tasks that are waiting in shards count as stored
  if ((await publishedShards(dir, await readPlan(dir))).length > 0) {
    const merged = await mergeShards(dir);
    say(`merge: ${merged.added} networks from ${merged.shards.length} shards`);
  }
  const signal = hooks.runStart?.();
  const started = performance.now();
  let interrupted = false;
  try {
    const r = await runSweep({ dir, registry, backend: o.backend, workers, pluginsCwd: o.pluginsCwd, signal, onProgress: hooks.runProgress });
    interrupted = r.interrupted;
    phases = r.phases;
  } finally {
    hooks.runEnd?.();
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const status = await sweepStatus(dir);
  if (interrupted) return { dir, plan: plan.hash, interrupted: true, planned: status.planned, done: status.done, profile: profile() };
  say(`run: ${status.done} of ${status.planned} networks stored in ${dir}/${STORE_FILE} (${formatSeconds(wallSeconds)} in this call)`);
  if (status.done < status.planned) {
    say(`${status.planned - status.done} networks are not stored yet (chunks held by another process?); see prnn sweep status ${dir}`);
    return { dir, plan: plan.hash, planned: status.planned, done: status.done, wallSeconds, profile: profile() };
  }
  let analysis: Awaited<ReturnType<typeof analyzeSweepStore>>;
  try {
    analysis = await analyzeSweepStore(dir, join(dir, 'report'), {
      mazes: plan.measures.testMazes,
      noise: plan.measures.noise,
      registry,
      workers,
      pluginsCwd: o.pluginsCwd,
      onProgress: hooks.analysisProgress,
    });
  } finally {
    hooks.analysisEnd?.();
  }
  phases = addPhaseTimes(phases, analysis.phases);
  const profiled = profile();
  say('');
  const rows: ReproduceHeadlineRow[] = analysis.headline.map((r) => ({ label: r.measure, paper: r.paper, prnn: r.prnn, networks: r.networks }));
  say(formatHeadline(rows));
  say('');
  say(`report: ${analysis.report} (${analysis.files.length} files)`);
  say('');
  say(`profile of this call (wall and CPU seconds by phase, all threads; docs/guides/performance.md):`);
  hooks.profile?.(profiled, projection);
  return {
    dir,
    plan: plan.hash,
    planned: status.planned,
    done: status.done,
    wallSeconds,
    headline: rows,
    analysis: { report: analysis.report, files: analysis.files },
    profile: profiled,
    ...(projection ? { projection } : {}),
  };
}

/** A duration for an ETA, rounded up to whole seconds first (so 1679.5 s is 28m00s, never 27m60s). */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  const t = Math.ceil(s);
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
}

/** The printed headline table: measure, the paper's value, prnn's, and the networks behind it. */
export function formatHeadline(rows: readonly ReproduceHeadlineRow[]): string {
  const w = [Math.max(...rows.map((r) => r.label.length), 7), Math.max(...rows.map((r) => r.paper.length), 5), Math.max(...rows.map((r) => r.prnn.length), 4)];
  const line = (a: string, b: string, c: string, d: string) => `${a.padEnd(w[0])}  ${b.padEnd(w[1])}  ${c.padEnd(w[2])}  ${d}`;
  return [line('measure', 'paper', 'prnn', 'networks'), ...rows.map((r) => line(r.label, r.paper, r.prnn, String(r.networks)))].join('\n');
}

/** One learner's sweep of a comparison: its directory and its plan. */
export interface LearnerSweep {
  readonly learner: string;
  readonly dir: string;
  readonly plan: SweepPlan;
}

/**
 * Reproduces the experiment with several learners (docs/guides/learner-comparison.md): `reproduce` for each
 * learner's sweep in turn (its own directory, store and report), then, when every sweep is complete, the
 * learner comparison of all of them in DIR/comparison. Every plan is built (and so checked) by the caller
 * before this starts; the sweeps' directories are written here.
 */
export async function reproduceLearners(o: Omit<ReproduceOptions, 'plan' | 'dir'> & { readonly dir: string; readonly sweeps: readonly LearnerSweep[] }): Promise<ReproduceResult> {
  if (o.slurm) throw new PrnnError('--slurm takes one learner: plan each learner\'s sweep with prnn sweep plan --learner a,b and submit each with prnn sweep slurm');
  const say = (line: string) => o.hooks?.say?.(line);
  // one container for every learner's run and the comparison (a plugin's rebinding applies to all of them)
  const registry = o.registry ?? (await loadSweepPlugins({ cwd: o.pluginsCwd ?? process.cwd() }));
  const results: ReproduceResult[] = [];
  for (const s of o.sweeps) {
    say(`— learner ${s.learner} (${s.dir}) —`);
    const r = await reproduce({ ...o, registry, dir: s.dir, plan: s.plan });
    results.push(r);
    // the paper scale without --yes: every learner's projection is printed, nothing is started
    if (r.started === false) continue;
    const complete = r.interrupted !== true && r.planned === r.done;
    if (!complete) return { dir: o.dir, plan: s.plan.hash, ...(r.interrupted ? { interrupted: true } : {}), learners: results };
  }
  if (results.some((r) => r.started === false)) return { dir: o.dir, plan: o.sweeps.map((s) => s.plan.hash).join(','), started: false, learners: results };
  const out = join(o.dir, 'comparison');
  let compared: Awaited<ReturnType<typeof compareSweeps>>;
  try {
    compared = await compareSweeps(o.sweeps.map((s) => s.dir), out, { registry, workers: o.workers, pluginsCwd: o.pluginsCwd, onProgress: o.hooks?.analysisProgress });
  } finally {
    o.hooks?.analysisEnd?.();
  }
  say('');
  say('learner comparison (Spearman ρ of the architectures\' median fitness):');
  for (const r of compared.comparison.correlations) {
    say(`  ${r.learnerA} vs ${r.learnerB}: ρ = ${Number.isFinite(r.rho) ? r.rho.toFixed(3) : 'n/a'} (p = ${Number.isFinite(r.p) ? r.p.toPrecision(3) : 'n/a'}, ${r.architectures} architectures)`);
  }
  say(`comparison report: ${compared.report} (${compared.files.length} files)`);
  return { dir: o.dir, plan: o.sweeps.map((s) => s.plan.hash).join(','), learners: results, comparison: { report: compared.report, files: compared.files, correlations: compared.comparison.correlations } };
}
