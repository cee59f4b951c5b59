import type { EnvFactory } from '@prnn/env';

/** @prnn/env's `register(id, factory)` (or a stand-in with the same shape). */
export type RegisterEnvironment = (id: string, factory: EnvFactory) => void;

/**
 * A set of environments (a plugin contract, bound to `TYPES.Environment`). The registry hands it
 * @prnn/env's `register`, and it registers its ids there; afterwards `make(id, options)` builds them.
 */
export interface Environment {
  /** Registry key, e.g. `acme-mazes`. */
  readonly name: string;
  readonly description: string;
  /** The Gymnasium-style ids it registers, e.g. `acme/SpiralMaze-v0`. */
  readonly ids: readonly string[];
  /** Registers the plugin's environments under its ids (called once when the registry is built). */
  register(register: RegisterEnvironment): void;
}
