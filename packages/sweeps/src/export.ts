import { join } from 'node:path';
import { PrnnError, writeFileAtomic } from '@prnn/core';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { readPlan } from './plan.js';
import { ResultsStore, STORE_FILE, type NetworkRecord } from './store.js';

/** File formats `prnn sweep export` writes. */
export type ExportFormat = 'csv' | 'parquet' | 'json';
/** Every {@link ExportFormat}, in the order help texts list them. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'parquet', 'json'];

type Scalar = string | number | null;
type ColumnKind = 'string' | 'int' | 'double' | 'list';

/** One exported column: its name, its kind and how a record gives its value. */
interface Column {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly value: (r: NetworkRecord) => Scalar | readonly (number | null)[];
}

const BASE_COLUMNS: readonly Column[] = [
  { name: 'id', kind: 'string', value: (r) => r.id },
  { name: 'sweep', kind: 'string', value: (r) => r.sweep },
  { name: 'chunk', kind: 'int', value: (r) => r.chunk },
  { name: 'family', kind: 'string', value: (r) => r.family },
  { name: 'arch', kind: 'string', value: (r) => r.arch },
  { name: 'seed', kind: 'int', value: (r) => r.seed },
  { name: 'hidden', kind: 'int', value: (r) => r.hidden },
  { name: 'parameters', kind: 'int', value: (r) => r.parameters },
  { name: 'episodes', kind: 'int', value: (r) => r.episodes },
  { name: 'fitness', kind: 'double', value: (r) => r.fitness },
  { name: 'robustness', kind: 'double', value: (r) => r.robustness },
];

const TAIL_COLUMNS: readonly Column[] = [
  { name: 'training_curve', kind: 'list', value: (r) => r.trainingCurve },
  { name: 'noise_levels', kind: 'list', value: (r) => r.noiseLevels },
  { name: 'noise_fitness', kind: 'list', value: (r) => r.noiseFitness },
  { name: 'train_seconds', kind: 'double', value: (r) => r.trainSeconds },
  { name: 'eval_seconds', kind: 'double', value: (r) => r.evalSeconds },
  { name: 'backend', kind: 'string', value: (r) => r.backend },
  { name: 'host', kind: 'string', value: (r) => r.host },
  { name: 'prnn_version', kind: 'string', value: (r) => r.prnnVersion },
  { name: 'plan_hash', kind: 'string', value: (r) => r.planHash },
  { name: 'finished_at', kind: 'string', value: (r) => r.finishedAt },
];

/** `weight-norms` + `ih` → `m_weight_norms_ih`: names that R, pandas and SQL take without quoting. */
export function measureColumn(metric: string, key?: string): string {
  return `m_${[metric, key].filter((p) => p !== undefined).join('_').replace(/[^A-Za-z0-9]+/g, '_')}`;
}

/** The measure columns of the records: one per scalar metric, one per key of a named-number metric. */
function measureColumns(records: readonly NetworkRecord[], metrics: readonly string[]): Column[] {
  const columns: Column[] = [];
  for (const metric of metrics) {
    const keys = new Set<string>();
    let scalar = false;
    for (const r of records) {
      const v = r.measures[metric];
      if (typeof v === 'number' || v === null) scalar = true;
      else if (v !== undefined) Object.keys(v).forEach((k) => keys.add(k));
    }
    if (scalar) columns.push({ name: measureColumn(metric), kind: 'double', value: (r) => (typeof r.measures[metric] === 'number' ? (r.measures[metric] as number) : null) });
    for (const key of keys) {
      columns.push({
        name: measureColumn(metric, key),
        kind: 'double',
        value: (r) => {
          const v = r.measures[metric];
          return typeof v === 'object' && v !== null && typeof v[key] === 'number' ? v[key] : null;
        },
      });
    }
  }
  return columns;
}

