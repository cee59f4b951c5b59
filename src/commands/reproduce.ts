import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { PrnnError } from '@prnn/env';
import { StageStopwatch, addPhaseTimes, initBackend, loadPlugins, phaseProfile, projectPhases, type PhaseProjection, type PhaseTimes } from '@prnn/agents';
import { measurePhaseRates } from '@prnn/analysis';
import {
  createSweepDir,
  mergeShards,
  projectionShape,
  publishedShards,
  readPlan,
  runSweep,
  submitSlurm,
  sweepPreset,
  sweepStatus,
  writeSlurmScripts,
} from '@prnn/sweeps';
import { prnnCommand } from '../cli/prnn-command.js';
import { analysisStep } from '../cli/analysis-step.js';
import { BaseCommand } from '../cli/base-command.js';
import { withFlagAsync, withParameterFlags } from '../cli/flag-errors.js';
import { formatPhaseProfile, formatPhaseProjection } from '../cli/phase-table.js';
import { ProgressBar, formatSeconds } from '../cli/progress-bar.js';
import { secondsFlag } from '../cli/seconds-flag.js';
import { StopSignals } from '../cli/stop-signals.js';
import { planFromFlags } from '../cli/sweep-plan-flags.js';
import { defaultWorkers, workersFlag } from '../cli/workers-flag.js';

const SCALES = ['smoke', 'small', 'paper'] as const;
type Scale = (typeof SCALES)[number];

