import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { PrnnError, testFaultPoint } from '@prnn/core';
import type { WeightEntry } from '@prnn/agents';
import { JOURNAL_CHOICES, journalModeFor, type JournalChoice } from './file-system.js';
import type { SweepPlan } from './plan.js';
import { NETWORK_COLUMNS, STORE_MIGRATIONS, STORE_SCHEMA_VERSION } from './store-schema.js';

/** The results store of a sweep directory. */
export const STORE_FILE = 'results.sqlite';

/** A measure's value: one number, or named numbers (e.g. one per pathway). */
export type MeasureValue = number | Readonly<Record<string, number>>;

/** Everything one finished network produced: one row of the store. */
export interface NetworkRecord {
  readonly sweep: string;
  readonly id: string;
  readonly chunk: number;
  readonly family: string;
  readonly arch: string;
  readonly seed: number;
  readonly hidden: number;
  readonly parameters: number;
  readonly episodes: number;
  /** Test fitness at the training σs after the last episode (null: undefined on every maze). */
  readonly fitness: number | null;
  readonly trainingCurve: readonly (number | null)[];
  readonly noiseLevels: readonly number[];
  readonly noiseFitness: readonly (number | null)[];
  readonly robustness: number | null;
  /** The plan's metric plugins, by name. */
  readonly measures: Readonly<Record<string, MeasureValue>>;
  /** The weights: float32 little-endian, matrices concatenated in `weightsLayout` order. */
  readonly weights: Uint8Array;
  readonly weightsDtype: 'float32';
  readonly weightsLayout: readonly WeightEntry[];
  /** This network's share of its chunk's training time in the job that finished it (a resumed job counts only its own part), and its evaluation time. */
  readonly trainSeconds: number | null;
  readonly evalSeconds: number | null;
  readonly backend: string;
  readonly prnnVersion: string;
  readonly planHash: string;
  /** ISO time the row was written. */
  readonly finishedAt: string;
  readonly host: string | null;
}

/** Options of {@link ResultsStore.open}: create, journal mode, lock wait and read-only. */
export interface OpenStoreOptions {
  /** Create the file when it does not exist (default true). */
  readonly create?: boolean;
  /** Journal mode; `auto` (default) is WAL on a local disk and a rollback journal on a network file system. */
  readonly journal?: JournalChoice;
  /** How long to wait for another process's lock before failing, in ms (default 10 000). */
  readonly busyTimeoutMs?: number;
  readonly readonly?: boolean;
}

interface SqliteError extends Error {
  readonly code?: string;
}

/** A clear one-line error for what SQLite (or the file system under it) reported about `path`. */
export function storeError(path: string, error: unknown, doing: string): PrnnError {
  const code = (error as SqliteError).code ?? '';
  const message = (error as Error).message;
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new PrnnError(`store ${path} is corrupt or not a SQLite database (${message}) while ${doing}; move it away and rebuild it with prnn sweep merge from the shards, or restore a backup`);
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new PrnnError(`store ${path} is locked by another process while ${doing} (${message}); wait for it to finish and try again`);
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM') || code === 'SQLITE_IOERR_WRITE') {
    return new PrnnError(`store ${path} cannot be opened for writing while ${doing} (${message}); check that its directory exists and is writable`);
  }
  if (code.startsWith('SQLITE_FULL')) return new PrnnError(`store ${path}: no space left on the device while ${doing}; free space there (or give --store another location) and run the command again`);
  const missing = /no such (table|column): (\S+)/.exec(message);
  if (missing) {
    return new PrnnError(`store ${path} has no ${missing[1]} ${missing[2]} (while ${doing}): it is not a prnn results store, or it was changed outside prnn; restore it from a backup or rebuild it with prnn sweep merge from the shards`);
  }
  if (error instanceof PrnnError) return error;
  return new PrnnError(`store ${path}: ${message} while ${doing}`);
}

function guard<T>(path: string, doing: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw storeError(path, error, doing);
  }
}

const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? null : x));

function rowOf(r: NetworkRecord): Record<string, unknown> {
  return {
    sweep: r.sweep,
    id: r.id,
    chunk: r.chunk,
    family: r.family,
    arch: r.arch,
    seed: r.seed,
    hidden: r.hidden,
    parameters: r.parameters,
    episodes: r.episodes,
    fitness: r.fitness,
    training_curve: json(r.trainingCurve),
    noise_levels: json(r.noiseLevels),
    noise_fitness: json(r.noiseFitness),
    robustness: r.robustness,
    measures: json(r.measures),
    weights: Buffer.from(r.weights.buffer, r.weights.byteOffset, r.weights.byteLength),
    weights_dtype: r.weightsDtype,
    weights_layout: json(r.weightsLayout),
    train_seconds: r.trainSeconds,
    eval_seconds: r.evalSeconds,
    backend: r.backend,
    prnn_version: r.prnnVersion,
    plan_hash: r.planHash,
    finished_at: r.finishedAt,
    host: r.host,
  };
}

