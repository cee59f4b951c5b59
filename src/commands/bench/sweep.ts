import { Flags } from '@oclif/core';
import { initBackend, loadPlugins } from '@prnn/agents';
import { benchSweep, type BenchSweepResult, type SweepTaskProjection } from '@prnn/bench';
import { BaseCommand } from '../../cli/base-command.js';
import { withFlagAsync } from '../../cli/flag-errors.js';
import { secondsFlag } from '../../cli/seconds-flag.js';
import { defaultWorkers, workersFlag } from '../../cli/workers-flag.js';

export default class BenchSweep extends BaseCommand {
  static override summary = 'Project the wall time of the paper\'s full sweep (Track and General) on this machine.';
  static override description =
    'Measures, for each task, the DQN training rate and the greedy-test rate of the paper\'s 128 architectures ' +
    '(sampled in runs of 4 consecutive seeds per architecture, as the sweep lays out 50), and the training rate of ' +
    'ff-large alone, with --workers threads at once (each a slice of a --population ' +
    'population, as prnn train cuts it), after a warm-up, then projects the wall time of the paper\'s sweep ' +
    '(laid out as prnn train --arch all --seeds 50 lays it out): ' +
    '6 450 networks (129 configurations × 50 seeds), Track: 100 000 episodes of 6 steps, General: 400 000 ' +
    'episodes of 20 steps, each network with a 100-point training curve and the final test on 1 000 mazes. ' +
    'Next to the reference\'s recorded rates (BENCHMARKS.md, one core: Track 3.65 ms per episode of the 128 mixed, ' +
    'General 12.0 ms per FC episode; 0.85 / 2.6 ms per test trial).';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'Measure on every core and print the projections in hours.' },
    { command: '<%= config.bin %> <%= command.id %> --workers 1 --json', description: 'One thread, JSON.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    workers: workersFlag({ description: 'Worker threads, as prnn train --workers (default: the number of cores).' }),
    population: Flags.integer({ description: 'Networks per population, as prnn train --population.', default: 256, min: 1, max: 65536 }),
    path: Flags.string({ description: 'Implementation: generic (tfjs autodiff of the step) or a kernel registered for the family (compiled for the 9-pathway family; default: the family\'s first, compiled where WebAssembly has SIMD, else generic).' }),
    seconds: secondsFlag(0, 3600, true)({ description: 'Seconds of timed training per task and thread (warm-up and tests come on top).', default: 4 }),
    warmup: secondsFlag(0, 600, false)({ description: 'Minimum warm-up per task and thread, in seconds.', default: 2 }),
    'test-mazes': Flags.integer({ description: 'Test mazes of the measured greedy tests (the projection scales to 1 000).', default: 100, min: 1, max: 1000 }),
    backend: Flags.string({ description: 'tfjs backend: tensorflow, wasm or cpu (default: the fastest that loads).' }),
  };

  async run(): Promise<BenchSweepResult> {
    const { flags } = await this.parse(BenchSweep);
    await withFlagAsync('--backend', 'backend', () => initBackend(flags.backend));
    const registry = await loadPlugins({ cwd: process.cwd() });
    const r = await benchSweep({
      architecture: registry.architecture('nine-pathway'),
      kernels: registry.kernels('nine-pathway'),
      workers: flags.workers ?? defaultWorkers(),
      population: flags.population,
      path: flags.path,
      seconds: flags.seconds,
      warmupSeconds: flags.warmup,
      testMazes: flags['test-mazes'],
      cwd: process.cwd(),
    });
    const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
    const line = (t: SweepTaskProjection) =>
      `${t.task.padEnd(8)} ${t.steps} steps: ${fmt(t.trainNetEpisodesPerSecond)} net-episodes/s training the 128 (ff-large alone ${fmt(t.largeTrainNetEpisodesPerSecond)}), ` +
      `${fmt(t.evalTrialsPerSecond)} test trials/s → ` +
      `${t.networks.toLocaleString('en-US')} networks × ${t.episodesPerNetwork.toLocaleString('en-US')} episodes: ${t.hours.toFixed(1)} h ` +
      `(training ${t.trainHours.toFixed(1)} h, ${t.curvePoints} curve points + final test on ${t.testMazes.toLocaleString('en-US')} mazes ${t.evalHours.toFixed(1)} h)\n` +
      `         reference (recorded, ${t.referenceMsPerEpisode} ms per ${t.task === 'track' ? 'mixed' : 'FC'} episode, ${t.referenceMsPerTrial} ms per trial): ` +
      `${t.trainSpeedupPerCore.toFixed(0)}× per core training, ${t.evalSpeedupPerCore.toFixed(0)}× testing; the reference would take ${fmt(t.referenceHours)} h on as many cores`;
    this.log(`measured on ${r.workers} worker${r.workers === 1 ? '' : 's'} (slices of ${r.slice} networks of a ${r.population}-network population; ${r.path} path, ${r.backend}):`);
    this.log(line(r.track));
    this.log(line(r.general));
    this.log(`reference figures: ${r.referenceMachine}`);
    return r;
  }
}
