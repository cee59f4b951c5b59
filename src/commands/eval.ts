import { Flags } from '@oclif/core';
import type { TaskOptions } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import {
  checkPolicyChannels,
  EVAL_ENGINES,
  initBackend,
  loadPlugins,
  loadRun,
  OnnxPolicy,
  META,
  PAPER_NOISE_SPEC,
  checkMemoryFits,
  estimateEvalMemory,
  RUN_EVALUATION_FILE,
  TEST_SET_SEED_OFFSET,
  parseNoiseSpec,
  runEvaluationSettings,
  type Architecture,
  type EvalEngineName,
} from '@prnn/agents';
import type { evaluatePolicy, evaluateRun } from '@prnn/agents';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BaseCommand } from '../cli/base-command.js';
import { formatBytes, workersFlag } from '../cli/workers-flag.js';
import { checkOutputFile, checkOutputLocation, writeOutputFile } from '../cli/write-output-file.js';
import { withFlag, withFlagAsync } from '../cli/flag-errors.js';
import { ProgressBar } from '../cli/progress-bar.js';
import { runTask } from '../cli/run-task.js';
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
  file: string;
  networks: { id: string; arch: string; seed: number; fitness: (number | null)[]; robustness: number | null }[];
}

/** Refuses an evaluation batch (mazes × levels) larger than the machine's memory, naming the flags. */
function checkEvalMemory(task: TaskOptions, mazes: number, levels: number, stateSize: number): void {
  const warning = checkMemoryFits(
    estimateEvalMemory(task, mazes, levels, stateSize),
    `evaluating ${mazes} mazes × ${levels} noise level${levels === 1 ? '' : 's'} at once (--mazes, --noise)`,
    '--mazes or the number of --noise levels',
    formatBytes,
  );
  if (warning) process.stderr.write(`warning: ${warning}\n`);
}

