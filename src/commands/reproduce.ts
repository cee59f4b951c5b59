import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { initBackend } from '@prnn/agents';
import { REPRODUCE_SCALES, loadSweepPlugins, reproduce, reproduceLearners, sweepPreset, sweepStatus, type ReproduceScale } from '@prnn/sweeps';
import { checkDiskSpace, reportBytes, storeBytes, trainRunBytes } from '../cli/disk-space.js';
import { prnnCommand } from '../cli/prnn-command.js';
import { BaseCommand } from '../cli/base-command.js';
import { withFlagAsync, withParameterFlags } from '../cli/flag-errors.js';
import { formatPhaseProfile, formatPhaseProjection } from '../cli/phase-table.js';
import { ProgressBar } from '../cli/progress-bar.js';
import { secondsFlag } from '../cli/seconds-flag.js';
import { StopSignals } from '../cli/stop-signals.js';
import { plansFromFlags } from '../cli/sweep-plan-flags.js';
import { resolveLearners } from '../cli/learner-flags.js';
import { defaultWorkers, workersFlag } from '../cli/workers-flag.js';

const SCALES = REPRODUCE_SCALES;
type Scale = ReproduceScale;

export default class Reproduce extends BaseCommand {
  static override summary = "Reproduce the paper's experiment: plan → run → analyse → report.";
  static override description =
    'Plans the sweep of --scale in --dir (smoke: 8 networks in seconds; small: the 129 configurations × 8 ' +
    "seeds at the paper's 100 000 episodes, under an hour on 2 cores; paper: 6 450 networks), runs every chunk " +
    'not stored yet on all cores (or, with --slurm, writes and submits the Slurm arrays and the merge job), ' +
    "and prints the headline table: prnn's median fitness next to the paper's (docs/spec.md §5). paper prints its " +
    'projected wall and CPU time per phase (each phase measured briefly on this machine) and starts only with ' +
    '--yes. At the end it prints the wall and CPU seconds of every phase of the call (training, curve tests, ' +
    'final tests, noise sweeps, analysis, report; --json: profile). Running it again continues where it ' +
    'stopped; SIGINT/SIGTERM checkpoint and exit.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> --scale smoke', description: 'Everything end to end in seconds.' },
    { command: '<%= config.bin %> <%= command.id %> --scale small --dir sweeps/small', description: 'The 129 configurations × 8 seeds (under an hour on 2 cores).' },
    { command: '<%= config.bin %> <%= command.id %> --scale paper', description: 'Prints the projected time of every phase and stops (its calibration is kept in DIR/projection.json).' },
    { command: '<%= config.bin %> <%= command.id %> --scale paper --yes', description: 'Starts the run; within the hour after the command above it reuses that calibration instead of measuring again.' },
    { command: '<%= config.bin %> <%= command.id %> --scale paper --task general --slurm --max-running 100 --yes', description: 'The General sweep on a Slurm cluster.' },
    { command: '<%= config.bin %> <%= command.id %> --scale small --learner dqn,a2c,es', description: 'A learner comparison: one sweep per learner, then the comparison report in reproduce/small-track-dqn-a2c-es/comparison.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    scale: Flags.option({ options: SCALES, description: 'smoke, small or paper.', required: true })(),
    task: Flags.option({ options: ['track', 'general'] as const, description: "Task: track (the seed paper's) or general (the authors' later study).", default: 'track' as const })(),
    dir: Flags.string({ description: 'Sweep directory (default reproduce/<scale>-<task>).' }),
    workers: workersFlag({ description: 'Worker threads of training, noise sweeps and analysis (default: the number of cores).' }),
    yes: Flags.boolean({ description: 'Start the paper-scale sweep (after its projected wall time is printed).', default: false }),
    project: Flags.boolean({ description: 'Calibrate and print the per-phase projection at any scale before running (the paper scale always does); the profile at the end shows it beside the measured phases.', default: false }),
    slurm: Flags.boolean({ description: 'Write the Slurm arrays and the merge job and submit them when sbatch is on PATH, instead of running here.', default: false }),
    partition: Flags.string({ description: 'With --slurm: partition.' }),
    account: Flags.string({ description: 'With --slurm: account.' }),
    time: Flags.string({ description: 'With --slurm: time limit per task.', default: '04:00:00' }),
    'max-running': Flags.integer({ description: 'With --slurm: at most this many array tasks at once.' }),
    'bench-seconds': secondsFlag(0, 3600, true)({ description: 'Seconds per task and thread of the training measurement behind the paper-scale projection.', default: 4 }),
    recalibrate: Flags.boolean({
      description:
        'Measure the projection\'s calibration again when the run starts. Without it, a run started with --yes (or --project) reuses DIR/projection.json when it was measured in the last hour for the same plan, workers and calibration settings, by this prnn on this machine — as `prnn reproduce --scale paper` leaves it just before.',
      default: false,
    }),
    backend: Flags.string({ description: 'tfjs backend: tensorflow, wasm or cpu (default: the fastest that loads).' }),
    learner: Flags.string({
      description: 'Learner: dqn (the paper\'s), or one registered by a plugin (e.g. es); other learners get their own sweep name and directory. Several (comma-separated or repeated, e.g. dqn,a2c,es): one sweep each in DIR/<learner>, then a learner comparison in DIR/comparison.',
      default: ['dqn'],
      multiple: true,
    }),
    'learner-param': Flags.string({
      description: 'A learner parameter as key=value (repeatable), checked by the learner; with several learners key=value sets it for each, LEARNER:key=value for one (es:pairs=8).',
      multiple: true,
    }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(Reproduce);
    const scale: Scale = flags.scale;
    const preset = sweepPreset(scale === 'paper' ? `paper-${flags.task}` : scale, flags.task);
    const backend = await withFlagAsync('--backend', 'backend', () => initBackend(flags.backend));
    // the built-ins with @prnn/sweeps' results store, then the configured plugins (which may rebind or decorate services)
    const registry = await loadSweepPlugins({ cwd: process.cwd() });
    const learnerNames = resolveLearners(registry, flags.learner).map((l) => l.name);
    // the paper's learner keeps the names it always had; another learner's sweep, or a comparison, is a sweep of its own
    const name = learnerNames.length === 1 && learnerNames[0] === 'dqn' ? `${scale}-${flags.task}` : `${scale}-${flags.task}-${learnerNames.join('-')}`;
    const dir = flags.dir ?? join('reproduce', name);
    const json = this.jsonEnabled();
    const say = (line: string) => {
      if (!json) this.log(line);
    };
    const workers = flags.workers ?? defaultWorkers();
    // every learner's plan is built and checked (names, parameters) before any training
    const sweeps = await plansFromFlags(registry, dir, { name: learnerNames.length === 1 ? name : `${scale}-${flags.task}`, learner: learnerNames, 'learner-param': flags['learner-param'] }, preset);
    const plan = sweeps[0].plan;
    if ((scale !== 'paper' || flags.yes) && !flags.slurm) {
      // pre-flight: --dir has room for the largest chunk's training, the networks not stored yet and the reports
      let training = 0;
      let bytes = 0;
      let pendingCount = 0;
      let networks = 0;
      for (const sweep of sweeps) {
        const stored = await sweepStatus(sweep.dir).then(
          (st) => new Map(st.perChunk.map((c) => [c.index, c.stored])),
          () => new Map<number, number>(),
        );
        const parameters = (c: (typeof sweep.plan.chunks)[number]) => sweep.plan.networks.slice(c.from, c.to).map((n) => n.arch.parameters);
        const pending = sweep.plan.chunks.flatMap((c) => parameters(c).slice(stored.get(c.index) ?? 0));
        training = Math.max(training, ...sweep.plan.chunks.map((c) => ((stored.get(c.index) ?? 0) < c.to - c.from ? trainRunBytes(parameters(c)) : 0)));
        bytes += storeBytes(pending) + reportBytes(sweep.plan.networks.length);
        pendingCount += pending.length;
        networks += sweep.plan.networks.length;
      }
      await checkDiskSpace('--dir', dir, training + bytes, `training and storing ${pendingCount} network${pendingCount === 1 ? '' : 's'} and the report of ${networks}`);
    }
    let stop: StopSignals | undefined;
    const bar = new ProgressBar('reproduce', 'net-episodes', !json && process.stderr.isTTY === true);
    const analysisBar = new ProgressBar('analyze', 'networks', !json && process.stderr.isTTY === true);
    // a plugin may rebind or decorate the progress reporter of training (TYPES.ProgressReporter); the bar is the fallback
    let current = 0;
    const progress = registry.progressReporter({
      update: (p) => bar.update(p.done, p.total, p.rate, `chunk ${current + 1}`),
      finish: () => bar.finish(),
    });
    let result: Awaited<ReturnType<typeof reproduce>> | Awaited<ReturnType<typeof reproduceLearners>>;
    try {
      const options = {
        scale,
        registry,
        backend,
        workers,
        yes: flags.yes,
        project: flags.project,
        benchSeconds: flags['bench-seconds'],
        recalibrate: flags.recalibrate,
        slurm: flags.slurm
          ? {
              prnn: prnnCommand(this.config.root),
              partition: flags.partition,
              account: flags.account,
              time: flags.time,
              maxRunning: flags['max-running'],
              withParameters: (fn) => withParameterFlags(['max-running', 'time', 'partition', 'account'], fn),
            }
          : undefined,
        pluginsCwd: process.cwd(),
        hooks: {
          say,
          runStart: () => {
            stop = new StopSignals(json);
            return stop.signal;
          },
          projection: (p) => say(formatPhaseProjection(p)),
          runProgress: (p) => {
            current = p.chunk;
            progress.update({ done: p.done, total: p.total, rate: p.rate });
          },
          runEnd: () => {
            progress.finish();
            stop?.dispose();
          },
          analysisProgress: (done, total) => analysisBar.update(done, total, Number.NaN),
          analysisEnd: () => analysisBar.finish(),
          profile: (profiled, projection) => say(formatPhaseProfile(profiled, projection)),
        },
      } satisfies Omit<Parameters<typeof reproduce>[0], 'dir' | 'plan'>;
      result = sweeps.length === 1 ? await reproduce({ ...options, dir, plan }) : await reproduceLearners({ ...options, dir, sweeps });
    } finally {
      progress.finish();
      analysisBar.finish();
      stop?.dispose();
    }
    if (result.interrupted && stop) {
      process.stderr.write(`stopped by ${stop.received ?? 'a signal'}: checkpoint written; run the same command to continue\n`);
      process.exitCode = stop.exitCode;
    }
    return result;
  }

}

