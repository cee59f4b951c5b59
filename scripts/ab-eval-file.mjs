// A/B of one stored ONNX policy's noise sweep (21 levels × 1 000 mazes, one onnxruntime thread) under two
// evaluator settings of this build, alternating in one process, identical results checked every round; also
// prints how many trials are still going at each step.
// usage: node scripts/ab-eval-file.mjs POLICY.onnx [track|general] [rounds] '{evaluator options A}' '{options B}'
//   (e.g. '{"compact":0}' '{}'; "shareNoise":false draws every env's own noise)
const A = await import(new URL('../packages/agents/dist/index.js', import.meta.url).href);
const E = await import(new URL('../packages/env/dist/index.js', import.meta.url).href);
const [file, kind = 'track'] = process.argv.slice(2);
const rounds = Number(process.argv[4] ?? 15);
const [optionsA, optionsB] = [process.argv[5] ?? '{}', process.argv[6] ?? '{}'].map((s) => JSON.parse(s));
const task = E.resolveTaskOptions(kind, {});
const noise = A.parseNoiseSpec(A.PAPER_NOISE_SPEC);
const make = ({ shareNoise, ...options }) => {
  const evaluator = new A.PolicyEvaluator({ task, mazes: 1000, noise, mazeSeed: 1, ...options });
  if (shareNoise === false) evaluator.env.shareNoiseDraws(null);
  return evaluator;
};
const sides = [make(optionsA), make(optionsB)];
const policy = await A.OnnxPolicy.load(file, { intraOpNumThreads: 1, splitState: true });
const live = [];
await sides[1].evaluate(policy, 0, { beforeStep: (_t, _obs, finished) => { let n = 0; for (const f of finished) n += 1 - f; live.push(n); } });
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const time = async (evaluator, seed) => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await evaluator.evaluate(policy, seed);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000, result };
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
  if (r < 0) continue;
  wall[0].push(a.wall); wall[1].push(b.wall); cpu[0].push(a.cpu); cpu[1].push(b.cpu);
}
await policy.release();
const f = (v) => v.toFixed(1);
console.log(`live trials per step (seed 0): ${live.join('/')}`);
console.log(`${kind}: identical results over ${rounds} rounds; ms per sweep (median) — wall: A ${f(med(wall[0]))}, B ${f(med(wall[1]))}, ratio ${(med(wall[0]) / med(wall[1])).toFixed(2)}; CPU: A ${f(med(cpu[0]))}, B ${f(med(cpu[1]))}, ratio ${(med(cpu[0]) / med(cpu[1])).toFixed(2)}`);
