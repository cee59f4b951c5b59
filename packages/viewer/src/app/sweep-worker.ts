/// <reference lib="webworker" />
import { PolicyEvaluator, TEST_SET_SEED_OFFSET } from '@prnn/agents/browser';
import { openPolicy } from './ort-runtime.js';
import type { SweepMessage, SweepRequest } from './sweep-protocol.js';

// Plays the sweep (every maze × every σs level, one batch per policy) off the main thread, so the animation
// keeps its frame rate. The numbers are those of `prnn eval --policy P --seed s --mazes M --noise …`.
const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (message: SweepMessage) => scope.postMessage(message);

scope.onmessage = async (event: MessageEvent<SweepRequest>) => {
  const request = event.data;
  const started = performance.now();
  try {
    const evaluator = new PolicyEvaluator({
      task: request.task,
      mazes: request.mazes,
      mazeSeed: request.seed + TEST_SET_SEED_OFFSET,
      noise: request.noise,
    });
    for (let index = 0; index < request.policies.length; index++) {
      const { label, bytes } = request.policies[index];
      const policy = await openPolicy(new Uint8Array(bytes), label);
      try {
        const result = await evaluator.evaluate(policy, request.seed);
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
