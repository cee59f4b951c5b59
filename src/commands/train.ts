import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { PrnnError, quantile, testFaultPoint } from '@prnn/core';
import { MAX_EPISODES, MAX_RUN_NETWORKS, TrainingInterrupted, listCheckpoints, checkMemoryFits, estimateTrainMemory, initBackend, loadPlugins, type ArchInfo, type Registry, type TrainRunResult } from '@prnn/agents';
import { BaseCommand } from '../cli/base-command.js';
import { errorMessageLine } from '../cli/error-line.js';
import { systemErrorLine } from '../cli/system-error-line.js';
import { withFlag, withFlagAsync } from '../cli/flag-errors.js';
import { prepareOutDirectory, removeEmptyDirectories } from '../cli/out-directory.js';
import { checkDiskSpace, trainRunBytes } from '../cli/disk-space.js';
import { INTERRUPT_EXIT_CODE, abortOnInterrupt, resumeCommand } from '../cli/interrupt.js';
import { ProgressBar } from '../cli/progress-bar.js';
import { taskFlags, taskOptionsFromFlags, taskSourceOptionsFromFlags } from '../cli/task-flags.js';
import { defaultWorkers, formatBytes, workersFlag } from '../cli/workers-flag.js';
import { configureWithFlagNames, flagOfParameter, learnerFlagOverrides, learnerFlags, parseLearnerParams } from '../cli/learner-flags.js';

/** The architecture family of the paper's 128 architectures and ff-large. */
export const PAPER_FAMILY = 'nine-pathway';

/**
 * `--arch`: comma-separated names or reference indices, `all` (the paper's 129 configurations: the 128 +
 * ff-large, whatever plugins are loaded), or `family:NAME` (every architecture of family NAME, e.g. a
 * plugin's `family:lowrank-rnn`). A name two families share is written `FAMILY:NAME`.
 */
