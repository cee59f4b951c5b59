import { resolveTaskOptions, type TaskOptions } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import { taskOptionsFromFlags, type TaskFlagValues } from './task-flags.js';

const TASK_FLAG_NAMES = ['maze', 'size', 'channels', 'gap', 'cue-sparsity', 'wall-sparsity', 'maze-noise', 'steps', 'compat', 'active-channels'] as const;

/** TaskOptions field ← flag, to lay the flags given over a run's own task. */
const OPTION_OF_FLAG: Readonly<Record<string, keyof TaskOptions>> = {
  size: 'size',
  channels: 'channels',
  gap: 'gap',
  'cue-sparsity': 'cueSparsity',
  'wall-sparsity': 'wallSparsity',
  'maze-noise': 'mazeNoise',
  steps: 'steps',
  compat: 'compat',
  'active-channels': 'activeChannels',
};

/**
 * The task of a command given a run (`prnn eval --run`, `prnn view --run`): the run's own task, with any task flags given laid over it. A different
 * --maze kind starts from that kind's defaults instead.
 */
export function runTask(runTaskOptions: TaskOptions, flags: Partial<TaskFlagValues> & Record<string, unknown>): TaskOptions | undefined {
  if (TASK_FLAG_NAMES.every((name) => flags[name] === undefined)) return undefined;
  const kind = (flags.maze as TaskOptions['kind'] | undefined) ?? runTaskOptions.kind;
  if (kind !== runTaskOptions.kind) return taskOptionsFromFlags({ ...(flags as TaskFlagValues), maze: kind });
  const merged: Record<string, unknown> = { ...runTaskOptions };
  for (const [flag, option] of Object.entries(OPTION_OF_FLAG)) if (flags[flag] !== undefined) merged[option] = flags[flag];
  try {
    return resolveTaskOptions(kind, merged as Partial<TaskOptions>);
  } catch (error) {
    if (!(error instanceof PrnnError)) throw error;
    const option = /^\w+/.exec(error.message)?.[0];
    const flag = Object.entries(OPTION_OF_FLAG).find(([, o]) => o === option)?.[0];
    throw flag === undefined ? error : new PrnnError(`--${flag}${error.message.slice(option!.length)}`);
  }
}
