import { Flags } from '@oclif/core';
import { PrnnError, resolveTaskOptions, type TaskOptions } from '@prnn/env';
import {
  EVAL_ENGINES,
  evaluatePolicy,
  evaluateRun,
  initBackend,
  loadPlugins,
  loadRun,
  OnnxPolicy,
  PAPER_NOISE_SPEC,
  TEST_SET_SEED_OFFSET,
  parseNoiseSpec,
  type Architecture,
  type EvalEngineName,
} from '@prnn/agents';
import { BaseCommand } from '../cli/base-command.js';
import { withFlag, withFlagAsync } from '../cli/flag-errors.js';
import { ProgressBar } from '../cli/progress-bar.js';
import { taskFlags, taskOptionsFromFlags, taskSourceOptionsFromFlags, type TaskFlagValues } from '../cli/task-flags.js';

export interface EvalPolicyOutput {
  noise: number[];
  fitness: (number | null)[];
  robustness: number | null;
  mazes: number;
  engine: string;
  seconds: number;
}

export interface EvalRunOutput {
  run: string;
  noise: number[];
  mazes: number;
  engine: string;
  seconds: number;
  file: string | null;
  networks: { id: string; arch: string; seed: number; fitness: (number | null)[]; robustness: number | null }[];
}

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
 * The task of `prnn eval --run`: the run's own task, with any task flags given laid over it. A different
 * --maze kind starts from that kind's defaults instead.
 */