export function resolveArchList(registry: Registry, spec: string, sizes: { channels: number; hidden: number }): ArchInfo[] {
  const parts = spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) throw new PrnnError('--arch must name at least one architecture (e.g. fc, ff, hh+oh, 127, all, family:NAME)');
  const out: ArchInfo[] = [];
  const seen = new Set<string>();
  const add = (a: ArchInfo) => {
    const key = `${a.family}:${a.name}:${a.hidden}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(a);
    }
  };
  const familyList = (family: string): ArchInfo[] => {
    const known = registry.architectures().map((a) => a.family);
    if (!known.includes(family)) {
      throw new PrnnError(`--arch: no architecture family ${JSON.stringify(family)} is loaded (loaded: ${known.join(', ')}; plugins are listed by prnn plugins)`);
    }
    return withFlag('--arch', undefined, () => registry.architecture(family).list(sizes));
  };
  for (const part of parts) {
    const lower = part.toLowerCase();
    if (lower === 'all') {
      // the paper's sweep: its 128 architectures and the large feed-forward network (H = 34), never a plugin's
      familyList(PAPER_FAMILY).forEach(add);
    } else if (lower.startsWith('family:')) {
      const family = part.slice('family:'.length).trim();
      if (family.length === 0) throw new PrnnError('--arch family: needs a family name (e.g. family:nine-pathway)');
      familyList(family).forEach(add);
    } else {
      const arch = withFlag('--arch', undefined, () => registry.resolveArch(part, sizes));
      // ff-large is the paper's H = 34 network whatever --hidden says: take the family's canonical entry
      const canonical = arch.name === 'ff-large' ? registry.architecture(arch.family).list(sizes).find((a) => a.name === 'ff-large') : undefined;
      add(canonical ?? arch);
    }
  }
  return out;
}

const numberFlag = Flags.custom<number>({
  parse: async (input, _context, flag) => {
    const value = input.trim() === '' ? NaN : Number(input);
    if (!Number.isFinite(value)) throw new PrnnError(`--${flag.name} must be a number (got ${JSON.stringify(input)})`);
    return value;
  },
});

export default class Train extends BaseCommand {
  static override summary = 'Train networks with deep Q-learning (docs/spec.md §3) and measure their test fitness.';
  static override description =
    'Trains every architecture of --arch with --seeds seeds each, in populations of --population networks ' +
    'trained in lockstep. Each network gets a training curve (greedy test fitness at --curve-points points) and ' +
    'a final fitness on the run\'s shared test set (--test-mazes mazes, σs = --sensor-noise). With --out, ' +
    'weights, results and checkpoints are written to a run directory; --resume continues an interrupted run ' +
    'with the same final weights. Each population is cut into --workers slices trained at once on worker ' +
    'threads (default: one per core); the results do not depend on the number of workers. Before training, ' +
    'the memory the populations will use is printed on stderr (with --json: memoryBytes). Hyper-parameter ' +
    'defaults are the paper\'s.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> --arch fc,ff --seeds 8 --episodes 20000 --out runs/track', description: 'FC and FF, 8 seeds each, on the Track task.' },
    { command: '<%= config.bin %> <%= command.id %> --arch all --seeds 50 --out runs/sweep', description: 'The paper\'s sweep: 128 architectures + ff-large, 50 seeds, 100 000 episodes.' },
    { command: '<%= config.bin %> <%= command.id %> --arch all --seeds 50 --out runs/sweep --resume', description: 'Continue it after an interruption.' },
    { command: '<%= config.bin %> <%= command.id %> --arch fc --seeds 1 --episodes 200 --test-mazes 50 --json', description: 'A quick run, JSON on stdout.' },
    { command: '<%= config.bin %> <%= command.id %> --arch fc,ff --seeds 8 --workers 1 --path generic', description: 'One thread, the generic tfjs learning pass.' },
    { command: '<%= config.bin %> <%= command.id %> --arch fc --learner replay-dqn --learner-param bufferEpisodes=500 --learner-param targetUpdateEvery=50', description: 'A plugin learner with two of its parameters set.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    arch: Flags.string({ description: 'Architectures: comma-separated names (fc, ff, hh+oh, ff-large), reference indices 0–127, all (the paper\'s 128 + ff-large, whatever plugins are loaded), or family:NAME (every architecture of a family, e.g. family:lowrank-rnn).', required: true }),
    seeds: Flags.integer({ description: `Networks per architecture; network k has seed --seed-offset + k (a run holds at most ${MAX_RUN_NETWORKS} networks).`, default: 1, min: 1 }),
    'seed-offset': Flags.integer({ description: 'First network seed (default 0).', default: 0, min: 0, max: 0xffffffff }),
    seed: Flags.integer({ description: 'Run seed: fixes the shared test set (default 0).', default: 0, min: 0, max: 0xffffffff }),
    episodes: Flags.integer({ description: `Training episodes per network (default per task: track 100000, general 400000; at most ${MAX_EPISODES}).`, max: MAX_EPISODES }),
    hidden: Flags.integer({ description: 'Hidden units H (ff-large keeps its 34).', default: 8 }),
    'sensor-noise': numberFlag({ description: 'Sensor noise σs in training and testing (default 0.05).' }),
    learner: Flags.string({ description: 'Learner: dqn, or one registered by a plugin (e.g. replay-dqn).', default: 'dqn' }),
    ...learnerFlags,
    'test-mazes': Flags.integer({ description: 'Size of the shared test set (default 1000).' }),
    'curve-points': Flags.integer({ description: 'Points of the training curve (default 100).' }),
    population: Flags.integer({ description: 'Networks trained in lockstep per population.', default: 256, min: 1 }),
    backend: Flags.string({ description: 'tfjs backend: tensorflow, wasm or cpu (default: the fastest that loads).' }),
    path: Flags.string({
      description: 'Implementation: generic (tfjs autodiff of the family\'s step) or a kernel registered for the family (compiled for the 9-pathway family). Default: the family\'s first kernel (compiled where WebAssembly has SIMD), else generic.',
    }),
    'learner-param': Flags.string({
      description: 'A learner parameter as key=value (repeatable), checked against the learner\'s declared parameters, e.g. bufferEpisodes=500 for replay-dqn.',
      multiple: true,
    }),
    workers: workersFlag({ description: 'Worker threads; each trains a slice of every population (default: the number of cores).' }),
    out: Flags.string({ description: 'Run directory for run.json, networks/<id>/{weights.bin,result.json} and checkpoint/.' }),
    resume: Flags.boolean({ description: 'Continue the run in --out from its checkpoint.', default: false }),
    'checkpoint-every': Flags.integer({ description: 'Checkpoint every this many episodes (default: a tenth of the run).', min: 1 }),
    ...taskFlags,
    task: Flags.string({
      description: 'A task registered by a plugin (its id, e.g. prnn/DistractorTrack-v0), instead of the built-in --maze; task flags override its defaults.',
      helpGroup: 'TASK',
    }),
  };

  async run(): Promise<TrainRunResult | Record<string, unknown>> {
    const { flags } = await this.parse(Train);
    const registry = await loadPlugins({ cwd: process.cwd() });
    const taskSource = flags.task === undefined ? undefined : withFlag('--task', undefined, () => registry.task(flags.task!));
    if (taskSource && process.argv.some((a) => a === '--maze' || a.startsWith('--maze='))) {
      throw new PrnnError('--task and --maze exclude each other: --task names a plugin task, --maze a built-in maze');
    }
    const task = taskSource ? taskSourceOptionsFromFlags(taskSource, flags) : taskOptionsFromFlags(flags);
    if (flags['seed-offset'] + flags.seeds - 1 > 0xffffffff) {
      throw new PrnnError(`--seed-offset + --seeds - 1 must be ≤ 4294967295 (got ${flags['seed-offset'] + flags.seeds - 1})`);
    }
    const backend = await withFlagAsync('--backend', 'backend', () => initBackend(flags.backend));
    const learner = withFlag('--learner', undefined, () => registry.learner(flags.learner));
    const episodes = flags.episodes ?? learner.defaults(task).episodes;
    const declared = learner.defaults(task) as unknown as Record<string, unknown>;
    const learnerParams = withFlag('--learner-param', undefined, () => parseLearnerParams(flags['learner-param'] ?? [], declared, learner.name));
    // the common flags every learner has; the learner's own flags only where it declares them (else exit 2)
    const fromFlags: Record<string, unknown> = {
      episodes: flags.episodes,
      hidden: flags.hidden,
      sensorNoise: flags['sensor-noise'],
      testMazes: flags['test-mazes'],
      // the paper's 100 points, or one per episode for runs shorter than that
      curvePoints: flags['curve-points'] ?? (Number.isInteger(episodes) && episodes >= 10 ? Math.min(100, episodes) : undefined),
      ...learnerFlagOverrides(learner, flags, declared),
    };
    for (const key of Object.keys(learnerParams)) {
      const flag = flagOfParameter(learner, key);
      const given = key === 'curvePoints' ? flags['curve-points'] !== undefined : key !== 'hidden' && fromFlags[key] !== undefined;
      if (!flag.startsWith('--learner-param') && given) throw new PrnnError(`--learner-param ${key} and ${flag} both set ${key}; give it once`);
    }
    const config = configureWithFlagNames(learner, () => learner.configure(task, { ...fromFlags, ...learnerParams }));
    const archs = resolveArchList(registry, flags.arch, { channels: task.channels, hidden: config.hidden });
    // one run may mix families: each is trained in populations of its own
    const architecture = registry.architecture(archs[0].family);
    if (archs.length * flags.seeds > MAX_RUN_NETWORKS) {
      throw new PrnnError(
        `--seeds ${flags.seeds} × ${archs.length} architecture${archs.length === 1 ? '' : 's'} = ${archs.length * flags.seeds} networks; ` +
          `a run holds at most ${MAX_RUN_NETWORKS} (split a larger sweep into runs with --seed-offset)`,
      );
    }
    const kernels = registry.kernels(architecture.family);
    const members = archs.flatMap((arch) =>
      Array.from({ length: flags.seeds }, (_, k) => ({ arch, seed: flags['seed-offset'] + k })),
    );
    const json = this.jsonEnabled();
    const workers = flags.workers ?? defaultWorkers();
    const memory = withFlag('--path', undefined, () => estimateTrainMemory({ task, architecture, kernels, families: registry, members, config, population: flags.population, workers, path: flags.path }));
    const memoryWarning =
      memory.bytes === undefined
        ? undefined
        : checkMemoryFits(
            memory.bytes,
            `training ${Math.min(flags.population, members.length)} network${Math.min(flags.population, members.length) === 1 ? "" : "s"} at once (--population ${flags.population}, --hidden ${config.hidden}, --test-mazes ${config.testMazes}, --workers ${workers})`,
            '--population, --hidden, --test-mazes or --workers',
            formatBytes,
          );
    // --out's missing directories are made here, one level at a time (and removed again, if still empty,
    // when training fails): Node's recursive mkdir never returns under /proc.
    if (flags.resume) {
      // a mistyped --out must not start a fresh run in a new directory
      if (flags.out === undefined) throw new PrnnError('--resume needs --out (the run directory to continue)');
      if (!existsSync(join(flags.out, 'run.json'))) {
        throw new PrnnError(
          existsSync(flags.out)
            ? `--out ${flags.out}: nothing to resume (no run.json there); check the path, or drop --resume to start a new run`
            : `--out ${flags.out}: nothing to resume (the directory does not exist); check the path, or drop --resume to start a new run`,
        );
      }
    }
    const createdDirectories = flags.out === undefined ? [] : await prepareOutDirectory('--out', flags.out);
    if (flags.out !== undefined) {
      await checkDiskSpace('--out', flags.out, trainRunBytes(members.map((m) => m.arch.parameters)), `training ${members.length} network${members.length === 1 ? '' : 's'}`).catch(async (error: unknown) => {
        await removeEmptyDirectories(createdDirectories);
        throw error;
      });
    }
    const ownBar = new ProgressBar('train', 'net-episodes', !json && process.stderr.isTTY === true);
    // a plugin may rebind the progress reporter (TYPES.ProgressReporter) and add loggers (TYPES.Logger)
    const bar = registry.progressReporter({
      update: (p) => ownBar.update(p.done, p.total, p.rate, p.loss !== undefined ? `loss ${p.loss.toFixed(3)}` : ''),
      finish: () => ownBar.finish(),
    });
    let result: TrainRunResult;
    const interrupt = abortOnInterrupt();
    try {
      result = await registry.trainer().train({
        signal: interrupt.signal,
        task,
        architecture,
        kernels,
        families: registry,
        taskSource,
        members,
        learner,
        config,
        runSeed: flags.seed,
        population: flags.population,
        path: flags.path,
        workers,
        plugins: { cwd: process.cwd() },
        backend,
        out: flags.out,
        resume: flags.resume,
        checkpointEvery: flags['checkpoint-every'],
        // said once the flags and --out are accepted, so that bad input still gets exactly one line
        onStart: () => {
          testFaultPoint('start');
          if (json) return;
          if (memoryWarning) process.stderr.write(`warning: ${memoryWarning}\n`);
          const networksAtOnce = Math.min(flags.population, members.length);
          process.stderr.write(
            memory.bytes === undefined
              ? `memory: no estimate for architecture family ${memory.unestimated ?? architecture.family} (${memory.path} path)\n`
              : `memory: about ${formatBytes(memory.bytes)} for ${networksAtOnce} network${networksAtOnce === 1 ? '' : 's'} at once ` +
                  `(${formatBytes(memory.perNetwork ?? 0)} per network` +
                  `${memory.workerBytes ? ` + ${formatBytes(memory.workerBytes)} for the worker threads` : ''}; ` +
                  `${memory.path} path, ${workers} worker${workers === 1 ? '' : 's'})\n`,
          );
        },
        onProgress: (p) => bar.update(p),
        loggers: registry.loggers(),
      });
    } catch (error) {
      bar.finish();
      if (error instanceof TrainingInterrupted) {
        const line = error.resumable ? `${error.message}; resume with: ${resumeCommand(this.config.bin, this.id ?? 'train', this.argv)}` : error.message;
        if (json) process.stdout.write(`${JSON.stringify({ interrupted: { message: line, resumable: error.resumable } })}\n`);
        process.stderr.write(`Interrupted: ${line}\n`);
        this.exit(INTERRUPT_EXIT_CODE);
      }
      await removeEmptyDirectories(createdDirectories);
      // a failure after training began (the final test, a full disk): the checkpoints keep what was trained
      if (flags.out !== undefined && !(error instanceof PrnnError && /checked before training/.test(error.message)) && (await listCheckpoints(flags.out).catch(() => [])).length > 0) {
        const line = systemErrorLine(error, this.argv, Train) ?? errorMessageLine(error);
        throw Object.assign(new PrnnError(`${line}; what was trained is kept in ${join(flags.out, 'checkpoint')}: fix the cause, then run the same command with --resume to finish`), { cause: error });
      }
      throw error;
    } finally {
      interrupt.release();
      bar.finish();
    }
    const output = {
      networks: result.networks.map((n) => ({
        arch: n.arch,
        seed: n.seed,
        hidden: n.hidden,
        parameters: n.parameters,
        fitness: n.fitness,
        trainingCurve: n.trainingCurve,
      })),
      netEpisodesPerSecond: Number.isFinite(result.netEpisodesPerSecond) ? result.netEpisodesPerSecond : null,
      backend: result.backend,
      memoryBytes: memory.bytes ?? null,
    };
    if (!json) {
      const byArch = new Map<string, number[]>();
      for (const n of result.networks) {
        const list = byArch.get(n.arch) ?? [];
        if (n.fitness !== null) list.push(n.fitness);
        byArch.set(n.arch, list);
      }
      // per architecture: networks trained, those with a defined fitness (n), median and interquartile range
      const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
      this.log(`${'arch'.padEnd(24)} ${'networks'.padStart(8)} ${'n'.padStart(5)} ${'median fitness'.padStart(15)} ${'IQR (q1–q3)'.padStart(13)}`);
      for (const [arch, values] of byArch) {
        const iqr = values.length === 0 ? 'n/a' : `${fmt(quantile(values, 0.25))}–${fmt(quantile(values, 0.75))}`;
        this.log(
          `${arch.padEnd(24)} ${String(result.networks.filter((n) => n.arch === arch).length).padStart(8)} ${String(values.length).padStart(5)} ` +
            `${fmt(quantile(values, 0.5)).padStart(15)} ${iqr.padStart(13)}`,
        );
      }
      const rate = output.netEpisodesPerSecond;
      this.log(`${config.episodes} episodes per network on ${task.kind}; ${rate === null ? 'nothing left to train' : `${Math.round(rate).toLocaleString('en-US')} net-episodes/s`} (${result.backend})${flags.out ? `; run directory ${flags.out}` : ''}`);
    }
    return output;
  }
}
