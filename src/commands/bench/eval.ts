import { Flags } from '@oclif/core';
import { resolveTaskOptions } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import { PAPER_NOISE_SPEC, parseNoiseSpec } from '@prnn/agents';
import { BENCH_EVAL_ENGINES, benchEval, type BenchEvalEngine, type BenchEvalResult } from '@prnn/bench';
import { BaseCommand } from '../../cli/base-command.js';
import { nameFlag, withFlag } from '../../cli/flag-errors.js';
import { workersFlag } from '../../cli/workers-flag.js';

export default class BenchEval extends BaseCommand {
  static override summary = 'Speed of ONNX evaluation: seconds per network for the paper\'s noise sweep.';
  static override description =
    'Exports randomly initialised networks (--arch, default fc) to ONNX and evaluates each on the noise sweep ' +
    '(default 21 levels × 1 000 Track mazes, as for the paper\'s robustness) with onnxruntime on one intra-op ' +
    'thread. Reports the median over --networks networks (after --warmup untimed ones) of the sweep ' +
    'itself, of building the model and opening its session, and of both, next to the recorded reference ' +
    '(the authors\' code: 2.6 ms per General test trial, 0.85 ms per Track trial on one core of this machine kind, ' +
    'BENCHMARKS.md; × levels × mazes for the sweep) and the roofline (FLOP of the forwards ÷ sweep time). ' +
    '--levels-per-batch 1,7,21 also times the sweep cut into batches of that many levels, to show where a wider batch stops paying.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'Five FC networks, the paper\'s sweep.' },
    { command: '<%= config.bin %> <%= command.id %> --networks 3 --mazes 200 --json', description: 'A smaller run, JSON on stdout.' },
    { command: '<%= config.bin %> <%= command.id %> --maze general --levels-per-batch 1,3,7,21', description: 'The General sweep, and how it scales with the batch width.' },
    { command: '<%= config.bin %> <%= command.id %> --maze general --workers 2', description: 'Each sweep shared by two worker threads (both cores).' },
    { command: '<%= config.bin %> <%= command.id %> --networks 21', description: 'The median of 21 networks in the steady state (five untimed networks first, the default).' },
    { command: '<%= config.bin %> <%= command.id %> --warmup 0', description: 'The first networks of the process timed too (they run slower while the JIT and onnxruntime warm up).' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    networks: Flags.integer({ description: 'Timed networks (the median is reported).', default: 5, min: 1, max: 1000 }),
    warmup: Flags.integer({
      description: 'Untimed networks first (per worker with --workers): the first networks of a process run slower while the JIT and onnxruntime warm up; the default 5 measures the steady state of a sweep, 0 times the first networks too.',
      default: 5,
      min: 0,
      max: 100,
    }),
    mazes: Flags.integer({ description: 'Test mazes per noise level.', default: 1000, min: 1, max: 1_000_000 }),
    noise: Flags.string({ description: 'Sensor-noise levels (0.05 | 0,0.1,0.2 | from:to:count).', default: PAPER_NOISE_SPEC }),
    maze: Flags.option({ options: ['track', 'general', 'h'] as const, description: 'Maze kind (default task options).', default: 'track' as const })(),
    arch: Flags.string({ description: 'Architecture of the benchmarked networks.', default: 'fc' }),
    engine: Flags.option({
      options: BENCH_EVAL_ENGINES,
      description: 'onnx (onnxruntime, the default inference engine) or compiled (the family\'s WebAssembly SIMD step; one thread, no --workers or --levels-per-batch).',
      default: 'onnx' as BenchEvalEngine,
    })(),
    threads: Flags.integer({ description: 'onnxruntime intra-op threads.', default: 1, min: 1, max: 256 }),
    workers: workersFlag({ description: 'Worker threads sharing each network\'s sweep (its levels cut into one batch per worker).', default: 1 }),
    'levels-per-batch': Flags.string({ description: 'Also time the sweep cut into batches of these many levels (comma-separated, e.g. 1,7,21).' }),
  };

  async run(): Promise<BenchEvalResult> {
    const { flags } = await this.parse(BenchEval);
    const noise = withFlag('--noise', 'noise', () => parseNoiseSpec(flags.noise));
    const levelsPerBatch = flags['levels-per-batch']?.split(',').map((t) => {
      const k = Number(t.trim());
      if (!/^\d+$/.test(t.trim()) || k < 1) throw new PrnnError(`--levels-per-batch must be comma-separated integers ≥ 1 (got "${flags['levels-per-batch']}")`);
      return k;
    });
    if (flags.engine === 'compiled' && flags.workers > 1) throw new PrnnError(`--engine compiled runs on this thread only: pass --workers 1 (got ${flags.workers}) or use --engine onnx`);
    if (flags.engine === 'compiled' && levelsPerBatch) throw new PrnnError('--levels-per-batch times onnxruntime only: leave it out with --engine compiled');
    const result = await benchEval({
      networks: flags.networks,
      warmup: flags.warmup,
      mazes: flags.mazes,
      noise,
      task: resolveTaskOptions(flags.maze, {}),
      arch: flags.arch,
      intraOpNumThreads: flags.threads,
      engine: flags.engine as BenchEvalEngine,
      levelsPerBatch,
      workers: flags.workers,
    }).catch((error: unknown) => {
      // an unknown --arch is reported by the library as "unknown architecture …"
      throw error instanceof Error && /^(unknown )?architecture\b/.test(error.message) ? nameFlag(error, '--arch') : error;
    });
    const s = (x: number) => `${x.toFixed(3)} s`;
    this.log(
      `${result.arch} on ${result.task}, ${result.levels} levels × ${result.mazes} mazes, ` +
        `${result.engine === 'onnx' ? `${flags.threads} onnxruntime thread(s)` : 'compiled engine'}` +
        `${result.workers > 1 ? ` in each of ${result.workers} workers` : ''}, median of ${result.networks}:`,
    );
    this.log(`  sweep per network:            ${s(result.secondsPerNetwork)} (CPU ${s(result.cpuSecondsPerNetwork)})`);
    this.log(`  ${result.engine === 'onnx' ? 'model + session' : 'compiled model '} per network:  ${s(result.loadSecondsPerNetwork)}`);
    this.log(`  total per network:            ${s(result.totalSecondsPerNetwork)}`);
    this.log(
      `  reference (recorded):         ${result.referenceSecondsPerNetwork.toFixed(1)} s (${result.referenceMsPerTrial} ms per trial): ` +
        `${Math.round(result.sweepSpeedup)}× for the sweep, ${Math.round(result.speedup)}× with loading` +
        (result.targetSeconds !== undefined ? `; target ≤ ${result.targetSeconds} s` : ''),
    );
    this.log(`  roofline:                     ${(result.roofline.flopsPerSweep / 1e6).toFixed(1)} MFLOP of forwards at most → ${result.roofline.gflopsPerSecond.toFixed(2)} GFLOP/s (${(100 * result.roofline.fractionOfPeak).toFixed(1)} % of 8 GFLOP/s)`);
    for (const b of result.batching ?? []) {
      this.log(`  batches of ${String(b.levelsPerBatch).padStart(2)} level(s) (${b.rows} rows): ${s(b.secondsPerNetwork)} per network`);
    }
    return result;
  }
}