function csvField(v: Scalar | readonly (number | null)[]): string {
  if (v === null) return '';
  const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function toCsv(columns: readonly Column[], records: readonly NetworkRecord[]): string {
  const lines = [columns.map((c) => c.name).join(',')];
  for (const r of records) lines.push(columns.map((c) => csvField(c.value(r))).join(','));
  return `${lines.join('\n')}\n`;
}

function toJson(columns: readonly Column[], records: readonly NetworkRecord[]): string {
  const rows = records.map((r) => Object.fromEntries(columns.map((c) => [c.name, c.value(r)])));
  return `${JSON.stringify(rows, null, 1)}\n`;
}

function toParquet(columns: readonly Column[], records: readonly NetworkRecord[], meta: Record<string, string>): Uint8Array {
  const schema: Record<string, unknown>[] = [{ name: 'root', num_children: columns.length }];
  for (const c of columns) {
    if (c.kind === 'list') {
      schema.push({ name: c.name, repetition_type: 'REQUIRED', num_children: 1, converted_type: 'LIST' });
      schema.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      schema.push({ name: 'element', type: 'DOUBLE', repetition_type: 'OPTIONAL' });
    } else if (c.kind === 'string') schema.push({ name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
    else if (c.kind === 'int') schema.push({ name: c.name, type: 'INT64', repetition_type: 'OPTIONAL' });
    else schema.push({ name: c.name, type: 'DOUBLE', repetition_type: 'OPTIONAL' });
  }
  const columnData = columns.map((c) => ({
    name: c.name,
    data: records.map((r) => {
      const v = c.value(r);
      return c.kind === 'int' && typeof v === 'number' ? BigInt(v) : v;
    }),
  }));
  const buffer = parquetWriteBuffer({
    columnData: columnData as never,
    schema: schema as never,
    kvMetadata: Object.entries(meta).map(([key, value]) => ({ key, value })),
    createdBy: 'prnn sweep export',
  });
  return new Uint8Array(buffer);
}

/** What an export wrote: the file, its format, the number of rows (networks) and the column names in order. */
export interface ExportResult {
  readonly file: string;
  readonly format: ExportFormat;
  readonly rows: number;
  readonly columns: readonly string[];
}

/**
 * Writes one row per stored network: its id and identity, the measures as columns (named numbers flattened
 * to `m_<metric>_<key>`), the training curve and the noise sweep as lists (JSON text in CSV). Weights stay
 * in the store (SQLite BLOBs with their layout). A store without networks of the sweep is an error naming it
 * (nothing is written).
 */
export async function exportSweep(dir: string, format: ExportFormat, options: { out?: string; store?: string } = {}): Promise<ExportResult> {
  if (!EXPORT_FORMATS.includes(format)) throw new PrnnError(`format must be one of ${EXPORT_FORMATS.join(', ')} (got ${JSON.stringify(format)})`);
  const plan = await readPlan(dir);
  const storePath = options.store ?? join(dir, STORE_FILE);
  const store = ResultsStore.open(storePath, { create: false, readonly: true });
  let records: NetworkRecord[];
  try {
    store.bindPlan(plan);
    records = [...store.records(plan.sweep)];
  } finally {
    store.close();
  }
  if (records.length === 0) {
    // an empty export would read as a finished sweep without networks
    throw new PrnnError(`store ${storePath} has no networks of sweep ${plan.sweep}: nothing to export; run prnn sweep run ${dir} (or prnn sweep merge ${dir} for the shards of array tasks) first`);
  }
  const columns = [...BASE_COLUMNS, ...measureColumns(records, plan.measures.metrics), ...TAIL_COLUMNS];
  const file = options.out ?? join(dir, 'export', `${plan.sweep}.${format}`);
  const data =
    format === 'csv' ? toCsv(columns, records)
    : format === 'json' ? toJson(columns, records)
    : toParquet(columns, records, { 'prnn.sweep': plan.sweep, 'prnn.plan_hash': plan.hash, 'prnn.version': plan.prnnVersion });
  await writeFileAtomic(file, data, { createDirectory: true });
  return { file, format, rows: records.length, columns: columns.map((c) => c.name) };
}