/** A store row that does not hold what prnn wrote: names the table, the row and the column. */
class CorruptCell extends Error {
  constructor(
    readonly column: string,
    readonly problem: string,
  ) {
    super(problem);
  }
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNullableNumber = (v: unknown): v is number | null => v === null || isNumber(v);

function text(row: Record<string, unknown>, column: string): string {
  const v = row[column];
  if (typeof v !== 'string' || v.length === 0) throw new CorruptCell(column, `holds ${v === null ? 'NULL' : typeof v === 'string' ? 'an empty text' : `a ${typeof v}`} instead of a text`);
  return v;
}

function integer(row: Record<string, unknown>, column: string, min: number): number {
  const v = row[column];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new CorruptCell(column, `holds ${JSON.stringify(v ?? null)}, not an integer ≥ ${min}`);
  return v;
}

function inRange(row: Record<string, unknown>, column: string, max: number, nullable: boolean): number | null {
  const v = row[column];
  if (v === null && nullable) return null;
  if (!isNumber(v) || v < 0 || v > max) throw new CorruptCell(column, `holds ${v === null ? 'NULL' : JSON.stringify(v)}, not a number in [0, ${max}]`);
  return v;
}

function jsonCell<T>(row: Record<string, unknown>, column: string, check: (v: unknown) => v is T, expected: string): T {
  const raw = text(row, column);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new CorruptCell(column, `is not valid JSON (${(error as Error).message})`);
  }
  if (!check(value)) throw new CorruptCell(column, `is not ${expected}`);
  return value;
}

const isNumberList = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNumber);
const isNullableNumberList = (v: unknown): v is (number | null)[] => Array.isArray(v) && v.every(isNullableNumber);
const isMeasures = (v: unknown): v is Record<string, MeasureValue> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((m) => isNumber(m) || (m !== null && typeof m === 'object' && !Array.isArray(m) && Object.values(m).every(isNumber)));
const isLayout = (v: unknown): v is WeightEntry[] =>
  Array.isArray(v) &&
  v.every((e) => e !== null && typeof e === 'object' && typeof e.name === 'string' && Array.isArray(e.shape) && e.shape.every((d: unknown) => Number.isInteger(d) && (d as number) > 0) && Number.isInteger(e.offset) && e.offset >= 0);

/** A row of `networks` as a NetworkRecord, every column checked against what prnn writes. */
function checkedRecord(row: Record<string, unknown>): NetworkRecord {
  const blob = row.weights;
  if (!(blob instanceof Uint8Array)) throw new CorruptCell('weights', `holds ${blob === null ? 'NULL' : `a ${typeof blob}`} instead of a blob`);
  const weightsLayout = jsonCell(row, 'weights_layout', isLayout, 'a list of {name, shape, offset} entries');
  const floats = weightsLayout.reduce((end, e) => Math.max(end, e.offset + e.shape.reduce((a, b) => a * b, 1)), 0);
  if (blob.byteLength !== 4 * floats) throw new CorruptCell('weights', `holds ${blob.byteLength} bytes, but weights_layout describes ${floats} float32 values (${4 * floats} bytes)`);
  const weightsDtype = text(row, 'weights_dtype');
  if (weightsDtype !== 'float32') throw new CorruptCell('weights_dtype', `holds ${JSON.stringify(weightsDtype)}, not "float32"`);
  const noiseLevels = jsonCell(row, 'noise_levels', isNumberList, 'a list of numbers');
  const noiseFitness = jsonCell(row, 'noise_fitness', isNullableNumberList, 'a list of numbers or nulls');
  if (noiseFitness.length !== noiseLevels.length) throw new CorruptCell('noise_fitness', `holds ${noiseFitness.length} values for ${noiseLevels.length} noise levels`);
  if (noiseFitness.some((f) => f !== null && (f < 0 || f > 1))) throw new CorruptCell('noise_fitness', 'holds a value outside [0, 1]');
  const fitness = inRange(row, 'fitness', 1, true);
  // fitness is undefined only when every test maze is (then so is every noise level's)
  if (fitness === null && noiseFitness.some((f) => f !== null)) throw new CorruptCell('fitness', 'is NULL although the noise sweep has values');
  const trainingCurve = jsonCell(row, 'training_curve', isNullableNumberList, 'a list of numbers or nulls');
  const episodes = integer(row, 'episodes', 0);
  return {
    sweep: text(row, 'sweep'),
    id: text(row, 'id'),
    chunk: integer(row, 'chunk', 0),
    family: text(row, 'family'),
    arch: text(row, 'arch'),
    seed: integer(row, 'seed', 0),
    hidden: integer(row, 'hidden', 1),
    parameters: integer(row, 'parameters', 1),
    episodes,
    fitness,
    trainingCurve,
    noiseLevels,
    noiseFitness,
    // the trapezoid area under fitness(σs) ∈ [0, 1] over σs ∈ [0, 0.5]
    robustness: inRange(row, 'robustness', 0.5, true),
    measures: jsonCell(row, 'measures', isMeasures, 'an object of numbers (or of named numbers)'),
    weights: new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength),
    weightsDtype: 'float32',
    weightsLayout,
    trainSeconds: row.train_seconds === null ? null : inRange(row, 'train_seconds', Number.MAX_VALUE, false),
    evalSeconds: row.eval_seconds === null ? null : inRange(row, 'eval_seconds', Number.MAX_VALUE, false),
    backend: text(row, 'backend'),
    prnnVersion: text(row, 'prnn_version'),
    planHash: text(row, 'plan_hash'),
    finishedAt: text(row, 'finished_at'),
    host: row.host === null || row.host === undefined ? null : text(row, 'host'),
  };
}

