import { PrnnError } from '@prnn/env';
import { initBackend } from '../../backend.js';
import { loadPlugins } from '../../sdk/loader.js';
import type { TrainHooks } from '../../sdk/learner.js';
import { benchTrainThread, type BenchTrainThreadRequest } from '../bench-train.js';
import { measureSweepThread, type SweepThreadRates, type SweepThreadRequest } from '../bench-sweep.js';
import { evaluateLevels, evaluateModelLevels, type LevelsRequest, type LevelsResult, type ModelLevelsRequest } from '../../eval/evaluate-in-workers.js';
import { WORKER_PROTOCOL, type ParentMessage, type SliceRequest, type SliceResult, type WorkerMessage } from './worker-protocol.js';

export { WORKER_PROTOCOL, type ParentMessage, type SliceRequest, type SliceResult, type WorkerMessage };

/** TrainHooks that report to the parent over `port` and stop when the parent sets `stop`. */
function parentHooks(req: SliceRequest): { hooks: TrainHooks; close(): void } {
  const port = req.port;
  if (!port) return { hooks: {}, close: () => {} };
  const controller = new AbortController();
  const signal = controller.signal;
  const nativeAborted = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')?.get;
  const isAborted = (): boolean => (nativeAborted ? nativeAborted.call(signal) === true : false);
  const checkStop = (): void => {
    if (req.stop && Atomics.load(req.stop, 0) === 1 && !isAborted()) controller.abort();
  };
  // `aborted` reads the parent's stop flag itself, so a stop is seen at the end of the episode in progress
  Object.defineProperty(signal, 'aborted', {
    get: () => {
      checkStop();
      return isAborted();
    },
  });
  let pending: { resolve: () => void; reject: (e: Error) => void } | undefined;
  port.on('message', (m: ParentMessage) => {
    const p = pending;
    pending = undefined;
    if (!p) return;
    if (m.type === 'saved') p.resolve();
    else p.reject(new PrnnError(m.message));
  });
  const hooks: TrainHooks = {
    onProgress: (p) => {
      checkStop();
      port.postMessage({ type: 'progress', episode: p.episode, loss: p.loss } satisfies WorkerMessage);
    },
    checkpoint:
      req.checkpointEvery !== undefined
        ? {
            everyEpisodes: req.checkpointEvery,
            save: (state) =>
              new Promise<void>((resolve, reject) => {
                pending = {
                  resolve: () => {
                    checkStop();
                    resolve();
                  },
                  reject,
                };
                port.postMessage({ type: 'checkpoint', state } satisfies WorkerMessage);
              }),
          }
        : undefined,
    signal,
  };
  return { hooks, close: () => port.close() };
}

/**
 * A registry lookup in a worker: the worker loads plugins by name only (prnn.config.json and the parent's
 * plugin specs), so a plugin the parent was handed as an object is missing here — say how to fix that.
 */
function inWorker<T>(lookup: () => T): T {
  try {
    return lookup();
  } catch (err) {
    if (!(err instanceof PrnnError)) throw err;
    throw new PrnnError(
      `${err.message} (in a worker thread, which loads plugins by package name only: name the plugin in prnn.config.json ` +
        `or pass its package or path in plugins.extra; a plugin passed as an object works with workers: 1)`,
    );
  }
}

/**
 * Worker entry (piscina): rebuilds the registry from the same plugins as the parent, then trains the slice
 * with the named learner exactly as the parent would in-process.
 */
export default async function trainSlice(req: SliceRequest): Promise<SliceResult> {
  if (req.protocol !== undefined && req.protocol !== WORKER_PROTOCOL) {
    throw new PrnnError(
      `the compiled training worker speaks protocol ${WORKER_PROTOCOL} but the caller ${req.protocol}: rebuild the packages (npm run build)`,
    );
  }
  const { hooks, close } = parentHooks(req);
  try {
    const backend = await initBackend(req.backend);
    const registry = await loadPlugins({ cwd: req.cwd, extra: req.plugins ? [...req.plugins] : [] });
    const learner = inWorker(() => registry.learner(req.learner));
    const architecture = inWorker(() => registry.architecture(req.family));
    const result = await learner.train(
      {
        task: req.task,
        taskSource: req.taskSource !== undefined ? inWorker(() => registry.task(req.taskSource!)) : undefined,
        architecture,
        kernels: registry.kernels(req.family),
        members: req.members,
        config: req.config,
        runSeed: req.runSeed,
        path: req.path,
        resume: req.resume,
      },
      hooks,
    );
    return { networks: result.networks, netEpisodesPerSecond: result.netEpisodesPerSecond, backend, protocol: WORKER_PROTOCOL, ...(result.phases ? { phases: result.phases } : {}) };
  } finally {
    close();
  }
}

/** Worker entry for `benchTrain` with workers: one thread's measurement. */
export async function benchTrainInWorker(req: BenchTrainThreadRequest): Promise<unknown> {
  await initBackend(req.backend);
  const registry = await loadPlugins({ cwd: req.cwd });
  return benchTrainThread(registry.architecture(req.family), registry.kernels(req.family), req);
}

/** Worker entry for `benchSweep` with workers: one thread's rates on one task. */
export async function benchSweepInWorker(req: SweepThreadRequest): Promise<SweepThreadRates> {
  await initBackend(req.backend);
  const registry = await loadPlugins({ cwd: req.cwd });
  return measureSweepThread(registry.architecture(req.family), registry.kernels(req.family), req);
}

/** Worker entry for evaluations by the population model (engine tfjs): one network on some noise levels. */
export async function evaluateModelLevelsInWorker(req: ModelLevelsRequest): Promise<LevelsResult> {
  await initBackend(req.backend);
  const key = JSON.stringify([req.cwd, req.plugins ?? []]);
  if (!registries.has(key)) registries.set(key, loadPlugins({ cwd: req.cwd, extra: req.plugins ? [...req.plugins] : [] }));
  const registry = await registries.get(key)!;
  return evaluateModelLevels(req, inWorker(() => registry.architecture(req.family)));
}

/** The registries this worker has built, by plugin settings (a sweep's networks share one). */
const registries = new Map<string, ReturnType<typeof loadPlugins>>();

/** Worker entry for evaluations on worker threads: one network on some noise levels. */
export async function evaluateLevelsInWorker(req: LevelsRequest): Promise<LevelsResult> {
  return evaluateLevels(req);
}
