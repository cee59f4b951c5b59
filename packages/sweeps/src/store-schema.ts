/**
 * The results store's schema, as numbered migrations: migration k takes a store from schema version k to
 * k + 1 (`PRAGMA user_version`). A released migration is never edited; a change of schema is a new one.
 */
export const STORE_MIGRATIONS: readonly string[] = [
  // 0 → 1: one row per sweep (its plan and hash), one row per finished network with everything it produced
  `CREATE TABLE sweeps (
     sweep TEXT PRIMARY KEY,
     plan_hash TEXT NOT NULL,
     prnn_version TEXT NOT NULL,
     plan TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE TABLE networks (
     sweep TEXT NOT NULL REFERENCES sweeps (sweep),
     id TEXT NOT NULL,
     chunk INTEGER NOT NULL,
     family TEXT NOT NULL,
     arch TEXT NOT NULL,
     seed INTEGER NOT NULL,
     hidden INTEGER NOT NULL,
     parameters INTEGER NOT NULL,
     episodes INTEGER NOT NULL,
     fitness REAL,
     training_curve TEXT NOT NULL,
     noise_levels TEXT NOT NULL,
     noise_fitness TEXT NOT NULL,
     robustness REAL,
     measures TEXT NOT NULL,
     weights BLOB NOT NULL,
     weights_dtype TEXT NOT NULL,
     weights_layout TEXT NOT NULL,
     train_seconds REAL,
     eval_seconds REAL,
     backend TEXT NOT NULL,
     prnn_version TEXT NOT NULL,
     plan_hash TEXT NOT NULL,
     finished_at TEXT NOT NULL,
     PRIMARY KEY (sweep, id)
   );`,
  // 1 → 2: which machine trained a network (clusters), and chunk look-ups for status
  `ALTER TABLE networks ADD COLUMN host TEXT;
   CREATE INDEX networks_by_chunk ON networks (sweep, chunk);`,
];

/** Current schema version of a store (`PRAGMA user_version`): the number of migrations applied. */
export const STORE_SCHEMA_VERSION = STORE_MIGRATIONS.length;

/** The columns of `networks` in schema order (merge copies them by name). */
export const NETWORK_COLUMNS = [
  'sweep', 'id', 'chunk', 'family', 'arch', 'seed', 'hidden', 'parameters', 'episodes', 'fitness', 'training_curve',
  'noise_levels', 'noise_fitness', 'robustness', 'measures', 'weights', 'weights_dtype', 'weights_layout',
  'train_seconds', 'eval_seconds', 'backend', 'prnn_version', 'plan_hash', 'finished_at', 'host',
] as const;
