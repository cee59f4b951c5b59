import { Flags } from '@oclif/core';
import { PrnnError } from '@prnn/core';
import { PAPER_NOISE_SPEC, parseNoiseSpec } from '@prnn/agents';
import { benchViewer, CHROMIUM_MISSING, checkPlaywright, findChromium, MAX_POLICIES, openViewerSource, type BenchViewerResult } from '@prnn/viewer';
import { BaseCommand } from '../../cli/base-command.js';
import { withFlag, withFlagAsync } from '../../cli/flag-errors.js';

export default class BenchView extends BaseCommand {
  static override summary = 'Speed of the browser viewer: page load to first animated step, frame rate during a sweep.';
  static override description =
    'Serves the viewer on a free loopback port and loads it --repeats times in headless Chromium (/usr/bin/chromium, ' +
    'a fresh profile each run), measuring the time from navigation to the first animated step with the policies ' +
    'shown at start (up to four: the wasm runtime compiled, every policy loaded and its trial played). On the first ' +
    'and last load it runs the "sweep" (--sweep-mazes mazes × the --sweep-noise levels, in the page\'s Web Worker) and ' +
    'counts the animation frames the page draws meanwhile. Reports medians.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> --run runs/view', description: 'The run\'s first four architectures, five loads, a 1 000-maze sweep.' },
    { command: '<%= config.bin %> <%= command.id %> --policy a.onnx --policy b.onnx --repeats 3 --json', description: 'Two policy files, JSON on stdout.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    run: Flags.string({ description: 'A run directory: its networks, one per architecture, up to four.' }),
    policy: Flags.string({ description: 'An ONNX policy file; repeat for up to four.', multiple: true }),
    repeats: Flags.integer({ description: 'Page loads measured (the median is reported).', default: 5, min: 1, max: 100 }),
    'sweep-mazes': Flags.integer({ description: 'Mazes of the sweep during which frames are counted.', default: 1000, min: 1, max: 100_000 }),
    'sweep-noise': Flags.string({ description: 'σs levels of that sweep (0.05 | 0,0.1 | from:to:count).', default: PAPER_NOISE_SPEC }),
    screenshot: Flags.string({ description: 'Write a PNG of the first page after its sweep to this file.' }),
  };

  async run(): Promise<BenchViewerResult> {
    const { flags } = await this.parse(BenchView);
    if (!findChromium()) throw new PrnnError(CHROMIUM_MISSING);
    await checkPlaywright();
    const policies = flags.policy ?? [];
    if (!flags.run && policies.length === 0) throw new PrnnError('give --run DIR or at least one --policy FILE.onnx');
    if (policies.length > MAX_POLICIES) throw new PrnnError(`--policy: at most ${MAX_POLICIES} policies (got ${policies.length})`);
    withFlag('--sweep-noise', 'noise', () => parseNoiseSpec(flags['sweep-noise']));
    const source = await withFlagAsync('--run', undefined, () => openViewerSource({ run: flags.run, policies }));
    const result = await benchViewer(source, {
      repeats: flags.repeats,
      sweepMazes: flags['sweep-mazes'],
      sweepNoise: flags['sweep-noise'],
      screenshot: flags.screenshot,
    });
    const ms = (x: number) => `${Math.round(x)} ms`;
    this.log(`viewer with ${result.policies} policies, median of ${result.repeats} loads in headless Chromium:`);
    this.log(`  page load → first animated step:  ${ms(result.loadToFirstStepMs)} (first, cold: ${ms(result.loadToFirstStepColdMs)}; all: ${result.loadToFirstStepAllMs.map(ms).join(', ')})`);
    this.log(
      `  frame rate during the sweep:      ${result.sweepFps.toFixed(1)} frames/s (${result.sweepMazes} mazes × ${result.sweepLevels} levels × ` +
        `${result.policies} policies in the worker, ${result.sweepSeconds.toFixed(1)} s)`,
    );
    return result;
  }
}
