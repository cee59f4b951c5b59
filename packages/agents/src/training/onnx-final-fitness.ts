import { PrnnError, type MazeSet } from '@prnn/env';
import { OnnxPolicy } from '../eval/onnx-policy.js';
import type { Architecture, PopulationMember } from '../sdk/architecture.js';
import { FINAL_EVALUATION_STREAM } from '../sdk/streams.js';
import { GreedyEvaluator, type GreedyPolicy } from './evaluate-greedy.js';

/**
 * The final test through each network's exported ONNX policy in onnxruntime: the float32 arithmetic of
 * `prnn eval`, so that `prnn eval --run` reproduces the stored fitness exactly. The population model's own
 * forward (the fused kernel computes in float64) can pick a different action where two Q-values agree to
 * float32 precision — common for young networks, whose softmax outputs are all near 1/5 — and a flipped
 * action changes a trial's score. Networks are tested one at a time with the same noise streams and
 * tie-breaking as GreedyEvaluator gives them in a population (a network's score never depends on its population).
 */
export async function onnxFinalFitness(
  architecture: Architecture,
  members: readonly PopulationMember[],
  weights: readonly Record<string, Float32Array>[],
  testSet: MazeSet,
  sensorNoise: number,
): Promise<Float64Array> {
  const exportOnnx = architecture.exportOnnx;
  if (!exportOnnx) throw new PrnnError(`architecture family ${architecture.family} has no exportOnnx`);
  const evaluator = new GreedyEvaluator(testSet, 1);
  const fitness = new Float64Array(members.length);
  for (let n = 0; n < members.length; n++) {
    const bytes = exportOnnx.call(architecture, members[n].arch, weights[n], {}, testSet.channels);
    const session = await OnnxPolicy.load(bytes, { label: `network ${members[n].arch.name} seed ${members[n].seed}` });
    try {
      const policy: GreedyPolicy = { reset: (batch) => session.reset(batch), step: (obs, q) => session.step(obs, q) };
      const r = await evaluator.evaluate(policy, [members[n].seed], { sensorNoise, streamId: FINAL_EVALUATION_STREAM });
      fitness[n] = r.fitness[0];
    } finally {
      await session.release();
    }
  }
  return fitness;
}
