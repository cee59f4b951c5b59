// Same-run A/B of the DQN training episode (fresh mazes, rollout, learning pass, clip, Adam; FC General,
// each checkout's default path): a baseline checkout vs this one, alternating half-second windows in one process.
// usage: node scripts/ab-train-episode.mjs [population=128] [rounds=9] [windowMs=500] [BASELINE_ROOT=/tmp/base-h1]
// BASELINE_ROOT is a built checkout of the commit to compare with (e.g. `git worktree add /tmp/base-h1 <commit>`,
// node_modules linked from this one with its own @prnn links, `npm run build`).
const P = Number(process.argv[2] ?? 128);
const rounds = Number(process.argv[3] ?? 9);
const windowMs = Number(process.argv[4] ?? 500);
const baseline = process.argv[5] ?? '/tmp/base-h1';
const here = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
async function load(root) {
  const agents = await import(`${root}/packages/agents/dist/index.js`);
  const env = await import(`${root}/packages/env/dist/index.js`);
  const be = await import(`${root}/packages/agents/dist/training/bench-episode.js`);
  await agents.initBackend();
  const registry = await agents.loadPlugins({ cwd: root });
  const architecture = registry.architecture('nine-pathway');
  const kernels = registry.kernels('nine-pathway');
  const task = env.resolveTaskOptions('general', {});
  const fc = architecture.resolve('fc', { channels: task.channels, hidden: 8 });
  const members = Array.from({ length: P }, (_, n) => ({ arch: fc, seed: n }));
  return { bench: be.createBenchPopulation(architecture, kernels, members, task, undefined), warmUp: be.warmUp };
}
const variants = { base: await load(baseline), new: await load(here) };
for (const v of Object.values(variants)) v.warmUp(v.bench.episode, 2);
const rates = { base: [], new: [] };
for (let r = 0; r < rounds; r++) {
  for (const [k, v] of Object.entries(variants)) {
    const t0 = performance.now();
    let count = 0;
    do { v.bench.episode(); count++; } while (performance.now() - t0 < windowMs);
    rates[k].push((count * P * 1000) / (performance.now() - t0));
  }
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
for (const k of Object.keys(rates)) console.log(k, 'median', Math.round(med(rates[k])), 'net-episodes/s;', rates[k].map(Math.round).join(' '));
const pair = rates.new.map((x, i) => x / rates.base[i]);
console.log(`P=${P}: new/base = ${(med(rates.new) / med(rates.base)).toFixed(3)} (median of per-round ratios ${med(pair).toFixed(3)})`);
