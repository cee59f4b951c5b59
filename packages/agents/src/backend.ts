import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { PrnnError } from '@prnn/core';

/** The tfjs backends prnn can use, in the order `auto` tries them: tfjs-node, WebAssembly, plain JavaScript. */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
/** One of {@link BACKENDS}. */
export type BackendName = (typeof BACKENDS)[number];

/** Registers the backend with tfjs-core; throws with the reason when it cannot be loaded here. */
async function register(name: BackendName): Promise<void> {
  if (name === 'tensorflow') {
    // Optional dependency (its native install usually fails offline): a computed specifier keeps the type
    // checker and bundlers from requiring it.
    const specifier = '@tensorflow/tfjs-node';
    await import(specifier);
    if (!tf.findBackendFactory('tensorflow')) {
      throw new Error('@tensorflow/tfjs-node loaded but registered with a different copy of @tensorflow/tfjs-core');
    }
  } else if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (typeof process !== 'undefined' && process.versions?.node) {
      const require = createRequire(import.meta.url);
      const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(dir + path.sep);
    }
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
  }
}

let activated = false;

async function activate(name: BackendName): Promise<void> {
  await register(name);
  if (!(await tf.setBackend(name))) throw new Error(`tfjs could not initialise backend "${name}"`);
  await tf.ready();
  activated = true;
}

/**
 * The backend already chosen, or (when none was) the fastest that loads, as `initBackend()` chooses: for
 * library entry points (e.g. the conformance checks) that a caller may reach without calling `initBackend`.
 */
export async function ensureBackend(): Promise<string> {
  return activated ? tf.getBackend() : initBackend();
}

/**
 * Chooses the tfjs backend: `preferred` when given (an error when it cannot load), else the fastest that
 * loads — tfjs-node (`tensorflow`), then `wasm`, then `cpu`. Returns the name of the backend now running.
 */
export async function initBackend(preferred?: string): Promise<string> {
  if (preferred !== undefined && !(BACKENDS as readonly string[]).includes(preferred)) {
    throw new PrnnError(`backend must be one of ${BACKENDS.join(', ')} (got ${JSON.stringify(preferred)})`);
  }
  // Skips tfjs's per-op debug checks (e.g. NaN scans); results are unchanged.
  tf.enableProdMode();
  if (preferred !== undefined) {
    if (tf.getBackend() === preferred) return preferred;
    try {
      await activate(preferred as BackendName);
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new PrnnError(
        `backend "${preferred}" cannot be loaded here (${reason}); backend must be one of ${BACKENDS.join(', ')}`,
      );
    }
    return tf.getBackend();
  }
  const failures: string[] = [];
  for (const name of BACKENDS) {
    try {
      await activate(name);
      return tf.getBackend();
    } catch (err) {
      failures.push(`${name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  throw new PrnnError(`no tfjs backend could be loaded (${failures.join('; ')})`);
}
