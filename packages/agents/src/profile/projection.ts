/**
 * The per-phase model of a sweep's cost (docs/guides/performance.md): measured rates of one thread on this
 * machine, and the shape of the work, give every phase's wall and CPU seconds. The same phases as the
 * profile `prnn reproduce` prints at the end, so a projection can be checked phase by phase.
 */
import { PrnnError } from '@prnn/core';
import { sliceBounds } from '../training/workers/train-in-workers.js';
import { PHASES, type PhaseName, type PhaseTime } from './phase-times.js';

/**
 * What one thread does per second of its CPU time in each phase (measured by a short calibration on this
 * machine): per second it runs on a core, so the projection is that of a run whose threads each have a core.
 */
export interface PhaseRates {
  /** DQN training of a population mixing the architectures, network-episodes per second. */
  readonly trainNetEpisodesPerSecond: number;
  /** The same for the large networks, which train in populations of their own at the end of the sweep. */
  readonly largeTrainNetEpisodesPerSecond: number;
  /** Greedy test of a population (the training curve), network-trials (one network, one maze) per second. */
  readonly curveTrialsPerSecond: number;
  /** The final test (one network at a time through its ONNX policy), trials per second. */
  readonly finalTrialsPerSecond: number;
  /** The noise sweep of stored networks (the engine the sweep evaluates with), trials per second. */
  readonly noiseSweepTrialsPerSecond: number;
  /**
   * The analysis of a network (its trials recorded at σs = 0.05, their Jacobians, the measures; its noise
   * sweep is reused), trials per second.
   */
  readonly analysisTrialsPerSecond: number;
  /** The random-forest prediction study, seconds for `forestSampleRows` networks. */
  readonly forestSeconds: number;
  readonly forestSampleRows: number;
  /** Writing the report (tables, figures) of `reportSampleRows` networks, seconds (it grows with the networks). */
  readonly reportSeconds: number;
  readonly reportSampleRows: number;
  /**
   * The part of `reportSeconds` that does not grow with the networks (the figures' fixed work; default 0: all
   * of it grows in proportion). The report of n networks takes fixed + (reportSeconds − fixed) · n ÷ reportSampleRows.
   */
  readonly reportFixedSeconds?: number;
}

/** The work of a sweep, and the threads each phase runs on. */
export interface ProjectionShape {
  readonly networks: number;
  /** The last `largeNetworks` networks train at the large rate (ff-large, in populations of their own). */
  readonly largeNetworks: number;
  readonly episodes: number;
  readonly curvePoints: number;
  /** Mazes of the training's test set (curve points and the final test). */
  readonly testMazes: number;
  /** Mazes of the noise sweeps and the analysis. */
  readonly sweepMazes: number;
  readonly noiseLevels: number;
  /** Networks per population (a population's slices train at once; the next population waits for the largest). */
  readonly population: number;
  /** Threads that train a population's slices at once. */
  readonly trainingThreads: number;
  /** Threads the noise sweeps and the per-network analysis run on. */
  readonly noiseSweepThreads: number;
  readonly analysisThreads: number;
}

/** Projected wall and CPU seconds of every phase, and their total. */
export interface PhaseProjection {
  readonly phases: Readonly<Record<PhaseName, PhaseTime>>;
  readonly total: PhaseTime;
}

function checkShape(s: ProjectionShape): void {
  for (const [name, v] of Object.entries(s)) {
    if (!Number.isInteger(v) || v < 0) throw new PrnnError(`projection ${name} must be an integer ≥ 0 (got ${v})`);
  }
  for (const name of ['population', 'trainingThreads', 'noiseSweepThreads', 'analysisThreads'] as const) {
    if (s[name] < 1) throw new PrnnError(`projection ${name} must be ≥ 1 (got ${s[name]})`);
  }
  if (s.largeNetworks > s.networks) throw new PrnnError(`projection largeNetworks must be ≤ networks (got ${s.largeNetworks} > ${s.networks})`);
}

