// A/B of one network's noise sweep (bench eval's sweep: 21 levels × 1 000 mazes, one onnxruntime thread) under
// two settings of this build, alternating in one process, identical results checked on every network.
// usage: node scripts/ab-eval-options.mjs [track|general] [rounds] '{evaluator options A}' '{evaluator options B}' [arch]
//   evaluator options: PolicyEvaluator's (e.g. {"compact":0}), plus "shareNoise":false to draw every env's own noise.
// Prints medians of wall and CPU milliseconds per sweep (CPU: process.cpuUsage) and the ratio A / B.
import { agents as A, alternate, core, paperSweep, summary, sweepEvaluator, timeSweep } from './ab-eval-common.mjs';

const kind = process.argv[2] ?? 'track';
const rounds = Number(process.argv[3] ?? 15);
const [optionsA, optionsB] = [process.argv[4] ?? '{}', process.argv[5] ?? '{}'].map((s) => JSON.parse(s));
const sweep = paperSweep(kind);
const arch = A.parseArch(process.argv[6] ?? 'fc', { channels: sweep.task.channels });
const sides = [sweepEvaluator(A, sweep, optionsA), sweepEvaluator(A, sweep, optionsB)];
const times = await alternate(rounds, async (k, seed) => {
  const policy = await A.OnnxPolicy.load(A.buildNinePathwayOnnx(arch, A.initWeights(arch, core.Rng.derive(seed, A.STREAM.init))), { intraOpNumThreads: 1, splitState: true });
  try {
    return await timeSweep(sides[k], policy, seed);
  } finally {
    await policy.release();
  }
});
console.log(summary(kind, rounds, 'networks', ['A', 'B'], times));
