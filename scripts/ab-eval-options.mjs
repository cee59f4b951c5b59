// A/B of one network's noise sweep (bench eval's sweep: 21 levels × 1 000 mazes, one onnxruntime thread) under
// two settings of this build, alternating in one process, identical results checked on every network.
// usage: node scripts/ab-eval-options.mjs [track|general] [rounds] '{evaluator options A}' '{evaluator options B}' [arch]
//   evaluator options: PolicyEvaluator's (e.g. {"compact":0}), plus "shareNoise":false to draw every env's own noise.
// Prints medians of wall and CPU milliseconds per sweep (CPU: process.cpuUsage) and the ratio A / B.
const A = await import(new URL('../packages/agents/dist/index.js', import.meta.url).href);
const E = await import(new URL('../packages/env/dist/index.js', import.meta.url).href);
const { Rng } = await import(new URL('../packages/core/dist/index.js', import.meta.url).href);
const kind = process.argv[2] ?? 'track';
const rounds = Number(process.argv[3] ?? 15);
const [optionsA, optionsB] = [process.argv[4] ?? '{}', process.argv[5] ?? '{}'].map((s) => JSON.parse(s));
const task = E.resolveTaskOptions(kind, {});
const arch = A.parseArch(process.argv[6] ?? 'fc', { channels: task.channels });
const noise = A.parseNoiseSpec(A.PAPER_NOISE_SPEC);
const make = ({ shareNoise, ...options }) => {
  const evaluator = new A.PolicyEvaluator({ task, mazes: 1000, noise, mazeSeed: 1, ...options });
  if (shareNoise === false) evaluator.env.shareNoiseDraws(null);
  return evaluator;
};
const sides = [make(optionsA), make(optionsB)];
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const time = async (evaluator, seed) => {
  const policy = await A.OnnxPolicy.load(A.buildNinePathwayOnnx(arch, A.initWeights(arch, Rng.derive(seed, A.STREAM.init))), { intraOpNumThreads: 1, splitState: true });
  try {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await evaluator.evaluate(policy, seed);
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return { wall, cpu: (c.user + c.system) / 1000, result };
  } finally {
    await policy.release();
  }
};
const wall = [[], []];
const cpu = [[], []];
for (let r = -1; r < rounds; r++) {
  const seed = Math.max(0, r);
  const a = await time(sides[0], seed);
  const b = await time(sides[1], seed);
  if (JSON.stringify(a.result.fitness) !== JSON.stringify(b.result.fitness) || a.result.robustness !== b.result.robustness) {
    throw new Error(`results differ for seed ${seed}`);
  }
  if (r < 0) continue; // warm-up
  wall[0].push(a.wall); wall[1].push(b.wall); cpu[0].push(a.cpu); cpu[1].push(b.cpu);
}
const f = (v) => v.toFixed(1);
console.log(`${kind}: identical results over ${rounds} networks; ms per sweep (median) — wall: A ${f(med(wall[0]))}, B ${f(med(wall[1]))}, ratio ${(med(wall[0]) / med(wall[1])).toFixed(2)}; CPU: A ${f(med(cpu[0]))}, B ${f(med(cpu[1]))}, ratio ${(med(cpu[0]) / med(cpu[1])).toFixed(2)}`);
