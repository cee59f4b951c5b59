// Jacobians through the embedding (docs/guides/analysis.md): one child process per measurement, CPU time.
// Usage: node scripts/jacobian-embedding.mjs MODE EMBED [N] [trials=1000]
//   MODE archs: the first N architectures of the 128 (+ ff-large when N = 129), one network each, in order;
//   MODE paper: the 129, N networks each (architecture by architecture, as a worker's share of an analysis);
//   MODE mix: 16 networks of 8 architectures (2 seeds each);
//   MODE steady SPEC: repeated sensitivity of one network of SPEC after its first call (median seconds per call).
// EMBED: never | always | auto. Prints JSON: CPU seconds (user + system) and wall seconds.
import { Rng } from '@prnn/core';
import { compiledJacobianKernel, initBackend, ninePathwayDefinition, stepSizes } from '@prnn/agents';

const [mode, embed, arg, trialArg] = process.argv.slice(2);
await initBackend('cpu');
const def = ninePathwayDefinition;
const I = 8;
const count = Number(trialArg ?? 1000);
const T = 6;
const rng = Rng.derive(1, 2);
const obs = new Float32Array(count * T * I);
for (let k = 0; k < obs.length; k++) obs[k] = rng.float();
const trials = { obs, lengths: new Int32Array(count).fill(T), count, steps: T, inputs: I };
const kernel = compiledJacobianKernel(def, { embed });
const s = new Float64Array(count * T * T);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const all = def.list({ channels: 2 });
let nets;
if (mode === 'archs') {
  const n = Number(arg ?? 129);
  nets = all.slice(0, Math.min(n, 128)).map((a) => ({ arch: a, seed: 0 }));
  if (n > 128) nets.push({ arch: def.resolve('ff-large', { channels: 2 }), seed: 0 });
} else if (mode === 'paper') {
  const archs = [...all, def.resolve('ff-large', { channels: 2 })];
  nets = archs.flatMap((arch) => Array.from({ length: Number(arg ?? 4) }, (_, seed) => ({ arch, seed })));
} else if (mode === 'mix') {
  const specs = ['fc', 'ff', 'hh+oh', 'ii+oi', 'hh', 'oo+io', 'hi+oh', 'ii+hh+oo'];
  nets = specs.flatMap((spec) => [0, 1].map((seed) => ({ arch: def.resolve(spec, { channels: 2 }), seed })));
} else {
  const arch = def.resolve(arg, { channels: 2 });
  const weights = def.init(arch, stepSizes(2), Rng.derive(3, 1));
  kernel.sensitivity(arch, weights, trials, s);
  const times = [];
  for (let r = 0; r < 7; r++) {
    const c0 = cpu();
    kernel.sensitivity(arch, weights, trials, s);
    times.push(cpu() - c0);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ mode, spec: arg, embed, median: +times[3].toFixed(4) }));
  process.exit(0);
}
const c0 = cpu();
const w0 = performance.now();
for (const { arch, seed } of nets) kernel.sensitivity(arch, def.init(arch, stepSizes(2), Rng.derive(seed, 1)), trials, s);
console.log(JSON.stringify({ mode, n: nets.length, embed, cpu: +(cpu() - c0).toFixed(2), wall: +((performance.now() - w0) / 1000).toFixed(2) }));
