import { resolveTaskOptions, type MazeKind, type TaskOptions } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import type { SeedMode, TrialParams } from './trial-runner.js';

/** The form's fields that make the task (TaskOptions keys). */
const TASK_FIELDS = ['size', 'steps', 'gap', 'cueSparsity', 'wallSparsity', 'mazeNoise'] as const;
/** Which of them a kind uses (the others are disabled). */
const USED: Readonly<Record<MazeKind, readonly string[]>> = {
  track: ['size', 'steps', 'gap', 'mazeNoise'],
  h: ['size', 'steps', 'gap', 'mazeNoise'],
  general: ['size', 'steps', 'cueSparsity', 'wallSparsity', 'mazeNoise'],
};

function field(form: HTMLFormElement, name: string): HTMLInputElement | HTMLSelectElement {
  return form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
}

function numberField(form: HTMLFormElement, name: string, label: string, integer: boolean): number {
  const text = field(form, name).value.trim();
  const v = Number(text);
  if (text === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new PrnnError(`${label} must be ${integer ? 'an integer' : 'a number'} (got "${text}")`);
  }
  return v;
}

/** Writes a task and the trial settings into the form. */
export interface TrialControls {
  readonly seed: number;
  readonly seedMode: SeedMode;
  readonly mazes: number;
  readonly maze: number;
  readonly noise: number;
}

export function writeControls(form: HTMLFormElement, task: TaskOptions, trial: TrialControls): void {
  field(form, 'kind').value = task.kind;
  for (const name of TASK_FIELDS) {
    const input = field(form, name) as HTMLInputElement;
    input.value = String(task[name]);
    input.disabled = !USED[task.kind].includes(name);
  }
  field(form, 'channels').value = String(task.channels);
  field(form, 'seed').value = String(trial.seed);
  field(form, 'seedMode').value = trial.seedMode;
  field(form, 'mazes').value = String(trial.mazes);
  field(form, 'maze').value = String(trial.maze);
  field(form, 'maze').setAttribute('max', String(trial.mazes - 1));
  field(form, 'noise').value = String(trial.noise);
  (form.elements.namedItem('noiseValue') as HTMLOutputElement).value = trial.noise.toFixed(3);
}

/** The task of a kind with its defaults, keeping the channels and active-channel mask of `current`. */
export function kindDefaults(kind: MazeKind, current: TaskOptions): TaskOptions {
  return resolveTaskOptions(kind, { channels: current.channels, activeChannels: current.activeChannels, compat: current.compat });
}

/** Reads and validates the form: a PrnnError naming the field when a value is not allowed. */
export function readControls(form: HTMLFormElement, base: TaskOptions, runSeed?: number): TrialParams {
  const kind = field(form, 'kind').value as MazeKind;
  const partial: Record<string, unknown> = { channels: base.channels, activeChannels: base.activeChannels, compat: base.compat };
  for (const name of USED[kind]) partial[name] = numberField(form, name, name, ['size', 'steps', 'gap'].includes(name));
  const task = resolveTaskOptions(kind, partial as Partial<TaskOptions>);
  const seed = numberField(form, 'seed', 'seed', true);
  if (seed < 0 || seed > 0xffffffff) throw new PrnnError(`seed must be an integer in [0, 4294967295] (got ${seed})`);
  const mazes = numberField(form, 'mazes', 'mazes', true);
  if (mazes < 1 || mazes > 100_000) throw new PrnnError(`mazes must be an integer in [1, 100000] (got ${mazes})`);
  const maze = numberField(form, 'maze', 'maze', true);
  if (maze < 0 || maze >= mazes) throw new PrnnError(`maze must be an integer in [0, ${mazes - 1}] (the set holds ${mazes} mazes; got ${maze})`);
  const noise = numberField(form, 'noise', 'σs', false);
  const seedMode: SeedMode = runSeed !== undefined && field(form, 'seedMode').value === 'network' ? 'network' : 'shared';
  (form.elements.namedItem('noiseValue') as HTMLOutputElement).value = noise.toFixed(3);
  for (const name of TASK_FIELDS) (field(form, name) as HTMLInputElement).disabled = !USED[kind].includes(name);
  return { task, seed, seedMode, ...(runSeed !== undefined ? { runSeed } : {}), mazes, maze, noise };
}
