// A/B of one network's noise sweep (bench eval's sweep: 21 levels × 1 000 mazes, FC, one onnxruntime thread):
// a baseline build of @prnn/agents vs this worktree's, alternating in one process; checks identical results.
// usage: node scripts/ab-eval.mjs BASELINE_AGENTS_DIST [track|general] [rounds]
//   (e.g. packages/agents/dist built from the commit before; it uses the @prnn/env it resolves from there:
//   this worktree's, unless the baseline's own build is placed in a node_modules/@prnn/env above it)
// Both sides open their policies with the split-state path (a baseline from before that option ignores it).
// Prints medians of wall and CPU milliseconds per sweep (CPU: process.cpuUsage, every thread of the process).
const A = await import(new URL(`file://${process.argv[2]}/index.js`).href);
const B = await import(new URL('../packages/agents/dist/index.js', import.meta.url).href);
const E = await import(new URL('../packages/env/dist/index.js', import.meta.url).href);
const { Rng } = await import(new URL('../packages/core/dist/index.js', import.meta.url).href);
const kind = process.argv[3] ?? 'track';
const rounds = Number(process.argv[4] ?? 15);
const task = E.resolveTaskOptions(kind, {});
const arch = B.parseArch('fc', { channels: task.channels });
const noise = B.parseNoiseSpec(B.PAPER_NOISE_SPEC);
const make = async (M, options) => {
  const evaluator = new M.PolicyEvaluator({ task, mazes: 1000, noise, mazeSeed: 1 });
  const policy = async (seed) => M.OnnxPolicy.load(B.buildNinePathwayOnnx(arch, B.initWeights(arch, Rng.derive(seed, B.STREAM.init))), { intraOpNumThreads: 1, ...options });
  return { evaluator, policy };
};
const base = await make(A, { splitState: true });
const next = await make(B, { splitState: true });
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const time = async (side, seed) => {
  const policy = await side.policy(seed);
  try {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await side.evaluator.evaluate(policy, seed);
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return { wall, cpu: (c.user + c.system) / 1000, result };
  } finally {
    await policy.release();
  }
};
const w = { base: [], next: [] };
const c = { base: [], next: [] };
for (let r = -1; r < rounds; r++) {
  const seed = Math.max(0, r);
  const a = await time(base, seed);
  const b = await time(next, seed);
  if (JSON.stringify(a.result.fitness) !== JSON.stringify(b.result.fitness) || a.result.robustness !== b.result.robustness) {
    throw new Error(`results differ for seed ${seed}`);
  }
  if (r < 0) continue; // warm-up
  w.base.push(a.wall); w.next.push(b.wall); c.base.push(a.cpu); c.next.push(b.cpu);
}
const f = (v) => v.toFixed(1);
console.log(`${kind}: identical results over ${rounds} networks; ms per sweep (median) — wall: base ${f(med(w.base))}, new ${f(med(w.next))}, ratio ${(med(w.base) / med(w.next)).toFixed(2)}; CPU: base ${f(med(c.base))}, new ${f(med(c.next))}, ratio ${(med(c.base) / med(c.next)).toFixed(2)}`);