export default class Reproduce extends BaseCommand {
  static override summary = "Reproduce the paper's experiment: plan → run → analyse → report.";
  static override description =
    'Plans the sweep of --scale in --dir (smoke: 8 networks in seconds; small: the 129 configurations × 8 ' +
    "seeds at the paper's 100 000 episodes, under an hour on 2 cores; paper: 6 450 networks), runs every chunk " +
    'not stored yet on all cores (or, with --slurm, writes and submits the Slurm arrays and the merge job), ' +
    "and prints the headline table: prnn's median fitness next to the paper's (SPEC §5). paper prints its " +
    'projected wall and CPU time per phase (each phase measured briefly on this machine) and starts only with ' +
    '--yes. At the end it prints the wall and CPU seconds of every phase of the call (training, curve tests, ' +
    'final tests, noise sweeps, analysis, report; --json: profile). Running it again continues where it ' +
    'stopped; SIGINT/SIGTERM checkpoint and exit.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> --scale smoke', description: 'Everything end to end in seconds.' },
    { command: '<%= config.bin %> <%= command.id %> --scale small --dir sweeps/small', description: 'The 129 configurations × 8 seeds (under an hour on 2 cores).' },
    { command: '<%= config.bin %> <%= command.id %> --scale paper', description: 'Prints the projected time of every phase and stops.' },
    { command: '<%= config.bin %> <%= command.id %> --scale paper --task general --slurm --max-running 100 --yes', description: 'The General sweep on a Slurm cluster.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    scale: Flags.option({ options: SCALES, description: 'smoke, small or paper.', required: true })(),
    task: Flags.option({ options: ['track', 'general'] as const, description: "Task: track (the seed paper's) or general (the authors' later study).", default: 'track' as const })(),
    dir: Flags.string({ description: 'Sweep directory (default reproduce/<scale>-<task>).' }),
    workers: workersFlag({ description: 'Worker threads of training, noise sweeps and analysis (default: the number of cores).' }),
    yes: Flags.boolean({ description: 'Start the paper-scale sweep (after its projected wall time is printed).', default: false }),
    slurm: Flags.boolean({ description: 'Write the Slurm arrays and the merge job and submit them when sbatch is on PATH, instead of running here.', default: false }),
    partition: Flags.string({ description: 'With --slurm: partition.' }),
    account: Flags.string({ description: 'With --slurm: account.' }),
    time: Flags.string({ description: 'With --slurm: time limit per task.', default: '04:00:00' }),
    'max-running': Flags.integer({ description: 'With --slurm: at most this many array tasks at once.' }),
    'bench-seconds': secondsFlag(0, 3600, true)({ description: 'Seconds per task and thread of the training measurement behind the paper-scale projection.', default: 4 }),
    backend: Flags.string({ description: 'tfjs backend: tensorflow, wasm or cpu (default: the fastest that loads).' }),
    learner: Flags.string({ description: 'Learner: dqn (the paper\'s), or one registered by a plugin (e.g. es); other learners get their own sweep name and directory.', default: 'dqn' }),
    'learner-param': Flags.string({ description: 'A learner parameter as key=value (repeatable), checked by the learner.', multiple: true }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(Reproduce);
    // the whole call, every thread: the profile's total
    const whole = new StageStopwatch();
    let phases: PhaseTimes = {};
    const profile = () => phaseProfile(phases, whole.elapsed);
    const scale: Scale = flags.scale;
    const preset = sweepPreset(scale === 'paper' ? `paper-${flags.task}` : scale, flags.task);
    // the paper's learner keeps the names it always had; another learner's sweep is a sweep of its own
    const name = flags.learner === 'dqn' ? `${scale}-${flags.task}` : `${scale}-${flags.task}-${flags.learner}`;
    const dir = flags.dir ?? join('reproduce', name);
    const json = this.jsonEnabled();
    const say = (line: string) => {
      if (!json) this.log(line);
    };
    const backend = await withFlagAsync('--backend', 'backend', () => initBackend(flags.backend));
    const registry = await loadPlugins({ cwd: process.cwd() });
    const workers = flags.workers ?? defaultWorkers();
    const plan = await planFromFlags(registry, dir, { name, learner: flags.learner, 'learner-param': flags['learner-param'] }, preset);
    const state = await createSweepDir(dir, plan);
    say(`plan: ${state === 'created' ? 'wrote' : 'reusing'} ${dir}/plan.json — ${plan.networks.length.toLocaleString('en-US')} networks on ${plan.task.kind} in ${plan.chunks.length} chunks (hash ${plan.hash})`);

    let projection: (PhaseProjection & { rates: Record<string, number> }) | undefined;
    if (scale === 'paper') {
      const seconds = flags['bench-seconds'];
      say(`calibrating the projection: every phase measured briefly on this machine (${workers} worker${workers === 1 ? '' : 's'}) …`);
      const rates = await measurePhaseRates({
        registry,
        family: plan.family,
        task: plan.task,
        path: plan.path,
        hidden: typeof plan.config.hidden === 'number' ? plan.config.hidden : undefined,
        noise: plan.measures.noise,
        archs: [...new Map(plan.networks.map((n) => [n.arch.name, n.arch])).values()],
        workers,
        seconds,
        warmupSeconds: Math.min(2, seconds),
        cwd: process.cwd(),
      });
      projection = { ...projectPhases(rates, projectionShape(plan, { workers, analysis: workers })), rates: { ...rates } };
      const hours = projection.total.wallSeconds / 3600;
      say(`projected on this machine (${workers} worker${workers === 1 ? '' : 's'}; docs/guides/performance.md): ${hours.toFixed(2)} h wall, ${(projection.total.cpuSeconds / 3600).toFixed(2)} CPU-h`);
      say(formatPhaseProjection(projection));
      if (rates.threadShare < 0.9) {
        // every rate was measured by the wall clock while other work shared the cores
        const share = rates.threadShare;
        say(`the calibration ran ${(100 * share).toFixed(0)} % of its wall time (a loaded machine): on an idle one about ${(hours * share).toFixed(2)} h wall, ${((projection.total.cpuSeconds / 3600) * share).toFixed(2)} CPU-h`);
      }
      if (!flags.yes) {
        say(`not started: pass --yes to start it${flags.slurm ? '' : ', or --slurm --yes to run it on a cluster'}`);
        return { dir, plan: plan.hash, started: false, projectedHours: hours, projection };
      }
    }

    if (flags.slurm) {
      const prnn = prnnCommand(this.config.root);
      const scripts = await withParameterFlags(['max-running', 'time', 'partition', 'account'], () =>
        writeSlurmScripts({ dir, prnn, partition: flags.partition, account: flags.account, time: flags.time, cpus: workers, maxRunning: flags['max-running'] }),
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
    const stop = new StopSignals(json);
    const bar = new ProgressBar('reproduce', 'net-episodes', !json && process.stderr.isTTY === true);
    const started = performance.now();
    let interrupted = false;
    try {
      const r = await runSweep({
        dir,
        registry,
        backend,
        workers,
        pluginsCwd: process.cwd(),
        signal: stop.signal,
        onProgress: (p) => bar.update(p.done, p.total, p.rate, `chunk ${p.chunk + 1}/${plan.chunks.length}`),
      });
      interrupted = r.interrupted;
      phases = r.phases;
    } finally {
      bar.finish();
      stop.dispose();
    }
    const wallSeconds = (performance.now() - started) / 1000;
    const status = await sweepStatus(dir);
    if (interrupted) {
      process.stderr.write(`stopped by ${stop.received ?? 'a signal'}: checkpoint written; run the same command to continue\n`);
      process.exitCode = stop.exitCode;
      return { dir, plan: plan.hash, interrupted: true, planned: status.planned, done: status.done, profile: profile() };
    }
    say(`run: ${status.done} of ${status.planned} networks stored in ${dir}/results.sqlite (${formatSeconds(wallSeconds)} in this call)`);
    if (status.done < status.planned) {
      say(`${status.planned - status.done} networks are not stored yet (chunks held by another process?); see prnn sweep status ${dir}`);
      return { dir, plan: plan.hash, planned: status.planned, done: status.done, wallSeconds, profile: profile() };
    }
    const analysisBar = new ProgressBar('analyze', 'networks', !json && process.stderr.isTTY === true);
    let analysis;
    try {
      analysis = await analysisStep(dir, join(dir, 'report'), {
        mazes: plan.measures.testMazes,
        noise: plan.measures.noise,
        registry,
        onProgress: (done, total) => analysisBar.update(done, total, Number.NaN),
      });
    } finally {
      analysisBar.finish();
    }
    phases = addPhaseTimes(phases, analysis.phases);
    const profiled = profile();
    say('');
    const rows: HeadlineRow[] = analysis.headline.map((r) => ({ label: r.measure, paper: r.paper, prnn: r.prnn, networks: r.networks }));
    say(formatHeadline(rows));
    say('');
    say(`report: ${analysis.report} (${analysis.files.length} files)`);
    say('');
    say(`profile of this call (wall and CPU seconds by phase, all threads; docs/guides/performance.md):`);
    say(formatPhaseProfile(profiled, projection));
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
}

/** One line of the printed headline table (the analysis' headline row, `measure` as `label`). */
interface HeadlineRow {
  readonly label: string;
  readonly paper: string;
  readonly prnn: string;
  readonly networks: number;
}

function formatHeadline(rows: readonly HeadlineRow[]): string {
  const w = [Math.max(...rows.map((r) => r.label.length), 7), Math.max(...rows.map((r) => r.paper.length), 5), Math.max(...rows.map((r) => r.prnn.length), 4)];
  const line = (a: string, b: string, c: string, d: string) => `${a.padEnd(w[0])}  ${b.padEnd(w[1])}  ${c.padEnd(w[2])}  ${d}`;
  return [line('measure', 'paper', 'prnn', 'networks'), ...rows.map((r) => line(r.label, r.paper, r.prnn, String(r.networks)))].join('\n');
}
