import { Flags } from '@oclif/core';
import { resolveTaskOptions } from '@prnn/env';
import { initBackend } from '@prnn/agents';
import { benchSensitivity, type BenchSensitivityResult } from '@prnn/bench';
import { BaseCommand } from '../../cli/base-command.js';
import { nameFlag, withFlagAsync } from '../../cli/flag-errors.js';

export default class BenchAnalyze extends BaseCommand {
  static override summary = 'Speed of the memory analysis: input sensitivity + memory of one network over its recorded test trials.';
  static override description =
    'Records --trials greedy test trials (σs = 0.05) of a randomly initialised network (--arch, default fc), then ' +
    'times input sensitivity and memory M_k from the exact Jacobians of the `compiled` kernel on one core (median of --repeats; ' +
    'its tangents in WebAssembly SIMD, and in the same repeats on its JavaScript engine, which gives the same bits), ' +
    'the same by exact batched autodiff through the family\'s NetworkStep (the fallback for a step that does not lower), by batched central finite differences through onnxruntime (the path for foreign ONNX policies), ' +
    'and the reference style — one autodiff backward pass per time point and output, trial by trial (tfjs, ' +
    'projected from a few trials).';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %>', description: 'FC, 1 000 Track trials.' },
    { command: '<%= config.bin %> <%= command.id %> --maze general --json', description: 'The General maze (20 steps), JSON on stdout.' },
    { command: '<%= config.bin %> <%= command.id %> --backend wasm', description: 'The autodiff paths on the wasm backend.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    arch: Flags.string({ description: 'Architecture of the benchmarked network.', default: 'fc' }),
    trials: Flags.integer({ description: 'Recorded test trials.', default: 1000, min: 1, max: 1_000_000 }),
    repeats: Flags.integer({ description: 'Timed repeats of the compiled path (the median is reported).', default: 5, min: 1, max: 1000 }),
    backend: Flags.string({ description: 'tfjs backend of the autodiff paths: tensorflow, wasm or cpu.', default: 'cpu' }),
    maze: Flags.option({ options: ['track', 'general', 'h'] as const, description: 'Maze kind (default task options).', default: 'track' as const })(),
  };

  async run(): Promise<BenchSensitivityResult> {
    const { flags } = await this.parse(BenchAnalyze);
    await withFlagAsync('--backend', 'backend', () => initBackend(flags.backend));
    const result = await benchSensitivity({ arch: flags.arch, trials: flags.trials, repeats: flags.repeats, task: resolveTaskOptions(flags.maze, {}) }).catch((error: unknown) => {
      throw error instanceof Error && /^(unknown )?architecture\b/.test(error.message) ? nameFlag(error, '--arch') : error;
    });
    const s = (x: number) => `${x.toFixed(3)} s`;
    this.log(`${result.arch} on ${result.task}, ${result.trials} trials × ${result.steps} steps, one core:`);
    this.log(`  exact compiled Jacobians (median of ${result.fusedRepeats.length}): ${s(result.fusedSeconds)} (tangents in ${result.engine === 'wasm' ? 'WebAssembly SIMD' : 'JavaScript'})`);
    this.log(`  the same on the JavaScript engine:         ${s(result.jsSeconds)} (same bits; repeats alternating)`);
    this.log(`  exact autodiff through the NetworkStep:    ${s(result.autodiffSeconds)}`);
    this.log(`  finite differences via onnxruntime:        ${s(result.finiteDifferenceSeconds)}`);
    this.log(`  per-time-point autodiff (reference style): ${s(result.perTimepointSeconds)} (${Math.round(result.speedup)}× the compiled time)`);
    return result;
  }
}
