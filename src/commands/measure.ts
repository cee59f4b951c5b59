import { Flags } from '@oclif/core';
import { PrnnError } from '@prnn/core';
import { initBackend, loadPlugins, loadRun, measureRun, type RunMeasures } from '@prnn/agents';
import { analysisMetricsPlugin } from '@prnn/analysis';
import { BaseCommand } from '../cli/base-command.js';
import { withFlag, withFlagAsync } from '../cli/flag-errors.js';
import { ProgressBar } from '../cli/progress-bar.js';

export default class Measure extends BaseCommand {
  static override summary = 'Run measures (built-in and plugin metrics) over every trained network of a run.';
  static override description =
    'Each metric gets one network at a time: its weights, the network as a callable differentiable step, the ' +
    'task, recorded greedy test trials (the run\'s test set at the training σs with each network\'s own seed: ' +
    'the trials of `prnn eval --run`) and the run context (fitness, training curve). The values are merged into ' +
    '<run>/measures.json (earlier values of other metrics are kept). `prnn plugins` lists the metrics.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> --run runs/track --metric weight-norms,activity', description: 'Two built-in measures; results in runs/track/measures.json.' },
    { command: '<%= config.bin %> <%= command.id %> --run runs/track --metric activity --mazes 100 --json', description: 'On 100 test mazes, JSON on stdout.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    run: Flags.string({ description: 'Run directory written by `prnn train --out`.', required: true }),
    metric: Flags.string({ description: 'Comma-separated metric names (see `prnn plugins`).', required: true }),
    mazes: Flags.integer({ description: 'Test mazes of the recorded trials (default: the run\'s --test-mazes).', min: 1, max: 1_000_000 }),
    arch: Flags.string({ description: 'Only the networks of this architecture.' }),
    seed: Flags.integer({ description: 'Only the networks with this seed.', min: 0, max: 0xffffffff }),
    backend: Flags.string({ description: 'tfjs backend: tensorflow, wasm or cpu (default: the fastest that loads).' }),
  };

  async run(): Promise<RunMeasures> {
    const { flags } = await this.parse(Measure);
    await withFlagAsync('--run', undefined, () => loadRun(flags.run));
    await withFlagAsync('--backend', 'backend', () => initBackend(flags.backend));
    const registry = await loadPlugins({ cwd: process.cwd(), extra: [analysisMetricsPlugin] });
    const names = flags.metric.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    if (names.length === 0) throw new PrnnError('--metric must name at least one metric (see prnn plugins)');
    const metrics = names.map((name) => withFlag('--metric', undefined, () => registry.metric(name)));
    const bar = new ProgressBar('measure', 'networks', !this.jsonEnabled() && process.stderr.isTTY === true);
    const started = performance.now();
    let result: RunMeasures;
    try {
      result = await measureRun(flags.run, {
        metrics,
        architecture: (family) => registry.architecture(family),
        kernels: (family) => registry.kernels(family),
        canonical: (spec) => registry.canonicalName(spec),
        taskSource: (id) => registry.task(id),
        mazes: flags.mazes,
        select: { arch: flags.arch, seed: flags.seed },
        onNetwork: (done, total) => bar.update(done, total, (done / (performance.now() - started)) * 1000),
      });
    } finally {
      bar.finish();
    }
    const show = (v: unknown): string =>
      typeof v === 'number' ? v.toPrecision(4) : v === null ? 'n/a' : Object.entries(v as Record<string, number | null>).map(([k, x]) => `${k}=${x === null ? 'n/a' : x.toPrecision(3)}`).join(' ');
    for (const n of result.networks) {
      this.log(`${n.id}: ${names.map((name) => `${name} ${show(n.values[name])}`).join('; ')}`);
    }
    if (result.file) this.log(`Values written to ${result.file}`);
    return result;
  }
}