function checkRates(r: PhaseRates): void {
  for (const [name, v] of Object.entries(r)) {
    if (v === undefined && name === 'reportFixedSeconds') continue;
    const positive = name.endsWith('PerSecond') || name.endsWith('SampleRows');
    if (!(Number.isFinite(v) && (positive ? v > 0 : v >= 0))) throw new PrnnError(`rate ${name} must be a finite number ${positive ? '> 0' : '≥ 0'} (got ${v})`);
  }
}

/**
 * Seconds of the random-forest study for `rows` networks from its time for `sampleRows`: a forest's trees
 * sort their samples at each level, so the time grows as n·log n.
 */
export function forestSeconds(seconds: number, sampleRows: number, rows: number): number {
  if (rows <= 1) return 0;
  const cost = (n: number) => n * Math.log2(Math.max(2, n));
  return (seconds * cost(rows)) / cost(sampleRows);
}

/**
 * The per-phase projection: populations of `population` networks one after another, each cut into one
 * slice per training thread, all slices at once (a population takes as long as its largest slice: its
 * training, its `curvePoints` greedy tests and its final test on `testMazes` mazes); then every network's
 * noise sweep (levels × `sweepMazes` trials) and analysis (`sweepMazes` recorded trials), then the forests of
 * the prediction study, spread over their threads;
 * the report (a fixed part and a part in proportion to the networks). CPU seconds count every thread's work; wall seconds what the run waits for.
 */
export function projectPhases(rates: PhaseRates, shape: ProjectionShape): PhaseProjection {
  checkRates(rates);
  checkShape(shape);
  const { networks, episodes: E, testMazes: M } = shape;
  const wall = { training: 0, curveTests: 0, finalTests: 0 };
  const cpu = { training: 0, curveTests: 0, finalTests: 0 };
  const firstLarge = networks - shape.largeNetworks;
  for (let from = 0; from < networks; from += shape.population) {
    const size = Math.min(shape.population, networks - from);
    const rate = from + size > firstLarge ? rates.largeTrainNetEpisodesPerSecond : rates.trainNetEpisodesPerSecond;
    const largest = Math.max(...sliceBounds(size, Math.min(shape.trainingThreads, size)).map(([a, b]) => b - a));
    wall.training += (E * largest) / rate;
    cpu.training += (E * size) / rate;
    wall.curveTests += (shape.curvePoints * largest * M) / rates.curveTrialsPerSecond;
    cpu.curveTests += (shape.curvePoints * size * M) / rates.curveTrialsPerSecond;
    wall.finalTests += (largest * M) / rates.finalTrialsPerSecond;
    cpu.finalTests += (size * M) / rates.finalTrialsPerSecond;
  }
  const sweepCpu = (networks * shape.noiseLevels * shape.sweepMazes) / rates.noiseSweepTrialsPerSecond;
  const perNetwork = (networks * shape.sweepMazes) / rates.analysisTrialsPerSecond;
  const forest = forestSeconds(rates.forestSeconds, rates.forestSampleRows, networks);
  const fixed = Math.min(rates.reportSeconds, rates.reportFixedSeconds ?? 0);
  const report = fixed + ((rates.reportSeconds - fixed) * networks) / rates.reportSampleRows;
  const phases: Record<PhaseName, PhaseTime> = {
    training: { wallSeconds: wall.training, cpuSeconds: cpu.training },
    curveTests: { wallSeconds: wall.curveTests, cpuSeconds: cpu.curveTests },
    finalTests: { wallSeconds: wall.finalTests, cpuSeconds: cpu.finalTests },
    noiseSweeps: { wallSeconds: sweepCpu / Math.min(shape.noiseSweepThreads, Math.max(1, networks)), cpuSeconds: sweepCpu },
    analysis: { wallSeconds: (perNetwork + forest) / Math.min(shape.analysisThreads, Math.max(1, networks)), cpuSeconds: perNetwork + forest },
    report: { wallSeconds: report, cpuSeconds: report },
  };
  let w = 0;
  let c = 0;
  for (const name of PHASES) {
    w += phases[name].wallSeconds;
    c += phases[name].cpuSeconds;
  }
  return { phases, total: { wallSeconds: w, cpuSeconds: c } };
}