/** {@link checkedRecord}, a bad cell named as table, row (sweep/id) and column of the store at `path`. */
function recordOf(row: Record<string, unknown>, path: string): NetworkRecord {
  try {
    return checkedRecord(row);
  } catch (error) {
    if (!(error instanceof CorruptCell)) throw error;
    const key = `${String(row.sweep)}/${String(row.id)}`;
    throw new PrnnError(
      `store ${path}: table networks, row ${key}, column ${error.column} ${error.problem}; the store was changed outside prnn: ` +
        'restore it from a backup, or delete that row and run prnn sweep run again to recompute it',
    );
  }
}

/**
 * The results of a sweep in one SQLite file (better-sqlite3): a row per finished network keyed by
 * (sweep, network id), each written in its own transaction, so a crash loses nothing that was stored and
 * a re-run never duplicates. Opening migrates an older schema and refuses a newer one.
 */
export class ResultsStore {
  /** The journal mode in use (`wal` or `delete` when prnn chose it). */
  readonly journalMode: string;
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;

  private constructor(readonly path: string, db: Database.Database, journalMode: string, private readonly readonly: boolean) {
    this.#db = db;
    this.journalMode = journalMode;
    const columns = NETWORK_COLUMNS.join(', ');
    const values = NETWORK_COLUMNS.map((c) => `@${c}`).join(', ');
    this.#insert = guard(path, 'preparing it', () => db.prepare(`INSERT OR IGNORE INTO networks (${columns}) VALUES (${values})`));
  }

