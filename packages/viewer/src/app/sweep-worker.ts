/// <reference lib="webworker" />
import { PolicyEvaluator } from '@prnn/agents/browser';
import { openPolicy } from './ort-runtime.js';
import type { SweepMessage, SweepRequest } from './sweep-protocol.js';

// Plays the sweep (every maze × every σs level, one batch per policy) off the main thread, so the animation
// keeps its frame rate. The numbers are those of `prnn eval` (--policy P --seed s, or --run) for the same mazes and levels.
const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: SweepMessage) => scope.postMessage(message);

scope.onmessage = async (event: MessageEvent<SweepRequest>) => {
  const request = event.data;
  const started = performance.now();
  try {
    const evaluator = new PolicyEvaluator({
      task: request.task,
      mazes: request.mazes,
      mazeSeed: request.mazeSeed,
      noise: request.noise,
    });
    for (let index = 0; index < request.policies.length; index++) {
      const { label, seed, bytes } = request.policies[index];
      const policy = await openPolicy(new Uint8Array(bytes), label);
      try {
        const result = await evaluator.evaluate(policy, seed);
        post({ type: 'result', id: request.id, index, fitness: result.fitness, robustness: result.robustness ?? null });
      } finally {
        await policy.release();
      }
    }
    post({ type: 'done', id: request.id, seconds: (performance.now() - started) / 1000 });
  } catch (error) {
    post({ type: 'error', id: request.id, message: (error as Error).message ?? String(error) });
  }
};
