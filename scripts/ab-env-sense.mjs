// A/B of VectorEnv.step + senseWhere as training and greedy tests run them (a reset, then every step followed by
// a second sensing; with `shared`, the noise sweep's layout instead: 21 levels of a maze sharing their draws, no
// second sensing): a baseline build of @prnn/env against this worktree's, alternating blocks of 10 episodes in
// one process; checks identical observations.
// usage: node scripts/ab-env-sense.mjs BASELINE_ENV_DIST [track|general] [envs] [rounds] [shared]
//   (e.g. packages/env/dist built at the commit before, copied next to this one). Prints CPU ms per block (medians).
const [baseDist, kind = 'track', envs = '4000', rounds0 = '15', shared = ''] = process.argv.slice(2);
if (!baseDist) {
  console.error('usage: node scripts/ab-env-sense.mjs BASELINE_ENV_DIST [track|general] [envs] [rounds] [shared]');
  process.exit(2);
}
const N = Number(envs);
const rounds = Number(rounds0);
const share = shared === 'shared';
const sides = {};
for (const [k, url] of [['base', new URL(`file://${baseDist}/index.js`).href], ['next', new URL('../packages/env/dist/index.js', import.meta.url).href]]) {
  const E = await import(url);
  const task = E.resolveTaskOptions(kind, {});
  const set = E.generateMazeSet(task, { count: 1000, seed: 7 });
  const env = new E.VectorEnv({ numEnvs: N, channels: task.channels, sensorNoise: 0.05, reward: 'progress', autoreset: 'none', seeds: Float64Array.from({ length: N }, (_, i) => i * 7 + 1) });
  if (share) {
    for (let i = 0; i < N; i++) env.setSensorNoise(i, 0.025 * (i % 21));
    env.shareNoiseDraws(Int32Array.from({ length: N }, (_, i) => i - (i % 21)));
  }
  sides[k] = { env, set, mazes: Int32Array.from({ length: N }, (_, i) => i % 1000), steps: task.steps, first: null };
}
const actions = new Int32Array(N);
const active = new Uint8Array(N).fill(1);
const block = (s, r) => {
  const { env, set, mazes } = s;
  const c0 = process.cpuUsage();
  for (let e = 0; e < 10; e++) {
    env.resetAll(set, mazes);
    for (let t = 0; t < s.steps; t++) {
      for (let i = 0; i < N; i++) actions[i] = (i * 31 + t * 7 + e + r + 10) % 5;
      env.step(actions);
      if (!share) env.senseWhere(active);
      if (s.first === null && t === 1) s.first = Float32Array.from(env.observations);
    }
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const cpu = { base: [], next: [] };
for (let r = -2; r < rounds; r++) {
  for (const k of r % 2 === 0 ? ['base', 'next'] : ['next', 'base']) {
    const v = block(sides[k], r);
    if (r >= 0) cpu[k].push(v);
  }
}
if (Buffer.compare(Buffer.from(sides.base.first.buffer), Buffer.from(sides.next.first.buffer)) !== 0) throw new Error('the observations differ');
const med = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
console.log(JSON.stringify({ kind, envs: N, shared: share, base: med(cpu.base), next: med(cpu.next), ratio: +(med(cpu.base) / med(cpu.next)).toFixed(3), identical: true }));
