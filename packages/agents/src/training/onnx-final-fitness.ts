import type { MazeSet } from '@prnn/env';
import { PrnnError } from '@prnn/core';
import { OnnxPolicy } from '../eval/onnx-policy.js';
import { WeightFedPolicy } from '../eval/weight-fed-policy.js';
import type { Architecture, PopulationMember } from '../sdk/architecture.js';
import type { KernelSet, WeightFedOnnxModel } from '../sdk/kernel.js';
import { FINAL_EVALUATION_STREAM } from '../sdk/streams.js';
import { weightFedOnnxKernel } from '../onnx/weight-fed-onnx.js';
import { GreedyEvaluator, type GreedyPolicy } from './evaluate-greedy.js';

/**
 * The final test through each network's exported ONNX policy in onnxruntime: the float32 arithmetic of
 * `prnn eval`, so that `prnn eval --run` reproduces the stored fitness exactly. The population model's own
 * forward (the compiled kernel sums in another order than onnxruntime) can pick a different action where two Q-values agree to
 * float32 precision — common for young networks, whose softmax outputs are all near 1/5 — and a flipped
 * action changes a trial's score. Networks are tested one at a time with the same noise streams and
 * tie-breaking as GreedyEvaluator gives them in a population (a network's score never depends on its population).
 *
 * With the family's kernels given, the networks of one architecture share one session of a weight-fed ONNX
 * model (the same arithmetic with the weights as inputs), opened once: fewer sessions to build, and none of the
 * memory onnxruntime-node keeps for each released session until V8 collects it. The model is the family's
 * registered weight-fed kernel's, else the generic one (onnx/weight-fed-onnx.ts: the exported policy with its
 * `param_` initializers as inputs), which covers every family exported by tracing its step.
 */
export async function onnxFinalFitness(
  architecture: Architecture,
  members: readonly PopulationMember[],
  weights: readonly Record<string, Float32Array>[],
  testSet: MazeSet,
  sensorNoise: number,
  kernels?: KernelSet,
): Promise<Float64Array> {
  const exportOnnx = architecture.exportOnnx;
  if (!exportOnnx) throw new PrnnError(`architecture family ${architecture.family} has no exportOnnx`);
  const evaluator = new GreedyEvaluator(testSet, 1);
  const fitness = new Float64Array(members.length);
  const test = async (n: number, policy: GreedyPolicy) => {
    const r = await evaluator.evaluate(policy, [members[n].seed], { sensorNoise, streamId: FINAL_EVALUATION_STREAM });
    fitness[n] = r.fitness[0];
  };
  // networks by weight-fed model (one session each, in order of first appearance); the rest one by one
  const fed = kernels ? (kernels.weightFedOnnx()[0] ?? weightFedOnnxKernel(architecture)) : undefined;
  const groups = new Map<string, { model: WeightFedOnnxModel; networks: number[] }>();
  const alone: number[] = [];
  for (let n = 0; n < members.length; n++) {
    const model = fed?.model(members[n].arch, testSet.channels);
    if (!model) alone.push(n);
    else if (groups.has(model.key)) groups.get(model.key)!.networks.push(n);
    else groups.set(model.key, { model, networks: [n] });
  }
  for (const { model, networks } of groups.values()) {
    const session = await WeightFedPolicy.open(model, { label: `architecture ${members[networks[0]].arch.name}` });
    try {
      for (const n of networks) {
        session.use(weights[n]);
        await test(n, { reset: (batch) => session.reset(batch), step: (obs, q) => session.step(obs, q) });
      }
    } finally {
      await session.release();
    }
  }
  for (const n of alone) {
    const bytes = exportOnnx.call(architecture, members[n].arch, weights[n], {}, testSet.channels);
    const session = await OnnxPolicy.load(bytes, { label: `network ${members[n].arch.name} seed ${members[n].seed}`, splitState: true });
    try {
      await test(n, { reset: (batch) => session.reset(batch), step: (obs, q) => session.step(obs, q) });
    } finally {
      await session.release();
    }
  }
  return fitness;
}
