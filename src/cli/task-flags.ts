import { Flags } from '@oclif/core';
import { COMPAT_MODES, TASK_DEFAULTS, resolveTaskOptions, type MazeKind, type TaskOptions } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import type { TaskSource } from '@prnn/agents';

const GROUP = 'TASK';

type DefaultedOption = 'size' | 'channels' | 'gap' | 'cueSparsity' | 'wallSparsity' | 'mazeNoise' | 'steps';

/** "default per maze kind: track 11, general 9, h 11", listing only the kinds that use the option. */
function kindDefaults(key: DefaultedOption, kinds: readonly MazeKind[] = ['track', 'general', 'h']): string {
  return `default ${kinds.length > 1 ? 'per maze kind: ' : ''}${kinds.map((kind) => `${kind} ${TASK_DEFAULTS[kind][key]}`).join(', ')}`;
}

/** A real-number flag; a value that is not a finite number is rejected with the flag's name. */
const numberFlag = Flags.custom<number>({
  parse: async (input, _context, flag) => {
    const value = input.trim() === '' ? NaN : Number(input);
    if (!Number.isFinite(value)) throw new PrnnError(`--${flag.name} must be a number (got ${JSON.stringify(input)})`);
    return value;
  },
});

/** `1,0` → [1, 0]; the length and the 0/1 values are checked by resolveTaskOptions. */
const maskFlag = Flags.custom<number[]>({
  parse: async (input, _context, flag) => {
    const parts = input.split(',').map((part) => part.trim());
    if (parts.some((part) => part !== '0' && part !== '1')) {
      throw new PrnnError(`--${flag.name} must be a comma-separated list of 0/1, one per channel, e.g. 1,0 (got ${JSON.stringify(input)})`);
    }
    return parts.map(Number);
  },
});

/**
 * The task flags shared by every command that builds mazes. A flag that is not given means "the
 * default of the chosen maze kind" (resolveTaskOptions applies the defaults and validates).
 */
export const taskFlags = {
  maze: Flags.option({
    options: ['track', 'general', 'h'] as const,
    default: 'track' as MazeKind,
    description: 'Maze kind: track (the seed paper\'s task), general (the authors\' later task) or h.',
    helpGroup: GROUP,
  })(),
  size: Flags.integer({ description: `Side length N of the maze grid, odd (${kindDefaults('size')}).`, helpGroup: GROUP }),
  channels: Flags.integer({ description: `Number of cue channels C (${kindDefaults('channels')}).`, helpGroup: GROUP }),
  gap: Flags.integer({ description: `Track/H: cue-less cells next to the goal on the start's side (${kindDefaults('gap', ['track', 'h'])}).`, helpGroup: GROUP }),
  'cue-sparsity': numberFlag({
    description: `General: probability that an open cell loses all its cues, in [0, 1] (${kindDefaults('cueSparsity', ['general'])}).`,
    helpGroup: GROUP,
  }),
  'wall-sparsity': numberFlag({
    description: `General: probability that an inner wall cell is opened, in [0, 1] (${kindDefaults('wallSparsity', ['general'])}).`,
    helpGroup: GROUP,
  }),
  'maze-noise': numberFlag({
    description: 'Standard deviation of the Gaussian noise added once to the cues of open cells, ≥ 0 (default 0).',
    helpGroup: GROUP,
  }),
  steps: Flags.integer({ description: `Episode length in steps (${kindDefaults('steps')}).`, helpGroup: GROUP }),
  compat: Flags.option({
    options: COMPAT_MODES,
    description: 'reference: reproduce the reference code\'s quirks (General: the last carved room stays a wall). Default none.',
    helpGroup: GROUP,
  })(),
  'active-channels': maskFlag({
    description: 'Channel mask applied to every observation, one 0/1 per channel, e.g. 1,0 (default: all channels on).',
    helpGroup: GROUP,
  }),
};

