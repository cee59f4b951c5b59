import { Flags } from '@oclif/core';
import { benchTrain, initBackend, loadPlugins, REFERENCE_EPISODES_PER_SECOND } from '@prnn/agents';
import { BaseCommand } from '../../cli/base-command.js';
import { withFlagAsync } from '../../cli/flag-errors.js';
import { secondsFlag } from '../../cli/seconds-flag.js';
import { workersFlag } from '../../cli/workers-flag.js';

export interface BenchTrainOutput {
  netEpisodesPerSecondPerCore: number;
  netEpisodesPerSecond: number;
  population: number;
  arch: 'fc';
  backend: string;
  path: string;
  workers: number;
}

export default class BenchTrain extends BaseCommand {
  static override summary = 'Training speed: FC network-episodes per second per core (General maze, 20 steps).';
  static override description =
    'Times the DQN\'s rollout and learning pass (clip + Adam, no evaluation) for fully connected networks, ' +
    'H = 8, General 9×9 maze, 20 steps, σs = 0.05, and reports the median of --repeats runs at the population ' +
    'size that is fastest per core among 1, 32, 128 and 256 (or at --population). On the family\'s default ' +
    'kernel (wasm-simd where WebAssembly has SIMD, else fused; --path fused or --path generic to force one). Each size is first warmed up (at least --warmup seconds, until the rate ' +
    'is steady) so that V8 has optimised the generated kernel code. With --workers N, N threads measure at ' +
    'once, each its own population: the total rate and the rate per core. The reference code needs 40.6 ms ' +
    `per FC episode (${REFERENCE_EPISODES_PER_SECOND}/s).`;

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'Try the population sizes on one core, print the fastest.' },
    { command: '<%= config.bin %> <%= command.id %> --population 256 --json', description: 'One size, the default kernel, JSON.' },
    { command: '<%= config.bin %> <%= command.id %> --population 128 --workers 2 --json', description: 'Two threads at once: total and per core.' },
    { command: '<%= config.bin %> <%= command.id %> --population 128 --path generic', description: 'The generic tfjs learning pass.' },
    { command: '<%= config.bin %> <%= command.id %> --population 128 --path fused', description: 'The JavaScript fused kernel instead of WebAssembly SIMD.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    population: Flags.integer({ description: 'Population size to measure (default: the fastest of 1, 32, 128, 256).', min: 1, max: 65536 }),
    path: Flags.string({ description: 'Implementation: generic (tfjs autodiff of the step) or a kernel registered for the family (wasm-simd, fused; default: the family\'s first, wasm-simd where WebAssembly has SIMD).' }),
    workers: workersFlag({ description: 'Threads measuring at once, each its own population.', default: 1 }),
    seconds: secondsFlag(0, 3600, true)({ description: 'Approximate total time to spend measuring, in seconds (warm-up not included).', default: 10 }),
    warmup: secondsFlag(0, 600, false)({ description: 'Minimum warm-up per population size, in seconds.', default: 2 }),
    repeats: Flags.integer({ description: 'Timed runs per population size; the median is reported.', default: 5, min: 1, max: 1000 }),
    backend: Flags.string({ description: 'tfjs backend: tensorflow, wasm or cpu (default: the fastest that loads).' }),
  };

  async run(): Promise<BenchTrainOutput> {
    const { flags } = await this.parse(BenchTrain);
    await withFlagAsync('--backend', 'backend', () => initBackend(flags.backend));
    const registry = await loadPlugins({ cwd: process.cwd() });
    const architecture = registry.architecture('nine-pathway');
    const kernels = registry.kernels('nine-pathway');
    const r = await benchTrain({
      architecture,
      kernels,
      population: flags.population,
      path: flags.path,
      seconds: flags.seconds,
      repeats: flags.repeats,
      workers: flags.workers,
      warmupSeconds: flags.warmup,
      cwd: process.cwd(),
    });
    const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
    for (const t of r.tried) {
      this.log(`population ${String(t.population).padStart(5)}: ${fmt(t.netEpisodesPerSecondPerCore)} FC episodes/s per core (median of ${flags.repeats})`);
    }
    this.log(
      `fastest: population ${r.population}, ${fmt(r.netEpisodesPerSecondPerCore)} episodes/s per core = ${r.speedup.toFixed(1)}× the reference ` +
        `(${REFERENCE_EPISODES_PER_SECOND}/s); ${r.path} path on ${r.backend}` +
        (r.workers > 1 ? `; ${fmt(r.netEpisodesPerSecond)} episodes/s on ${r.workers} workers` : ''),
    );
    return {
      netEpisodesPerSecondPerCore: r.netEpisodesPerSecondPerCore,
      netEpisodesPerSecond: r.netEpisodesPerSecond,
      population: r.population,
      arch: 'fc',
      backend: r.backend,
      path: r.path,
      workers: r.workers,
    };
  }
}
