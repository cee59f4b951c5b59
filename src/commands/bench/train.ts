import { Flags } from '@oclif/core';
import { PrnnError } from '@prnn/env';
import { benchTrain, initBackend, loadPlugins, REFERENCE_EPISODES_PER_SECOND } from '@prnn/agents';
import { BaseCommand } from '../../cli/base-command.js';

export interface BenchTrainOutput {
  netEpisodesPerSecondPerCore: number;
  population: number;
  arch: 'fc';
  backend: string;
}

export default class BenchTrain extends BaseCommand {
  static override summary = 'Training speed: FC network-episodes per second per core (General maze, 20 steps).';
  static override description =
    'Times the DQN\'s rollout and learning pass (clip + Adam, no evaluation) for fully connected networks, ' +
    'H = 8, General 9×9 maze, 20 steps, σs = 0.05, on one core, and reports the median of --repeats runs at the ' +
    `population size that is fastest per core among 1, 32, 128 and 256 (or at --population). The reference ` +
    `code needs 40.6 ms per FC episode (${REFERENCE_EPISODES_PER_SECOND}/s).`;

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'Try the population sizes, print the fastest.' },
    { command: '<%= config.bin %> <%= command.id %> --population 256 --path fused --json', description: 'One size, the fused kernel, JSON.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    population: Flags.integer({ description: 'Population size to measure (default: the fastest of 1, 32, 128, 256).', min: 1, max: 65536 }),
    path: Flags.option({ options: ['generic', 'fused'] as const, description: 'Learning-pass implementation.', default: 'generic' as const })(),
    seconds: Flags.custom<number>({
      parse: async (input) => {
        const value = Number(input);
        if (!(input.trim() !== '' && Number.isFinite(value) && value > 0 && value <= 3600)) {
          throw new PrnnError(`--seconds must be a number in (0, 3600] (got ${JSON.stringify(input)})`);
        }
        return value;
      },
    })({ description: 'Approximate total time to spend measuring, in seconds.', default: 10 }),
    repeats: Flags.integer({ description: 'Timed runs per population size; the median is reported.', default: 5, min: 1, max: 1000 }),
    backend: Flags.string({ description: 'tfjs backend: tensorflow, wasm or cpu (default: the fastest that loads).' }),
  };

  async run(): Promise<BenchTrainOutput> {
    const { flags } = await this.parse(BenchTrain);
    await initBackend(flags.backend);
    const registry = await loadPlugins({ cwd: process.cwd() });
    const architecture = registry.architecture('nine-pathway');
    const r = await benchTrain({ architecture, population: flags.population, path: flags.path, seconds: flags.seconds, repeats: flags.repeats });
    for (const t of r.tried) {
      this.log(`population ${String(t.population).padStart(5)}: ${Math.round(t.netEpisodesPerSecondPerCore).toLocaleString('en-US')} FC episodes/s per core (median of ${flags.repeats})`);
    }
    this.log(`fastest: population ${r.population}, ${Math.round(r.netEpisodesPerSecondPerCore).toLocaleString('en-US')} episodes/s per core = ${r.speedup.toFixed(1)}× the reference (${REFERENCE_EPISODES_PER_SECOND}/s) on ${r.backend}`);
    return { netEpisodesPerSecondPerCore: r.netEpisodesPerSecondPerCore, population: r.population, arch: 'fc', backend: r.backend };
  }
}
