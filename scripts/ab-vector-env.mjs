// A/B of VectorEnv.step: the baseline copy vs the worktree build, interleaved; checks identical outputs.
// usage: node scripts/ab-vector-env.mjs BASELINE_ENV_DIST [general|track]  (e.g. a copy of packages/env/dist from the build before)
const A = await import(new URL(`file://${process.argv[2]}/index.js`).href);
const B = await import(new URL('../packages/env/dist/index.js', import.meta.url).href);
const core = await import(new URL('../packages/core/dist/index.js', import.meta.url).href);
const N = 21000;
function make(M, kind) {
  const task = M.resolveTaskOptions(kind, {});
  const set = M.generateMazeSet(task, { count: 1000, seed: 3 });
  const env = new M.VectorEnv({ numEnvs: N, autoreset: 'next-step', seed: 5 });
  for (let i = 0; i < N; i++) env.setSensorNoise(i, [0, 0.05, 0.25][i % 3]);
  const idx = new Int32Array(N); for (let i = 0; i < N; i++) idx[i] = i % 1000;
  env.resetAll(set, idx);
  return env;
}
const kind = process.argv[3] ?? 'general';
const ea = make(A, kind), eb = make(B, kind);
const acts = new Int32Array(N);
const rng = new (A.Rng ?? core.Rng)(9); // a baseline from before @prnn/core has its own Rng
const run = (env, reps) => { const t0 = performance.now(); for (let r = 0; r < reps; r++) { for (let i = 0; i < N; i++) acts[i] = (i * 7 + r * 3) % 5; env.step(acts); } return (performance.now() - t0) / reps; };
// equality check
for (let r = 0; r < 50; r++) {
  for (let i = 0; i < N; i++) acts[i] = rng.int(5);
  ea.step(acts); eb.step(acts);
  for (let k = 0; k < ea.observations.length; k++) if (ea.observations[k] !== eb.observations[k]) throw new Error('obs differ at ' + k);
  for (let k = 0; k < N; k++) if (!(ea.fitness[k] === eb.fitness[k] || (ea.fitness[k] !== ea.fitness[k] && eb.fitness[k] !== eb.fitness[k])) || ea.rewards[k] !== eb.rewards[k] || ea.position[k] !== eb.position[k]) throw new Error('state differs at ' + k);
}
const ta = [], tb = [];
for (let k = 0; k < 9; k++) { ta.push(run(ea, 40)); tb.push(run(eb, 40)); }
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(`identical; ns per env-step: base ${(med(ta) * 1e6 / N).toFixed(1)}, new ${(med(tb) * 1e6 / N).toFixed(1)}, ratio ${(med(ta) / med(tb)).toFixed(3)}`);
