import { Flags } from '@oclif/core';
import { resolveTaskOptions } from '@prnn/env';
import { benchEval, PAPER_NOISE_SPEC, parseNoiseSpec, type BenchEvalResult } from '@prnn/agents';
import { BaseCommand } from '../../cli/base-command.js';
import { nameFlag, withFlag } from '../../cli/flag-errors.js';

export default class BenchEval extends BaseCommand {
  static override summary = 'Speed of ONNX evaluation: seconds per network for the paper\'s noise sweep.';
  static override description =
    'Exports randomly initialised networks (--arch, default fc) to ONNX and evaluates each on the noise sweep ' +
    '(default 21 levels × 1 000 Track mazes, as for the paper\'s robustness) with onnxruntime on one intra-op ' +
    'thread. Reports the median over --networks networks (after one untimed warm-up network) of the sweep ' +
    'itself, of building the model and opening its session, and of both; the authors\' code needs about 225 s ' +
    'per network for the same sweep.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'Five FC networks, the paper\'s sweep.' },
    { command: '<%= config.bin %> <%= command.id %> --networks 3 --mazes 200 --json', description: 'A smaller run, JSON on stdout.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    networks: Flags.integer({ description: 'Timed networks (the median is reported).', default: 5, min: 1, max: 1000 }),
    mazes: Flags.integer({ description: 'Test mazes per noise level.', default: 1000, min: 1, max: 1_000_000 }),
    noise: Flags.string({ description: 'Sensor-noise levels (0.05 | 0,0.1,0.2 | from:to:count).', default: PAPER_NOISE_SPEC }),
    maze: Flags.option({ options: ['track', 'general', 'h'] as const, description: 'Maze kind (default task options).', default: 'track' as const })(),
    arch: Flags.string({ description: 'Architecture of the benchmarked networks.', default: 'fc' }),
    threads: Flags.integer({ description: 'onnxruntime intra-op threads.', default: 1, min: 1, max: 256 }),
  };

  async run(): Promise<BenchEvalResult> {
    const { flags } = await this.parse(BenchEval);
    const noise = withFlag('--noise', 'noise', () => parseNoiseSpec(flags.noise));
    const result = await benchEval({
      networks: flags.networks,
      mazes: flags.mazes,
      noise,
      task: resolveTaskOptions(flags.maze, {}),
      arch: flags.arch,
      intraOpNumThreads: flags.threads,
    }).catch((error: unknown) => {
      // an unknown --arch is reported by the library as "unknown architecture …"
      throw error instanceof Error && /^(unknown )?architecture\b/.test(error.message) ? nameFlag(error, '--arch') : error;
    });
    const s = (x: number) => `${x.toFixed(3)} s`;
    this.log(`${result.arch} on ${result.task}, ${result.levels} levels × ${result.mazes} mazes, ${flags.threads} thread(s), median of ${result.networks}:`);
    this.log(`  sweep per network:            ${s(result.secondsPerNetwork)}`);
    this.log(`  model + session per network:  ${s(result.loadSecondsPerNetwork)}`);
    this.log(`  total per network:            ${s(result.totalSecondsPerNetwork)} (reference ~${result.referenceSecondsPerNetwork} s: ${Math.round(result.speedup)}× faster)`);
    return result;
  }
}
