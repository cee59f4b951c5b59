// Where one network's noise sweep spends its time (bench eval's sweep: 21 levels × 1 000 mazes, FC, one
// onnxruntime thread): the engine's step (onnxruntime), the VectorEnv's reset and step, and the rest (the
// evaluator's loop: greedy actions, bookkeeping), timed around each call; CPU time of the whole sweep.
// usage: node scripts/profile-eval.mjs [track|general] [networks] [arch]
const A = await import(new URL('../packages/agents/dist/index.js', import.meta.url).href);
const E = await import(new URL('../packages/env/dist/index.js', import.meta.url).href);
const { Rng } = await import(new URL('../packages/core/dist/index.js', import.meta.url).href);
const kind = process.argv[2] ?? 'track';
const networks = Number(process.argv[3] ?? 9);
const archName = process.argv[4] ?? 'fc';
const task = E.resolveTaskOptions(kind, {});
const arch = A.parseArch(archName, { channels: task.channels });
const evaluator = new A.PolicyEvaluator({ task, mazes: 1000, noise: A.parseNoiseSpec(A.PAPER_NOISE_SPEC), mazeSeed: 1 });
const env = evaluator.env;
const parts = { engine: 0, envStep: 0, envReset: 0 };
const wrap = (obj, name, part) => {
  const f = obj[name].bind(obj);
  obj[name] = (...args) => {
    const t0 = performance.now();
    const r = f(...args);
    if (r && typeof r.then === 'function') return r.then((v) => { parts[part] += performance.now() - t0; return v; });
    parts[part] += performance.now() - t0;
    return r;
  };
};
wrap(env, 'step', 'envStep');
wrap(env, 'resetAll', 'envReset');
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const rows = { wall: [], cpu: [], engine: [], envStep: [], envReset: [], rest: [], live: [] };
for (let k = -1; k < networks; k++) {
  const seed = Math.max(0, k + 1);
  const policy = await A.OnnxPolicy.load(A.buildNinePathwayOnnx(arch, A.initWeights(arch, Rng.derive(seed, A.STREAM.init))), { intraOpNumThreads: 1, splitState: true });
  wrap(policy, 'step', 'engine');
  for (const p in parts) parts[p] = 0;
  const live = [];
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  // (the last network also counts the trials still going at each step, outside the timed sweep)
  await evaluator.evaluate(policy, seed);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  if (k === networks - 1) await evaluator.evaluate(policy, seed, { beforeStep: (_t, _obs, finished) => { let n = 0; for (let i = 0; i < finished.length; i++) n += 1 - finished[i]; live.push(n); } });
  await policy.release();
  if (k < 0) continue;
  rows.wall.push(wall); rows.cpu.push((c.user + c.system) / 1000);
  for (const p in parts) rows[p].push(parts[p]);
  rows.rest.push(wall - parts.engine - parts.envStep - parts.envReset);
  rows.live.push(live.join('/'));
}
const f = (v) => med(v).toFixed(2);
console.log(`${kind} ${archName}: median ms per sweep over ${networks} networks — wall ${f(rows.wall)}, CPU ${f(rows.cpu)}; engine.step ${f(rows.engine)}, env.step ${f(rows.envStep)}, env.resetAll ${f(rows.envReset)}, rest ${f(rows.rest)}`);
console.log(`live trials per step (last network): ${rows.live.at(-1)}`);
