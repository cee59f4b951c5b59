import { Flags } from '@oclif/core';
import { initBackend, loadPlugins } from '@prnn/agents';
import { analysisRegistry, checkReportDirectory, comparisonJson } from '@prnn/analysis';
import { compareSweeps } from '@prnn/sweeps';
import { BaseCommand } from '../cli/base-command.js';
import { withFlagAsync } from '../cli/flag-errors.js';
import { ProgressBar } from '../cli/progress-bar.js';
import { workersFlag } from '../cli/workers-flag.js';

export default class Compare extends BaseCommand {
  static override summary = 'Compare learners on the same architectures: per-learner tests against FC and the rank correlation of median fitness.';
  static override description =
    'Reads the results stores of --sweep (sweep directories, their results.sqlite, or a directory of sweep ' +
    'directories as `prnn sweep plan --learner a,b` makes) and groups their networks by the learner of their ' +
    'plan. For every learner on its own: fitness (σs = 0.05), robustness and sample efficiency per ' +
    'architecture (median, IQR), each architecture tested against FC (two one-sided Mann–Whitney U tests, ' +
    'Benjamini–Hochberg, α = 0.01, Hodges–Lehmann shift and Cliff\'s delta); then for every pair of learners ' +
    'Spearman\'s ρ of the architectures\' median fitness (ff-large left out) with its p-value, and a figure of ' +
    'each architecture\'s median fitness under one learner against the other. Writes report.md, ' +
    'learner-architectures.csv, rank-correlations.csv, analysis.json and figures to --out.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> --sweep reproduce/small-track-dqn-a2c-es --out comparison', description: 'The sweeps of one `prnn reproduce --learner dqn,a2c,es`.' },
    { command: '<%= config.bin %> <%= command.id %> --sweep sweeps/dqn --sweep sweeps/es --out comparison --json', description: 'Two sweeps planned separately; the comparison as JSON on stdout.' },
  ];

  static override enableJsonFlag = true;

  static override flags = {
    sweep: Flags.string({ description: 'A sweep directory, its results.sqlite, or a directory of sweep directories (repeatable); networks are grouped by their plan\'s learner.', multiple: true, required: true }),
    out: Flags.string({ description: 'Report directory (missing, empty, or an earlier report, which is replaced).', required: true }),
    workers: workersFlag({ description: 'Worker threads measuring networks (same results).', default: 1 }),
    backend: Flags.string({ description: 'tfjs backend: tensorflow, wasm or cpu (default: the fastest that loads).' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Compare);
    await withFlagAsync('--out', 'out', () => checkReportDirectory(flags.out));
    await withFlagAsync('--backend', 'backend', () => initBackend(flags.backend));
    const registry = analysisRegistry({ registry: await loadPlugins({ cwd: process.cwd() }) });
    const bar = new ProgressBar('compare', 'networks', !this.jsonEnabled() && process.stderr.isTTY === true);
    let result: Awaited<ReturnType<typeof compareSweeps>>;
    try {
      result = await withFlagAsync('--sweep', undefined, () =>
        compareSweeps(flags.sweep, flags.out, { registry, workers: flags.workers, pluginsCwd: process.cwd(), onProgress: (done, total) => bar.update(done, total, Number.NaN) }),
      );
    } finally {
      bar.finish();
    }
    const c = result.comparison;
    if (!this.jsonEnabled()) {
      this.log(`${c.learners.map((l) => `${l.learner} (${l.networks} networks)`).join(', ')} on ${c.task.kind}`);
      for (const r of c.correlations) {
        this.log(`${r.learnerA} vs ${r.learnerB}: Spearman ρ = ${Number.isFinite(r.rho) ? r.rho.toFixed(3) : 'n/a'} (p = ${Number.isFinite(r.p) ? r.p.toPrecision(3) : 'n/a'}, ${r.architectures} architectures)`);
      }
      this.log(`Report written to ${result.report}/report.md`);
    }
    return { out: result.report, files: result.files, comparison: comparisonJson(c) };
  }
}