/** The parsed values of {@link taskFlags}. */
export interface TaskFlagValues {
  maze: MazeKind;
  size?: number;
  channels?: number;
  gap?: number;
  'cue-sparsity'?: number;
  'wall-sparsity'?: number;
  'maze-noise'?: number;
  steps?: number;
  compat?: TaskOptions['compat'];
  'active-channels'?: number[];
}

/** TaskOptions field → the flag that sets it, so that errors name what the user typed. */
const FLAG_OF_OPTION: Readonly<Record<string, string>> = {
  size: '--size',
  channels: '--channels',
  gap: '--gap',
  cueSparsity: '--cue-sparsity',
  wallSparsity: '--wall-sparsity',
  mazeNoise: '--maze-noise',
  steps: '--steps',
  compat: '--compat',
  activeChannels: '--active-channels',
};

/**
 * Resolves the task flags into validated TaskOptions. Bad values raise PrnnError naming the flag,
 * e.g. `--cue-sparsity must be a probability in [0, 1] (got 2)`.
 */
export function taskOptionsFromFlags(flags: TaskFlagValues): TaskOptions {
  checkFlagsBelongToMaze(flags);
  return withTaskFlagNames(() => resolveTaskOptions(flags.maze, partialFromFlags(flags)));
}

/** The maze kinds each kind-specific task flag applies to. */
const KINDS_OF_FLAG: ReadonlyArray<readonly [keyof TaskFlagValues, readonly MazeKind[]]> = [
  ['gap', ['track', 'h']],
  ['cue-sparsity', ['general']],
  ['wall-sparsity', ['general']],
];

/** A task flag the chosen maze kind has no use for is refused (it would be ignored without a word). */
function checkFlagsBelongToMaze(flags: TaskFlagValues): void {
  for (const [flag, kinds] of KINDS_OF_FLAG) {
    if (flags[flag] !== undefined && !kinds.includes(flags.maze)) {
      throw new PrnnError(`--${flag} applies to the ${kinds.join(' and ')} maze${kinds.length > 1 ? 's' : ''}, not to --maze ${flags.maze}; drop it or choose --maze ${kinds[0]}`);
    }
  }
}

/**
 * `--task ID`: a registered task source's options, with the task flags given (other than --maze, which
 * names the built-in mazes) laid over its own defaults.
 */
export function taskSourceOptionsFromFlags(source: TaskSource, flags: Omit<TaskFlagValues, 'maze'>): TaskOptions {
  return withTaskFlagNames(() => source.options(partialFromFlags({ ...flags, maze: 'track' })));
}

function withTaskFlagNames(resolve: () => TaskOptions): TaskOptions {
  try {
    return resolve();
  } catch (error) {
    if (!(error instanceof PrnnError)) throw error;
    const option = /^\w+/.exec(error.message)?.[0];
    const flag = option === undefined ? undefined : FLAG_OF_OPTION[option];
    throw flag === undefined ? error : new PrnnError(flag + error.message.slice(option!.length));
  }
}

function partialFromFlags(flags: TaskFlagValues): Partial<TaskOptions> {
  const partial: { -readonly [K in keyof TaskOptions]?: TaskOptions[K] } = {};
  if (flags.size !== undefined) partial.size = flags.size;
  if (flags.channels !== undefined) partial.channels = flags.channels;
  if (flags.gap !== undefined) partial.gap = flags.gap;
  if (flags['cue-sparsity'] !== undefined) partial.cueSparsity = flags['cue-sparsity'];
  if (flags['wall-sparsity'] !== undefined) partial.wallSparsity = flags['wall-sparsity'];
  if (flags['maze-noise'] !== undefined) partial.mazeNoise = flags['maze-noise'];
  if (flags.steps !== undefined) partial.steps = flags.steps;
  if (flags.compat !== undefined) partial.compat = flags.compat;
  if (flags['active-channels'] !== undefined) partial.activeChannels = flags['active-channels'];
  return partial;
}
