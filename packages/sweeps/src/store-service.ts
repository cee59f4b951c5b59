import { TYPES, definePlugin, loadPlugins, type LoadPluginsOptions, type Registry } from '@prnn/agents';
import type { SweepPlan } from './plan.js';
import { ResultsStore, type NetworkRecord, type OpenStoreOptions } from './store.js';

/**
 * A results store as `runSweep` writes it (the shared store, or a chunk's shard): what a plugin that rebinds
 * or decorates `TYPES.ResultsStore` implements. The built-in is the SQLite `ResultsStore`.
 */
export interface SweepStore {
  /** The store's file (what errors and `copyTo` name). */
  readonly path: string;
  /** Records the plan in a new store, or checks that the store belongs to it. */
  bindPlan(plan: SweepPlan): void;
  /** The (sweep, plan hash) rows of the store. */
  sweeps(): { sweep: string; planHash: string }[];
  /** Ids of the stored networks of a sweep. */
  storedIds(sweep: string): Set<string>;
  /** Stores one finished network in its own transaction; false when it was stored already. */
  insert(record: NetworkRecord): boolean;
  /** Writes a consistent copy of the store to `path` (a shard published for `prnn sweep merge`). */
  copyTo(path: string): void;
  /** Closes the store's database connection; the store is not used afterwards. */
  close(): void;
}

/**
 * Opens results stores: the service bound to `TYPES.ResultsStore` (the last binding wins), which `runSweep`
 * (`prnn sweep run`, `prnn reproduce`) resolves from the container. A plugin rebinds it, or decorates it with
 * `onActivation(TYPES.ResultsStore, (context, inner) => wrapper)`.
 */
export interface ResultsStoreFactory {
  /** Opens (creating it when absent) the store at `path`, a SQLite file by default. */
  open(path: string, options?: OpenStoreOptions): SweepStore;
}

/** The built-in results store: a SQLite file per store (`ResultsStore.open`). */
export const sqliteResultsStores: ResultsStoreFactory = {
  open: (path, options) => ResultsStore.open(path, options),
};

/**
 * The built-in results-store plugin, registered exactly like a third-party plugin: binds `sqliteResultsStores`
 * to `TYPES.ResultsStore`. `loadSweepPlugins` loads it among the built-ins.
 */
export const resultsStorePlugin = definePlugin({
  manifest: { name: '@prnn/sweeps/results-store', version: '0.1.0', package: '@prnn/sweeps', description: 'built-in results store: SQLite (results.sqlite)' },
  module: ({ bind }) => {
    bind<ResultsStoreFactory>(TYPES.ResultsStore).toConstantValue(sqliteResultsStores);
  },
});

/**
 * The registry of `loadPlugins` with @prnn/sweeps' built-in plugins (the results store) loaded among the
 * built-ins, before the configured plugins: what the sweep commands use.
 */
export function loadSweepPlugins(options: LoadPluginsOptions = {}): Promise<Registry> {
  return loadPlugins({ ...options, builtins: [...(options.builtins ?? []), resultsStorePlugin] });
}

/**
 * The results-store factory of `registry`: the last binding of `TYPES.ResultsStore`, as decorators left it. A
 * registry built without @prnn/sweeps' built-ins (e.g. `createContainer(builtinPlugins())`) gets the built-in
 * bound now, so that a plugin's `onActivation` decorator still applies to it.
 */
export function resultsStores(registry: Registry): ResultsStoreFactory {
  const container = registry.container;
  if (!container.isBound(TYPES.ResultsStore)) container.bind<ResultsStoreFactory>(TYPES.ResultsStore).toConstantValue(sqliteResultsStores);
  const all = container.getAll<ResultsStoreFactory>(TYPES.ResultsStore);
  return all[all.length - 1];
}
