import { Args, Flags } from '@oclif/core';
import { EXPORT_FORMATS, exportSweep, type ExportFormat, type ExportResult } from '@prnn/sweeps';
import { checkOutputLocation } from '../../cli/write-output-file.js';
import { BaseCommand } from '../../cli/base-command.js';

export default class SweepExport extends BaseCommand {
  static override summary = 'Export one row per stored network as CSV, Parquet or JSON.';
  static override description =
    'Columns: id, sweep, chunk, family, arch, seed, hidden, parameters, episodes, fitness, robustness, the ' +
    'measures (m_<metric> or m_<metric>_<key>, e.g. m_weight_norms_hh), training_curve, noise_levels and ' +
    'noise_fitness as lists (Parquet LIST<DOUBLE>, JSON arrays, JSON text in CSV), timings, backend, host, ' +
    'prnn version, plan hash. Weights stay in the store.';

  static override examples = [
    { command: '<%= config.bin %> <%= command.id %> sweeps/paper --format parquet', description: 'Writes sweeps/paper/export/<sweep>.parquet.' },
    { command: '<%= config.bin %> <%= command.id %> sweeps/paper --format csv --out paper.csv', description: 'CSV to a file of your choice.' },
  ];

  static override enableJsonFlag = true;

  static override args = {
    dir: Args.string({ description: 'Sweep directory.', required: true }),
  };

  static override flags = {
    format: Flags.option({ options: EXPORT_FORMATS as readonly ExportFormat[], description: 'Output format.', required: true })(),
    out: Flags.string({ description: 'Output file (default DIR/export/<sweep>.<format>).' }),
    store: Flags.string({ description: 'Results store (default DIR/results.sqlite).' }),
  };

  async run(): Promise<ExportResult> {
    const { args, flags } = await this.parse(SweepExport);
    // the output location is checked before the store is read
    if (flags.out !== undefined) await checkOutputLocation('--out', flags.out);
    const r = await exportSweep(args.dir, flags.format, { out: flags.out, store: flags.store });
    this.log(`wrote ${r.rows} row${r.rows === 1 ? '' : 's'} × ${r.columns.length} columns to ${r.file}`);
    return r;
  }
}
