// First call and steady state of the compiled jacobian kernel for one network (fresh process, CPU seconds).
// Usage: node scripts/jacobian-first-call.mjs SPEC [EMBED=never]
import { Rng } from '@prnn/core';
import { compiledJacobianKernel, initBackend, ninePathwayDefinition, stepSizes } from '@prnn/agents';
await initBackend('cpu');
const spec = process.argv[2] ?? 'fc';
const count = 1000, I = 8, T = 6;
const def = ninePathwayDefinition;
const arch = def.resolve(spec, { channels: 2 });
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const w = def.init(arch, stepSizes(2), Rng.derive(3, 1));
const rng = Rng.derive(1, 2);
const obs = new Float32Array(count * T * I);
for (let k = 0; k < obs.length; k++) obs[k] = rng.float();
const trials = { obs, lengths: new Int32Array(count).fill(T), count, steps: T, inputs: I };
const s = new Float64Array(count * T * T);
const k = compiledJacobianKernel(def, { embed: process.argv[3] ?? "never" });
const times = [];
for (let r = 0; r < 8; r++) { const c = cpu(), w0 = performance.now(); k.sensitivity(arch, w, trials, s); times.push([cpu() - c, (performance.now() - w0) / 1000]); }
const st = times.slice(2).map((t) => t[0]).sort((a, b) => a - b);
console.log(JSON.stringify({ spec, firstCpu: +times[0][0].toFixed(3), firstWall: +times[0][1].toFixed(3), steady: +((st[2] + st[3]) / 2).toFixed(4) }));
