import { PrnnError } from '@prnn/core';
import { initBackend } from '../../backend.js';
import { loadPlugins } from '../../sdk/loader.js';
import type { Learner, TrainHooks, TrainJob, TrainResult } from '../../sdk/learner.js';
import { isTrainingStopped, type TrainingStopped } from '../../sdk/training-stopped.js';
import { benchTrainThread, type BenchTrainThreadRequest } from '../bench-train-thread.js';
import { measureSweepThread, type SweepThreadRates, type SweepThreadRequest } from '../bench-sweep-thread.js';
import { evaluateLevels, evaluateModelLevels, type LevelsRequest, type LevelsResult, type ModelLevelsRequest } from '../../eval/evaluate-in-workers.js';
import { WORKER_PROTOCOL, type ParentMessage, type SliceRequest, type SliceResult, type WorkerMessage } from './worker-protocol.js';

export { WORKER_PROTOCOL, type ParentMessage, type SliceRequest, type SliceResult, type WorkerMessage };

/** TrainHooks that report to the parent over `port` and stop (the `shouldStop` hook) when the parent sets `stop`. */
function parentHooks(req: SliceRequest): { hooks: TrainHooks; close(): void } {
  const port = req.port;
  const stopFlag = req.stop;
  const shouldStop = stopFlag ? () => Atomics.load(stopFlag, 0) === 1 : undefined;
  if (!port) return { hooks: { shouldStop }, close: () => {} };
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
      port.postMessage({ type: 'progress', episode: p.episode, loss: p.loss } satisfies WorkerMessage);
    },
    checkpoint:
      req.checkpointEvery !== undefined
        ? {
            everyEpisodes: req.checkpointEvery,
            save: (state) =>
              new Promise<void>((resolve, reject) => {
                pending = { resolve, reject };
                port.postMessage({ type: 'checkpoint', state } satisfies WorkerMessage);
              }),
          }
        : undefined,
    shouldStop,
    ...(req.progressEvery !== undefined ? { progressEvery: req.progressEvery } : {}),
  };
  return { hooks, close: () => port.close() };
}

/** Trains; a TrainingStopped is returned instead of thrown (every other error is thrown). */
async function trainOrStop(learner: Learner, job: TrainJob, hooks: TrainHooks): Promise<TrainResult | TrainingStopped> {
  try {
    return await learner.train(job, hooks);
  } catch (error) {
    if (isTrainingStopped(error)) return error;
    throw error;
  }
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
    const result = await trainOrStop(learner, 
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
    // a stop crosses the thread boundary as plain data (an Error would lose its class and fields)
    if (isTrainingStopped(result)) return { networks: [], netEpisodesPerSecond: 0, backend, protocol: WORKER_PROTOCOL, stopped: result.toMarker() };
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
