import { execFile } from 'node:child_process';
import { resolve, join } from 'node:path';
import { promisify } from 'node:util';
import { PrnnError, makeDirectories, writeFileAtomic } from '@prnn/core';
import { readPlan } from './plan.js';

const run = promisify(execFile);

/** Slurm's default MaxArraySize: array indices run from 0 to MaxArraySize − 1. */
export const DEFAULT_MAX_ARRAY_SIZE = 1001;
/** Where `prnn sweep slurm` writes its scripts (and Slurm the jobs' logs, under logs/). */
export const SLURM_DIR = 'slurm';

/** Options of the generated Slurm scripts: sweep directory, the prnn command line, and sbatch resources. */
export interface SlurmScriptOptions {
  readonly dir: string;
  /** The command that runs prnn on the compute nodes (default: this node and this bin/run.js). */
  readonly prnn: string;
  readonly partition?: string;
  readonly account?: string;
  /** Time limit per array task, in a Slurm format (default 04:00:00). */
  readonly time?: string;
  /** CPUs per task; each task trains its chunk on that many worker threads (default 2). */
  readonly cpus?: number;
  /** Memory per task, in a Slurm format (e.g. 4G). */
  readonly mem?: string;
  /** At most this many tasks of an array at once (`%K`). */
  readonly maxRunning?: number;
  /** The cluster's MaxArraySize (default: asked from `scontrol show config`, else 1001). */
  readonly maxArraySize?: number;
  /** More `#SBATCH` lines, e.g. `--qos=long`. */
  readonly extra?: readonly string[];
}

/** One generated job-array script and the chunks its tasks run. */
export interface SlurmArray {
  readonly file: string;
  /** The first chunk of this array (its task k runs chunk offset + k) and the number of tasks. */
  readonly offset: number;
  readonly tasks: number;
}

/**
 * The scripts written for a sweep: the job arrays (sbatch limits the array size), the merge job, and the log directory.
 */
export interface SlurmScripts {
  readonly arrays: readonly SlurmArray[];
  readonly merge: string;
  readonly logs: string;
}

const TIME = /^(\d+|\d+:\d{2}|\d+:\d{2}:\d{2}|\d+-\d+|\d+-\d+:\d{2}|\d+-\d+:\d{2}:\d{2})$/;
const NAME = /^[A-Za-z0-9_.,:=+-]+$/;
const MEM = /^\d+[KMGT]?$/;

function positiveInteger(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new PrnnError(`${name} must be an integer ≥ 1 (got ${value})`);
}

