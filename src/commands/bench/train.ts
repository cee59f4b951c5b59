import { Flags } from '@oclif/core';
import { initBackend, loadPlugins } from '@prnn/agents';
import { benchTrain, type BenchTrainResult } from '@prnn/bench';
import { BaseCommand } from '../../cli/base-command.js';
import { withFlag, withFlagAsync } from '../../cli/flag-errors.js';
import { resolveTaskOptions } from '@prnn/env';
import { secondsFlag } from '../../cli/seconds-flag.js';
import { workersFlag } from '../../cli/workers-flag.js';

export type BenchTrainOutput = Pick<
  BenchTrainResult,
  'netEpisodesPerSecondPerCore' | 'netEpisodesPerSecond' | 'population' | 'arch' | 'backend' | 'path' | 'workers' | 'tried' | 'speedup' | 'reference' | 'roofline' | 'paths' | 'memory' | 'memory256' | 'maze'
>;

const MB = 1024 * 1024;

export default class BenchTrain extends BaseCommand {
  static override summary = 'Training speed: FC network-episodes per second per core (General maze, 20 steps).';
  static override description =
    'Times the DQN\'s rollout and learning pass (clip + Adam, no evaluation) for fully connected networks, ' +
    'H = 8, General 9×9 maze, 20 steps, σs = 0.05, and reports the median of --repeats runs at the population ' +
    'size that is fastest per core among 1, 32, 128 and 256 (or at --population). On the family\'s default ' +
    'kernel (compiled where WebAssembly has SIMD, else generic; --path generic to force the tfjs one). Each size is first warmed up (at least --warmup seconds, until the rate ' +
    'is steady) so that V8 has optimised the generated kernel code. With --workers N, N threads measure at ' +
    'once, each its own population: the total rate and the rate per core. Then every path registered for the family ' +
    '(generic and each kernel, --no-compare to skip) is measured at that population on this thread. Printed next ' +
    'to the recorded reference (the authors\' code, 12.0 ms per General FC episode on one core of this machine kind, ' +
    'BENCHMARKS.md), the roofline (FLOP per network-episode ÷ measured time, against a recorded 8 GFLOP/s per core) and ' +
    'the estimated bytes per network (at the measured population and at 256).';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'Try the population sizes on one core, print the fastest.' },
    { command: '<%= config.bin %> <%= command.id %> --population 256 --json', description: 'One size, the default kernel, JSON.' },
    { command: '<%= config.bin %> <%= command.id %> --population 128 --workers 2 --json', description: 'Two threads at once: total and per core.' },
    { command: '<%= config.bin %> <%= command.id %> --population 128 --path generic', description: 'The generic tfjs learning pass.' },
    { command: '<%= config.bin %> <%= command.id %> --population 128 --arch lowrank-r2 --path compiled', description: 'A plugin family\'s network on its compiled step (the plugin named in prnn.config.json).' },
    { command: '<%= config.bin %> <%= command.id %> --population 128 --maze track --arch gru --path compiled', description: 'A plugin family\'s network on the Track maze.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    population: Flags.integer({ description: 'Population size to measure (default: the fastest of 1, 32, 128, 256).', min: 1, max: 65536 }),
    path: Flags.string({ description: 'Implementation: generic (tfjs autodiff of the step) or a kernel registered for the family (compiled for the 9-pathway family; default: the family\'s first, compiled where WebAssembly has SIMD, else generic).' }),
    workers: workersFlag({ description: 'Threads measuring at once, each its own population.', default: 1 }),
    seconds: secondsFlag(0, 3600, true)({ description: 'Approximate total time to spend measuring, in seconds (warm-up not included).', default: 10 }),
    warmup: secondsFlag(0, 600, false)({ description: 'Minimum warm-up per population size, in seconds.', default: 2 }),
    repeats: Flags.integer({ description: 'Timed runs per population size; the median is reported.', default: 5, min: 1, max: 1000 }),
    backend: Flags.string({ description: 'tfjs backend: tensorflow, wasm or cpu (default: the fastest that loads).' }),
    arch: Flags.string({ description: 'Network to measure instead of FC (H = 8), any family\'s member, e.g. lowrank-r2 from a plugin (family:spec when two families claim it).' }),
    compare: Flags.boolean({ description: 'Also measure every path registered for the family at the chosen population.', default: true, allowNo: true }),
    maze: Flags.option({ options: ['general', 'track', 'h'] as const, default: 'general' as const, description: 'Maze kind trained on, with its default task options (the reference and roofline stay General FC\'s).' })(),
  };

  async run(): Promise<BenchTrainOutput> {
    const { flags } = await this.parse(BenchTrain);
    await withFlagAsync('--backend', 'backend', () => initBackend(flags.backend));
    const registry = await loadPlugins({ cwd: process.cwd() });
    const arch = flags.arch === undefined ? undefined : withFlag('--arch', 'arch', () => registry.resolveArch(flags.arch!, { channels: resolveTaskOptions(flags.maze, {}).channels, hidden: 8 }));
    const family = arch?.family ?? 'nine-pathway';
    const architecture = registry.architecture(family);
    const kernels = registry.kernels(family);
    const r = await benchTrain({
      architecture,
      kernels,
      arch,
      population: flags.population,
      path: flags.path,
      seconds: flags.seconds,
      repeats: flags.repeats,
      workers: flags.workers,
      warmupSeconds: flags.warmup,
      comparePaths: flags.compare,
      maze: flags.maze,
      cwd: process.cwd(),
    });
    const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
    for (const t of r.tried) {
      this.log(`population ${String(t.population).padStart(5)}: ${fmt(t.netEpisodesPerSecondPerCore)} ${r.arch === 'fc' ? 'FC' : r.arch} episodes/s per core (median of ${flags.repeats})`);
    }
    const ref = r.reference;
    this.log(
      `fastest: population ${r.population}, ${fmt(r.netEpisodesPerSecondPerCore)} episodes/s per core = ${r.speedup.toFixed(1)}× the reference ` +
        `(${ref.msPerEpisode} ms per episode = ${ref.episodesPerSecond.toFixed(1)}/s, recorded: ${ref.machine}); ${r.path} path on ${r.backend}` +
        (r.workers > 1 ? `; ${fmt(r.netEpisodesPerSecond)} episodes/s on ${r.workers} workers` : ''),
    );
    const roof = r.roofline;
    this.log(
      `roofline: ${fmt(roof.flopsPerEpisode)} FLOP per network-episode (${fmt(roof.flopsPerEpisodeRecomputed)} with the learning forward recomputed) ` +
        `in ${roof.microsecondsPerEpisode.toFixed(1)} µs = ${roof.gflopsPerSecond.toFixed(2)} GFLOP/s, ${(100 * roof.fractionOfPeak).toFixed(1)} % of ` +
        `${roof.peakGflopsPerSecond} GFLOP/s per core (${fmt(roof.episodesPerSecondAtPeak)} episodes/s at that rate)`,
    );
    for (const p of r.paths) {
      this.log(`path ${p.path.padEnd(10)} population ${p.population}: ${fmt(p.netEpisodesPerSecondPerCore)} episodes/s per core = ${p.speedup.toFixed(1)}× the reference`);
    }
    const mem = (m: BenchTrainResult['memory']) =>
      m ? `${m.population} networks: ${(m.trainingBytes / MB).toFixed(1)} MB training (${(m.trainingBytesPerNetwork / 1024).toFixed(0)} KB per network), ` +
        `${(m.withTestsBytes / MB).toFixed(1)} MB with tests on ${m.testMazes} mazes (${(m.withTestsBytesPerNetwork / MB).toFixed(2)} MB per network)` : 'no estimate';
    this.log(`memory (estimated): ${mem(r.memory)}${r.memory256 && r.population !== r.memory256.population ? `; ${mem(r.memory256)}` : ''}`);
    return {
      netEpisodesPerSecondPerCore: r.netEpisodesPerSecondPerCore,
      netEpisodesPerSecond: r.netEpisodesPerSecond,
      population: r.population,
      arch: r.arch,
      backend: r.backend,
      path: r.path,
      workers: r.workers,
      tried: r.tried,
      speedup: r.speedup,
      reference: r.reference,
      roofline: r.roofline,
      paths: r.paths,
      memory: r.memory,
      memory256: r.memory256,
      maze: r.maze,
    };
  }
}