export default class Eval extends BaseCommand {
  static override summary = 'Greedy test fitness of an ONNX policy or of every network of a run, over a sensor-noise sweep.';
  static override description =
    'Runs the greedy policy (argmax q; exact ties broken by a seeded generator) on --mazes test mazes at every ' +
    'sensor-noise level of --noise, all mazes × levels of a network advancing as one batch through one ' +
    'onnxruntime session. Prints the mean fitness per level (docs/spec.md §1.5) and, with more than one level, the ' +
    'robustness (trapezoid area under fitness(σs), docs/spec.md §4). --policy takes any ONNX model that follows the ' +
    'prnn policy contract (README.md, section "ONNX policies"), e.g. one exported from PyTorch; its task is given by the task ' +
    'flags (default Track), or with --like DIR those of the run it was exported from (task, test set, its size ' +
    'and the network\'s noise seed: the training σs then reproduces its stored fitness). --run evaluates every ' +
    'trained network of a run directory on the run\'s task and test set (its --test-mazes; flags override them), ' +
    'writes the results to <run>/eval.json (or --out; an existing eval.json is never replaced silently), and can ' +
    'use --engine tfjs to run the same networks through their tfjs model, or --engine compiled through the ' +
    'family\'s compiled WebAssembly step (both give q within float32 rounding of onnx: a near-tie can flip an action). --seed sets the ' +
    'sensor noise and tie-breaking, --test-seed the test set.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> --policy fc.onnx', description: 'The paper\'s sweep (σs = 0, 0.025, …, 0.5) on 1 000 Track mazes.' },
    { command: '<%= config.bin %> <%= command.id %> --policy fc.onnx --noise 0.05 --mazes 200 --json', description: 'One level, JSON on stdout.' },
    { command: '<%= config.bin %> <%= command.id %> --run runs/track --noise 0,0.1,0.2', description: 'Every network of a run, three levels; results in runs/track/eval.json.' },
    { command: '<%= config.bin %> <%= command.id %> --run runs/track --engine tfjs --out runs/track/eval-tfjs.json', description: 'The same through the tfjs models, into another file.' },
    { command: '<%= config.bin %> <%= command.id %> --run runs/track --engine compiled --out runs/track/eval-compiled.json', description: 'The same through the compiled WebAssembly step (docs/guides/performance.md).' },
    { command: '<%= config.bin %> <%= command.id %> --policy fc.onnx --like runs/track --noise 0.05', description: 'An exported network on its run\'s test set: reproduces its stored fitness.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    policy: Flags.string({ description: 'An ONNX policy file (prnn policy contract).', exactlyOne: ['policy', 'run'] }),
    run: Flags.string({ description: 'A run directory: evaluate every trained network.', exactlyOne: ['policy', 'run'] }),
    like: Flags.string({ description: 'With --policy: evaluate as the run in this directory measured its networks (its task, test set and size; the noise seed from the policy\'s prnn.seed).' }),
    mazes: Flags.integer({ description: 'Number of test mazes (default: the run\'s --test-mazes with --run or --like, else 1000).', min: 1, max: 1_000_000 }),
    'test-seed': Flags.integer({
      description: 'Which test set: that of a run trained with --seed N (default: the run\'s with --run or --like, else 0).',
      min: 0,
      max: 0xffffffff,
    }),
    out: Flags.string({ description: 'With --run: where to write the results (default <run>/eval.json, which is never replaced without --out).' }),
    noise: Flags.string({
      description: 'Sensor-noise levels σs: one level (0.05), a list (0,0.1,0.2) or from:to:count (0:0.5:21, the paper\'s sweep).',
      default: PAPER_NOISE_SPEC,
    }),
    seed: Flags.integer({
      description: 'Noise seed (sensor noise, tie-breaking; the test set is --test-seed\'s). Default: each network\'s own seed with --run, the policy\'s prnn.seed with --like, else 0.',
      min: 0,
      max: 0xffffffff,
    }),
    engine: Flags.option({ options: EVAL_ENGINES, description: 'onnx (onnxruntime), tfjs (the networks\' tfjs model) or compiled (the family\'s WebAssembly SIMD step, float32-close to onnx; one thread); tfjs and compiled: --run only.', default: 'onnx' as EvalEngineName })(),
    backend: Flags.string({ description: 'tfjs backend for --engine tfjs: tensorflow, wasm or cpu (default: the fastest that loads).' }),
    workers: workersFlag({ description: 'With --run: networks evaluated at once, each on its own worker thread (same results).', default: 1 }),
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
      if (engine !== 'onnx') throw new PrnnError(`--engine ${engine} needs --run (an ONNX policy file runs on onnxruntime only): use --engine onnx with --policy`);
      if (flags.out !== undefined) throw new PrnnError('--out needs --run (eval --policy prints its results; use --json to keep them)');
      if (flags.task !== undefined && flags.maze !== undefined) throw new PrnnError('--task and --maze exclude each other: --task names a plugin task, --maze a built-in maze');
      if (flags.task !== undefined && flags.like !== undefined) throw new PrnnError('--task and --like exclude each other: --like evaluates on the run\'s own task');
      const likeRun = flags.like === undefined ? undefined : await withFlagAsync('--like', undefined, () => loadRun(flags.like as string));
      const like = likeRun === undefined ? undefined : runEvaluationSettings(likeRun.manifest);
      const sourceId = flags.task ?? likeRun?.manifest.taskSource;
      const source = sourceId === undefined ? undefined : withFlag(flags.task !== undefined ? '--task' : '--like', undefined, () => registry.task(sourceId));
      const task = like
        ? (runTask(like.task, flags as unknown as Partial<TaskFlagValues> & Record<string, unknown>) ?? like.task)
        : source
          ? taskSourceOptionsFromFlags(source, flags)
          : taskOptionsFromFlags({ ...flags, maze: flags.maze ?? 'track' });
      const count = flags.mazes ?? like?.mazes ?? 1000;
      const testSeed = flags['test-seed'] ?? like?.testSeed ?? 0;
      const mazeSeed = testSeed + TEST_SET_SEED_OFFSET;
      const policy = await withFlagAsync('--policy', 'policy', () => OnnxPolicy.load(flags.policy as string, { splitState: true }));
      let result: Awaited<ReturnType<typeof evaluatePolicy>>;
      try {
        checkPolicyChannels(`--policy ${flags.policy}`, policy.obsSize, task.channels);
        checkEvalMemory(task, count, noise.length, policy.stateSize);
        const mazes = source ? source.generateSet(task, { count, seed: mazeSeed }) : count;
        const ownSeed = Number(policy.metadata[META.seed]);
        const seed = flags.seed ?? (like && Number.isSafeInteger(ownSeed) && ownSeed >= 0 ? ownSeed : 0);
        // the evaluator bound to TYPES.Evaluator (a plugin may rebind or decorate it)
        result = await registry.evaluator().evaluatePolicy(policy, { task, mazes, noise, seed, mazeSeed });
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
    if (flags.like !== undefined) throw new PrnnError('--like needs --policy (--run already evaluates as the run measured its networks)');
    const manifest = (await withFlagAsync('--run', undefined, () => loadRun(runDir))).manifest;
    const task = runTask(manifest.task, flags as unknown as Partial<TaskFlagValues> & Record<string, unknown>);
    // the onnx engine needs tfjs too when a family's ONNX policy is traced from its step (cpu is enough)
    if (engine === 'tfjs') await withFlagAsync('--backend', 'backend', () => initBackend(flags.backend));
    else await initBackend('cpu');
    const settings = runEvaluationSettings(manifest);
    const largest = Math.max(...manifest.networks.map((n) => n.hidden));
    const evalTask = task ?? manifest.task;
    checkEvalMemory(evalTask, flags.mazes ?? settings.mazes, noise.length, 4 * evalTask.channels + largest + 5);
    const file = flags.out ?? join(runDir, RUN_EVALUATION_FILE);
    if (flags.out !== undefined) {
      // its directory must exist (eval makes none) and take files
      checkOutputFile('--out', flags.out);
      await checkOutputLocation('--out', flags.out);
    }
    if (flags.out === undefined && existsSync(file)) {
      throw new PrnnError(`--run ${runDir} already holds ${RUN_EVALUATION_FILE} from an earlier evaluation; pass --out FILE to write elsewhere (or --out ${file} to replace it)`);
    }
    const architecture = (family: string): Architecture => registry.architecture(family);
    const bar = new ProgressBar('eval', 'networks', !this.jsonEnabled() && process.stderr.isTTY === true);
    let evaluation: Awaited<ReturnType<typeof evaluateRun>>;
    try {
      evaluation = await registry.evaluator().evaluateRun(runDir, {
        task,
        mazes: flags.mazes,
        noise,
        seed: flags.seed,
        testSeed: flags['test-seed'],
        engine,
        architecture,
        kernels: (family) => registry.kernels(family),
        workers: flags.workers,
        write: false,
        canonical: (spec) => registry.canonicalName(spec),
        taskSource: (id) => registry.task(id),
        onNetwork: (done, total) => bar.update(done, total, (done / (performance.now() - started)) * 1000),
      });
    } finally {
      bar.finish();
    }
    await writeOutputFile('--out', file, `${JSON.stringify(evaluation, null, 2)}\n`);
    const output: EvalRunOutput = {
      run: runDir,
      noise: evaluation.noise,
      mazes: evaluation.mazes,
      engine: evaluation.engine,
      seconds: (performance.now() - started) / 1000,
      file,
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

  /** Text output: one row per network, one column per noise level (every level), robustness last. */
  private printTable(
    title: string,
    noise: number[],
    rows: { label?: string; fitness: (number | null)[]; robustness: number | null }[],
  ): void {
    const fmt = (x: number | null) => (x === null ? '  n/a ' : x.toFixed(4));
    const cols = noise.map((_, k) => k);
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
  }
}