/** A word for bash: as it is when it is plain, else single-quoted. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The cluster's MaxArraySize from `scontrol show config`, when scontrol answers. */
export async function clusterMaxArraySize(): Promise<number | undefined> {
  try {
    const { stdout } = await run('scontrol', ['show', 'config'], { timeout: 10_000 });
    const m = /^\s*MaxArraySize\s*=\s*(\d+)/m.exec(stdout);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Array of `count` chunks split into arrays of at most `maxArraySize` tasks (indices 0 … maxArraySize − 1). */
export function splitArrays(count: number, maxArraySize: number): { offset: number; tasks: number }[] {
  const out: { offset: number; tasks: number }[] = [];
  for (let offset = 0; offset < count; offset += maxArraySize) out.push({ offset, tasks: Math.min(maxArraySize, count - offset) });
  return out;
}

/**
 * Writes the sbatch scripts of a sweep into DIR/slurm: one job array per at most MaxArraySize chunks
 * (`--array=0-N%K`, task k runs chunk offset + k into a shard on node-local storage, published to
 * DIR/shards when done) and a merge job, to run after them (`--dependency=afterany`).
 */
export async function writeSlurmScripts(o: SlurmScriptOptions): Promise<SlurmScripts> {
  positiveInteger('max-running', o.maxRunning);
  positiveInteger('cpus', o.cpus);
  positiveInteger('max-array-size', o.maxArraySize);
  if (o.time !== undefined && !TIME.test(o.time)) {
    throw new PrnnError(`time must be a Slurm time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (got ${JSON.stringify(o.time)})`);
  }
  if (o.partition !== undefined && !NAME.test(o.partition)) throw new PrnnError(`partition must be a Slurm partition name (got ${JSON.stringify(o.partition)})`);
  if (o.account !== undefined && !NAME.test(o.account)) throw new PrnnError(`account must be a Slurm account name (got ${JSON.stringify(o.account)})`);
  if (o.mem !== undefined && !MEM.test(o.mem)) throw new PrnnError(`mem must be a Slurm memory size such as 4000 or 4G (got ${JSON.stringify(o.mem)})`);
  for (const line of o.extra ?? []) {
    if (!/^--?[A-Za-z]/.test(line) || /[\n\r]/.test(line)) throw new PrnnError(`sbatch-arg must be one sbatch option such as --qos=long (got ${JSON.stringify(line)})`);
  }
  const plan = await readPlan(o.dir);
  const dir = resolve(o.dir);
  const slurmDir = join(dir, SLURM_DIR);
  const logs = join(slurmDir, 'logs');
  try {
    await makeDirectories(logs);
  } catch (error) {
    throw new PrnnError(`cannot create ${logs}: ${(error as Error).message}`);
  }
  const maxArraySize = o.maxArraySize ?? (await clusterMaxArraySize()) ?? DEFAULT_MAX_ARRAY_SIZE;
  const cpus = o.cpus ?? 2;
  const common = [
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.account ? [`#SBATCH --account=${o.account}`] : []),
    ...(o.extra ?? []).map((line) => `#SBATCH ${line}`),
  ];
  const arrays: SlurmArray[] = [];
  const parts = splitArrays(plan.chunks.length, maxArraySize);
  for (const [k, part] of parts.entries()) {
    const file = join(slurmDir, parts.length === 1 ? 'array.sbatch' : `array-${k}.sbatch`);
    const text = [
      '#!/bin/bash',
      `#SBATCH --job-name=prnn-${plan.sweep}${parts.length === 1 ? '' : `-${k}`}`,
      `#SBATCH --array=0-${part.tasks - 1}${o.maxRunning ? `%${o.maxRunning}` : ''}`,
      `#SBATCH --cpus-per-task=${cpus}`,
      `#SBATCH --ntasks=1`,
      `#SBATCH --time=${o.time ?? '04:00:00'}`,
      ...(o.mem ? [`#SBATCH --mem=${o.mem}`] : []),
      ...common,
      `#SBATCH --output=${logs}/%x-%A_%a.out`,
      `# prnn sweep ${plan.sweep}, plan hash ${plan.hash}: chunks ${part.offset}–${part.offset + part.tasks - 1} of ${plan.chunks.length}.`,
      '# Each task trains chunk (offset + SLURM_ARRAY_TASK_ID) into a shard on node-local storage and publishes it',
      '# to the sweep\'s shards/ directory when the chunk is done; SIGTERM (time limit, preemption) checkpoints.',
      'set -euo pipefail',
      'LOCAL="${SLURM_TMPDIR:-${TMPDIR:-/tmp}}/prnn-${SLURM_ARRAY_JOB_ID:-0}-${SLURM_ARRAY_TASK_ID:-0}"',
      'mkdir -p "$LOCAL"',
      'trap \'rm -rf "$LOCAL"\' EXIT',
      `${o.prnn} sweep run ${shellWord(dir)} --chunk-offset ${part.offset} --shard-dir "$LOCAL" --workers "\${SLURM_CPUS_PER_TASK:-${cpus}}"`,
      '',
    ].join('\n');
    await writeFileAtomic(file, text);
    arrays.push({ file, offset: part.offset, tasks: part.tasks });
  }
  const merge = join(slurmDir, 'merge.sbatch');
  await writeFileAtomic(
    merge,
    [
      '#!/bin/bash',
      `#SBATCH --job-name=prnn-${plan.sweep}-merge`,
      '#SBATCH --cpus-per-task=1',
      '#SBATCH --ntasks=1',
      '#SBATCH --time=01:00:00',
      ...common,
      `#SBATCH --output=${logs}/%x-%j.out`,
      `# Merges the shards of sweep ${plan.sweep} (plan hash ${plan.hash}) into its store; run after the arrays.`,
      'set -euo pipefail',
      `${o.prnn} sweep merge ${shellWord(dir)}`,
      `${o.prnn} sweep status ${shellWord(dir)}`,
      '',
    ].join('\n'),
  );
  return { arrays, merge, logs };
}

/** Job ids returned by sbatch: one per array, and the merge job. */
export interface SubmittedJobs {
  readonly arrays: readonly string[];
  readonly merge: string;
}

/** Submits the arrays, then the merge job with `--dependency=afterany` on all of them; returns the job ids. */
export async function submitSlurm(scripts: SlurmScripts, sbatch = 'sbatch'): Promise<SubmittedJobs> {
  const submit = async (args: string[]): Promise<string> => {
    let stdout: string;
    try {
      ({ stdout } = await run(sbatch, ['--parsable', ...args], { timeout: 60_000 }));
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') throw new PrnnError(`submit needs sbatch on PATH (not found); submit the scripts in ${join(scripts.logs, '..')} by hand on the cluster`);
      throw new PrnnError(`sbatch failed: ${(e.stderr ?? e.message).trim().split('\n')[0]}`);
    }
    const id = stdout.trim().split(';')[0];
    if (!/^\d+$/.test(id)) throw new PrnnError(`sbatch answered ${JSON.stringify(stdout.trim())}, not a job id`);
    return id;
  };
  const arrays: string[] = [];
  for (const a of scripts.arrays) arrays.push(await submit([a.file]));
  const merge = await submit([`--dependency=afterany:${arrays.join(':')}`, scripts.merge]);
  return { arrays, merge };
}
