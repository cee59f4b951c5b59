import type { Env } from './env-api.js';
import { MazeEnv, type MazeEnvOptions } from './env.js';
import { PrnnError, describeValue } from '@prnn/core';

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

/** A built-in env of `kind`; a `kind` in the options must agree (the id names the kind). */
function builtin(id: string, kind: MazeEnvOptions['kind']): EnvFactory {
  return (options?: BuiltinOptions) => {
    const given = (options as MazeEnvOptions | undefined)?.kind ?? (options as MazeEnvOptions | undefined)?.task?.kind;
    if (given !== undefined && given !== kind) throw new PrnnError(`${id} makes ${kind} mazes; options.kind must be ${kind} or absent (got ${describeValue(given)})`);
    return new MazeEnv({ ...options, kind });
  };
}
register('prnn/TrackMaze-v0', builtin('prnn/TrackMaze-v0', 'track'));
register('prnn/GeneralMaze-v0', builtin('prnn/GeneralMaze-v0', 'general'));
register('prnn/HMaze-v0', builtin('prnn/HMaze-v0', 'h'));