  /**
   * Opens a store (creating it unless `create: false`), sets its journal mode and migrates an older schema; a PrnnError
   * when its schema is newer than this prnn reads.
   */
  static open(path: string, options: OpenStoreOptions = {}): ResultsStore {
    const choice = options.journal ?? 'auto';
    if (!JOURNAL_CHOICES.includes(choice)) throw new PrnnError(`journal must be one of ${JOURNAL_CHOICES.join(', ')} (got ${JSON.stringify(choice)})`);
    const readonly = options.readonly ?? false;
    let db: Database.Database;
    try {
      db = new Database(path, { fileMustExist: readonly || options.create === false, readonly, timeout: options.busyTimeoutMs ?? 10_000 });
    } catch (error) {
      if ((error as SqliteError).code === 'SQLITE_CANTOPEN' && (readonly || options.create === false)) {
        throw new PrnnError(`store ${path} does not exist`);
      }
      throw storeError(path, error, 'opening it');
    }
    try {
      const check = guard(path, 'checking it', () => db.pragma('quick_check', { simple: true }));
      if (check !== 'ok') throw new PrnnError(`store ${path} is corrupt (SQLite quick_check: ${String(check)}); move it away and rebuild it with prnn sweep merge from the shards, or restore a backup`);
      const version = guard(path, 'reading its schema version', () => db.pragma('user_version', { simple: true }) as number);
      if (version > STORE_SCHEMA_VERSION) {
        throw new PrnnError(`store ${path} has schema version ${version}, newer than this prnn reads (${STORE_SCHEMA_VERSION}); use a newer prnn`);
      }
      const mode = readonly ? String(guard(path, 'reading its journal mode', () => db.pragma('journal_mode', { simple: true }))) : journalModeFor(path, choice);
      if (!readonly) {
        guard(path, 'setting its journal mode', () => db.pragma(`journal_mode = ${mode}`));
        guard(path, 'setting its journal mode', () => db.pragma('synchronous = ' + (mode === 'wal' ? 'NORMAL' : 'FULL')));
        if (version < STORE_SCHEMA_VERSION) migrate(db, path, version);
        // fail now, not after hours of training, when another process holds the write lock
        guard(path, 'taking its write lock', () => db.transaction(() => undefined).immediate());
      } else if (version < STORE_SCHEMA_VERSION) {
        throw new PrnnError(`store ${path} has schema version ${version}; open it once for writing (e.g. prnn sweep status) to migrate it to ${STORE_SCHEMA_VERSION}`);
      }
      return new ResultsStore(path, db, mode, readonly);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Records the plan in a new store, or checks that the store belongs to it (same sweep name and hash). */
  bindPlan(plan: SweepPlan): void {
    const rows = guard(this.path, 'reading its sweeps', () => this.#db.prepare('SELECT sweep, plan_hash FROM sweeps').all() as { sweep: string; plan_hash: string }[]);
    const own = rows.find((r) => r.sweep === plan.sweep);
    if (own && own.plan_hash !== plan.hash) {
      throw new PrnnError(`store ${this.path} belongs to another plan of sweep ${plan.sweep} (plan hash ${own.plan_hash}, this plan ${plan.hash}); use the sweep directory it came from, or a new store`);
    }
    const other = rows.find((r) => r.sweep !== plan.sweep);
    if (other) {
      throw new PrnnError(`store ${this.path} belongs to sweep ${other.sweep} (plan hash ${other.plan_hash}), not to ${plan.sweep} (plan hash ${plan.hash}); use the sweep directory it came from, or a new store`);
    }
    if (!own && this.readonly) throw new PrnnError(`store ${this.path} holds no results of sweep ${plan.sweep} yet`);
    if (!own) {
      guard(this.path, 'recording the plan', () =>
        this.#db
          .prepare('INSERT INTO sweeps (sweep, plan_hash, prnn_version, plan, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(plan.sweep, plan.hash, plan.prnnVersion, JSON.stringify(plan), new Date().toISOString()),
      );
    }
  }

  /** The (sweep, plan hash) rows of the store. */
  sweeps(): { sweep: string; planHash: string }[] {
    return guard(this.path, 'reading its sweeps', () =>
      (this.#db.prepare('SELECT sweep, plan_hash FROM sweeps ORDER BY sweep').all() as { sweep: string; plan_hash: string }[]).map((r) => ({ sweep: r.sweep, planHash: r.plan_hash })),
    );
  }

  /** The plan a sweep recorded in the store (bindPlan), as stored; undefined for an unknown sweep. */
  storedPlan(sweep: string): SweepPlan | undefined {
    const text = guard(this.path, 'reading its sweeps', () => this.#db.prepare('SELECT plan FROM sweeps WHERE sweep = ?').pluck().get(sweep) as string | undefined);
    return text === undefined ? undefined : (JSON.parse(text) as SweepPlan);
  }

  /** Stores one finished network in its own transaction; false when it was stored already. */
  insert(record: NetworkRecord): boolean {
    const row = rowOf(record);
    const added = guard(this.path, `storing network ${record.id}`, () => this.#db.transaction(() => this.#insert.run(row).changes === 1).immediate());
    testFaultPoint('store');
    return added;
  }

  /** Ids of the stored networks of a sweep. */
  storedIds(sweep: string): Set<string> {
    return guard(this.path, 'reading it', () => new Set((this.#db.prepare('SELECT id FROM networks WHERE sweep = ?').pluck().all(sweep) as string[])));
  }

  /** Stored networks per chunk. */
  countByChunk(sweep: string): Map<number, number> {
    const rows = guard(this.path, 'reading it', () => this.#db.prepare('SELECT chunk, COUNT(*) AS n FROM networks WHERE sweep = ? GROUP BY chunk').all(sweep) as { chunk: number; n: number }[]);
    return new Map(rows.map((r) => [r.chunk, r.n]));
  }

  /**
   * Per stored chunk: when its first and last network were stored (ms since the epoch) and the seconds it
   * spent training and testing (the sums of its networks' shares), oldest first.
   */
  chunkTimes(sweep: string): { chunk: number; firstStored: number; lastStored: number; seconds: number }[] {
    const rows = guard(this.path, 'reading it', () =>
      this.#db
        .prepare('SELECT chunk, MIN(finished_at) AS first, MAX(finished_at) AS last, TOTAL(train_seconds) + TOTAL(eval_seconds) AS seconds FROM networks WHERE sweep = ? GROUP BY chunk ORDER BY first')
        .all(sweep) as { chunk: number; first: string; last: string; seconds: number }[],
    );
    return rows.map((r) => ({ chunk: r.chunk, firstStored: Date.parse(r.first), lastStored: Date.parse(r.last), seconds: r.seconds }));
  }

  /** Every stored network of a sweep, in id order. */
  *records(sweep: string): IterableIterator<NetworkRecord> {
    const statement = guard(this.path, 'reading it', () => this.#db.prepare('SELECT * FROM networks WHERE sweep = ? ORDER BY id'));
    for (const row of statement.iterate(sweep) as IterableIterator<Record<string, unknown>>) yield recordOf(row, this.path);
  }

  /**
   * Copies every network of `shard` (another store file) that this store does not hold yet, in one
   * transaction (ATTACH + INSERT OR IGNORE). The shard must belong to the same plan. Returns the number added.
   */
  mergeFrom(shard: string, plan: SweepPlan): { added: number; present: number } {
    // a shard of an older schema is migrated first; a corrupt one fails here with a clear message
    ResultsStore.open(shard, { create: false, journal: 'delete' }).close();
    const db = this.#db;
    guard(shard, 'attaching it', () => db.prepare('ATTACH DATABASE ? AS shard').run(shard));
    try {
      const rows = guard(shard, 'reading its sweeps', () => db.prepare('SELECT sweep, plan_hash FROM shard.sweeps').all() as { sweep: string; plan_hash: string }[]);
      const bad = rows.find((r) => r.sweep !== plan.sweep || r.plan_hash !== plan.hash);
      if (bad || rows.length === 0) {
        throw new PrnnError(
          `shard ${shard} belongs to ${bad ? `sweep ${bad.sweep} with plan hash ${bad.plan_hash}` : 'no sweep'}, not to sweep ${plan.sweep} with plan hash ${plan.hash}; nothing was merged from it`,
        );
      }
      const columns = NETWORK_COLUMNS.join(', ');
      return guard(this.path, `merging ${shard}`, () =>
        db.transaction(() => {
          const present = db.prepare('SELECT COUNT(*) FROM shard.networks WHERE sweep = ?').pluck().get(plan.sweep) as number;
          const added = db.prepare(`INSERT OR IGNORE INTO main.networks (${columns}) SELECT ${columns} FROM shard.networks WHERE sweep = ? AND plan_hash = ?`).run(plan.sweep, plan.hash).changes;
          return { added, present };
        }).immediate(),
      );
    } finally {
      db.prepare('DETACH DATABASE shard').run();
    }
  }

  /** Writes a consistent copy of the store to `path` (VACUUM INTO; the target must not exist). */
  copyTo(path: string): void {
    guard(this.path, `copying it to ${path}`, () => this.#db.prepare('VACUUM INTO ?').run(path));
  }

  /**
   * Checkpoints the WAL into the main file when no other reader holds it, then closes the database; a second call does
   * nothing.
   */
  close(): void {
    if (this.#db.open) {
      if (this.journalMode === 'wal') {
        try {
          this.#db.pragma('wal_checkpoint(TRUNCATE)');
        } catch {
          // another reader holds the WAL: the next writer checkpoints it
        }
      }
      this.#db.close();
    }
  }
}

function migrate(db: Database.Database, path: string, from: number): void {
  guard(path, `migrating it from schema version ${from} to ${STORE_SCHEMA_VERSION}`, () =>
    db.transaction(() => {
      for (let v = from; v < STORE_SCHEMA_VERSION; v++) db.exec(STORE_MIGRATIONS[v]);
      db.pragma(`user_version = ${STORE_SCHEMA_VERSION}`);
    }).immediate(),
  );
}

/** This machine's name, recorded with every network. */
export function hostName(): string {
  return hostname();
}
