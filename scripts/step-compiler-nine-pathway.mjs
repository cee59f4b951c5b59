// The 9-pathway family's step compiled (the `compiled` path) against its hand-written `wasm-simd` kernel:
// DQN training episodes (fresh mazes, rollout, learning pass, clip, Adam) of P networks of one spec, both
// populations in this process, alternating windows of half a second of this process's CPU time, median rate of each and median of the
// per-round ratios. Usage: node scripts/step-compiler-nine-pathway.mjs [task=general] [P=128] [rounds=5] [spec=fc|mixed]
import { resolveTaskOptions } from '@prnn/env';
import { builtinPlugins, createContainer, initBackend } from '@prnn/agents';
import { createBenchPopulation, warmUp } from '../packages/agents/dist/training/bench-episode.js';

const taskName = process.argv[2] ?? 'general';
const P = Number(process.argv[3] ?? 128);
const rounds = Number(process.argv[4] ?? 5);
const spec = process.argv[5] ?? 'fc';
await initBackend('cpu');
const registry = createContainer(builtinPlugins());
const architecture = registry.architecture('nine-pathway');
// both paths are registered: `compiled` (the default) and the hand-written `wasm-simd`
const kernels = registry.kernels('nine-pathway');
const task = resolveTaskOptions(taskName, {});
// spec `mixed`: the family's 128 architectures in turn (network n is architecture n mod 128)
const all = architecture.list({ channels: task.channels, hidden: 8 });
const members = Array.from({ length: P }, (_, n) => ({ arch: spec === 'mixed' ? all[n % all.length] : architecture.resolve(spec, { channels: task.channels, hidden: 8 }), seed: n }));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const paths = ['wasm-simd', 'compiled'];
const benches = paths.map((path) => createBenchPopulation(architecture, kernels, members, task, path));
for (const b of benches) warmUp(b.episode, 1);
const rates = paths.map(() => []);
// by this process's CPU time (user + system), which other processes' load disturbs less than wall time
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const window = (b) => {
  const c0 = cpuSeconds();
  let count = 0;
  do {
    b.episode();
    count++;
  } while (cpuSeconds() - c0 < 0.5);
  return (count * P) / (cpuSeconds() - c0);
};
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? [1, 0] : [0, 1];
  for (const k of order) rates[k].push(window(benches[k]));
}
const ratios = rates[1].map((c, r) => c / rates[0][r]);
console.log(JSON.stringify({ task: taskName, spec, population: P, rounds, wasmSimd: Math.round(median(rates[0])), compiled: Math.round(median(rates[1])), ratio: +median(ratios).toFixed(3), ratios: ratios.map((x) => +x.toFixed(3)) }));
for (const b of benches) b.dispose();