function runTask(runTaskOptions: TaskOptions, flags: Partial<TaskFlagValues> & Record<string, unknown>): TaskOptions | undefined {
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

export default class Eval extends BaseCommand {
  static override summary = 'Greedy test fitness of an ONNX policy or of every network of a run, over a sensor-noise sweep.';
  static override description =
    'Runs the greedy policy (argmax q; exact ties broken by a seeded generator) on --mazes test mazes at every ' +
    'sensor-noise level of --noise, all mazes × levels of a network advancing as one batch through one ' +
    'onnxruntime session. Prints the mean fitness per level (SPEC §1.5) and, with more than one level, the ' +
    'robustness (trapezoid area under fitness(σs), SPEC §4). --policy takes any ONNX model that follows the ' +
    'prnn policy contract (docs/readme-onnx.md), e.g. one exported from PyTorch; its task is given by the task ' +
    'flags (default Track). --run evaluates every trained network of a run directory on the run\'s test set and ' +
    'task (task flags override it), writes the results to <run>/eval.json, and can use --engine tfjs to run ' +
    'the same networks through their tfjs model (identical fitness).';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> --policy fc.onnx', description: 'The paper\'s sweep (σs = 0, 0.025, …, 0.5) on 1 000 Track mazes.' },
    { command: '<%= config.bin %> <%= command.id %> --policy fc.onnx --noise 0.05 --mazes 200 --json', description: 'One level, JSON on stdout.' },
    { command: '<%= config.bin %> <%= command.id %> --run runs/track --noise 0,0.1,0.2', description: 'Every network of a run, three levels; results in runs/track/eval.json.' },
    { command: '<%= config.bin %> <%= command.id %> --run runs/track --engine tfjs', description: 'The same through the tfjs models.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    policy: Flags.string({ description: 'An ONNX policy file (prnn policy contract).', exactlyOne: ['policy', 'run'] }),
    run: Flags.string({ description: 'A run directory: evaluate every trained network.', exactlyOne: ['policy', 'run'] }),
    mazes: Flags.integer({ description: 'Number of test mazes.', default: 1000, min: 1, max: 1_000_000 }),
    noise: Flags.string({
      description: 'Sensor-noise levels σs: one level (0.05), a list (0,0.1,0.2) or from:to:count (0:0.5:21, the paper\'s sweep).',
      default: PAPER_NOISE_SPEC,
    }),
    seed: Flags.integer({
      description: 'Evaluation seed (sensor noise, tie-breaking; with --policy also the test set). Default: 0 for --policy, each network\'s own seed for --run.',
      min: 0,
      max: 0xffffffff,
    }),
    engine: Flags.option({ options: EVAL_ENGINES, description: 'onnx (onnxruntime) or tfjs (the networks\' tfjs model; --run only).', default: 'onnx' as EvalEngineName })(),
    backend: Flags.string({ description: 'tfjs backend for --engine tfjs: tensorflow, wasm or cpu (default: the fastest that loads).' }),
    ...taskFlags,
    maze: Flags.option({
      options: ['track', 'general', 'h'] as const,
      description: 'Maze kind: track, general or h (default: the run\'s task with --run, track with --policy).',
      helpGroup: 'TASK',
    })(),
    task: Flags.string({
      description: '--policy: a task registered by a plugin (its id), instead of the built-in --maze (a run evaluates on its own task).',
      helpGroup: 'TASK',
    }),
  };

  async run(): Promise<EvalPolicyOutput | EvalRunOutput> {
    const started = performance.now();
    const { flags } = await this.parse(Eval);
    const noise = withFlag('--noise', 'noise', () => parseNoiseSpec(flags.noise));
    const engine = flags.engine as EvalEngineName;
    const registry = await loadPlugins({ cwd: process.cwd() });
    if (flags.policy !== undefined) {
      if (engine !== 'onnx') throw new PrnnError('--engine tfjs needs --run (an ONNX policy file runs on onnxruntime only)');
      if (flags.task !== undefined && flags.maze !== undefined) throw new PrnnError('--task and --maze exclude each other: --task names a plugin task, --maze a built-in maze');
      const source = flags.task === undefined ? undefined : withFlag('--task', undefined, () => registry.task(flags.task as string));
      const task = source ? taskSourceOptionsFromFlags(source, flags) : taskOptionsFromFlags({ ...flags, maze: flags.maze ?? 'track' });
      const seed = flags.seed ?? 0;
      const mazes = source ? source.generateSet(task, { count: flags.mazes, seed: seed + TEST_SET_SEED_OFFSET }) : flags.mazes;
      const policy = await withFlagAsync('--policy', 'policy', () => OnnxPolicy.load(flags.policy as string));
      let result;
      try {
        result = await evaluatePolicy(policy, { task, mazes, noise, seed });
      } finally {
        await policy.release();
      }
      const output: EvalPolicyOutput = {
        noise: result.noise,
        fitness: result.fitness,
        robustness: result.robustness ?? null,
        mazes: result.mazes,
        engine: result.engine,
        seconds: (performance.now() - started) / 1000,
      };
      this.printTable(`${flags.policy} on ${result.mazes} ${task.kind} mazes (engine ${output.engine})`, output.noise, [output]);
      return output;
    }

    const runDir = flags.run as string;
    const manifest = (await withFlagAsync('--run', undefined, () => loadRun(runDir))).manifest;
    const task = runTask(manifest.task, flags as unknown as Partial<TaskFlagValues> & Record<string, unknown>);
    // the onnx engine needs tfjs too when a family's ONNX policy is traced from its step (cpu is enough)
    if (engine === 'tfjs') await withFlagAsync('--backend', 'backend', () => initBackend(flags.backend));
    else await initBackend('cpu');
    const architecture = (family: string): Architecture => registry.architecture(family);
    const bar = new ProgressBar('eval', 'networks', !this.jsonEnabled() && process.stderr.isTTY === true);
    let evaluation;
    try {
      evaluation = await evaluateRun(runDir, {
        task,
        mazes: flags.mazes,
        noise,
        seed: flags.seed,
        engine,
        architecture,
        canonical: (spec) => registry.canonicalName(spec),
        taskSource: (id) => registry.task(id),
        onNetwork: (done, total) => bar.update(done, total, (done / (performance.now() - started)) * 1000),
      });
    } finally {
      bar.finish();
    }
    const output: EvalRunOutput = {
      run: runDir,
      noise: evaluation.noise,
      mazes: evaluation.mazes,
      engine: evaluation.engine,
      seconds: (performance.now() - started) / 1000,
      file: evaluation.file ?? null,
      networks: evaluation.networks.map((n) => ({
        id: n.id,
        arch: n.arch,
        seed: n.seed,
        fitness: n.fitness,
        robustness: n.robustness ?? null,
      })),
    };
    this.printTable(
      `${output.networks.length} networks of ${runDir} on ${output.mazes} ${evaluation.task.kind} mazes (engine ${output.engine})`,
      output.noise,
      output.networks.map((n) => ({ ...n, label: n.id })),
    );
    if (output.file) this.log(`Results written to ${output.file}`);
    return output;
  }

  /** Text output: one row per network, one column per noise level (at most 7 shown), robustness last. */
  private printTable(
    title: string,
    noise: number[],
    rows: { label?: string; fitness: (number | null)[]; robustness: number | null }[],
  ): void {
    const fmt = (x: number | null) => (x === null ? '  n/a ' : x.toFixed(4));
    const cols = noise.length <= 7 ? noise.map((_, k) => k) : [0, 2, 4, 8, 12, 16, noise.length - 1].filter((k) => k < noise.length);
    this.log(title);
    const labelWidth = Math.max(0, ...rows.map((r) => (r.label ?? '').length));
    const head = `${''.padEnd(labelWidth)}${cols.map((k) => `σ=${noise[k]}`.padStart(9)).join('')}${noise.length > 1 ? '  robustness' : ''}`;
    this.log(head);
    for (const r of rows) {
      this.log(
        `${(r.label ?? '').padEnd(labelWidth)}${cols.map((k) => fmt(r.fitness[k]).padStart(9)).join('')}` +
          `${noise.length > 1 ? fmt(r.robustness).padStart(12) : ''}`,
      );
    }
    if (noise.length > 7) this.log(`(${noise.length} levels; --json prints them all)`);
  }
}
