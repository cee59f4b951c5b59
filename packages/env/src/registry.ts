import type { Env } from './env-api.js';
import { MazeEnv, type MazeEnvOptions } from './env.js';
import { PrnnError, describeValue } from './errors.js';

/** Builds an env from the options given to `make`. */
export type EnvFactory = (options?: any) => Env<any, any, any, any>;

const registry = new Map<string, EnvFactory>();

/** Registers an env id (e.g. `myorg/MyMaze-v0`). Registering an existing id again is an error. */
export function register(id: string, factory: EnvFactory): void {
  if (typeof id !== 'string' || !/^[\w.-]+(\/[\w.-]+)?-v\d+$/.test(id)) {
    throw new PrnnError(`env id must look like "namespace/Name-v0" (got ${describeValue(id)})`);
  }
  if (typeof factory !== 'function') throw new PrnnError(`factory for ${id} must be a function`);
  if (registry.has(id)) throw new PrnnError(`env id ${id} is already registered`);
  registry.set(id, factory);
}

/** The registered ids, sorted. */
export function registeredEnvs(): string[] {
  return [...registry.keys()].sort();
}

/** The ids registered by @prnn/env itself (they can not be re-registered, so they always make a MazeEnv). */
export type BuiltinEnvId = 'prnn/TrackMaze-v0' | 'prnn/GeneralMaze-v0' | 'prnn/HMaze-v0';

/** Creates the env registered as `id`. */
export function make(id: BuiltinEnvId, options?: Omit<MazeEnvOptions, 'kind'>): MazeEnv;
export function make(id: string, options?: any): Env<any, any, any, any>;
export function make(id: string, options?: any): Env<any, any, any, any> {
  const factory = registry.get(id);
  if (factory === undefined) {
    throw new PrnnError(`unknown env id ${describeValue(id)}; registered: ${registeredEnvs().join(', ')}`);
  }
  return factory(options);
}

type BuiltinOptions = Omit<MazeEnvOptions, 'kind'>;
register('prnn/TrackMaze-v0', (options?: BuiltinOptions) => new MazeEnv({ ...options, kind: 'track' }));
register('prnn/GeneralMaze-v0', (options?: BuiltinOptions) => new MazeEnv({ ...options, kind: 'general' }));
register('prnn/HMaze-v0', (options?: BuiltinOptions) => new MazeEnv({ ...options, kind: 'h' }));
