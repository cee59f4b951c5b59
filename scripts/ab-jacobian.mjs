// The compiled Jacobian's two engines (emitted JavaScript, WebAssembly SIMD) on the same networks and trials:
// bits compared, then CPU time per network, alternating, medians.
//   node scripts/ab-jacobian.mjs [track|general] [networks] [rounds] [arch,arch,…]
// Trials: uniform observations in [0, 1), every trial the task's full length (the most work per trial);
// weights: the architecture's initialisation scaled by 3 (ReLUs switch, the softmax saturates).
import { Rng } from '@prnn/core';
import { ProgramJacobian, jacobianNetwork, ninePathwayDefinition, stepSizes } from '@prnn/agents';

const [task = 'track', networks = '8', rounds = '9', archList = 'fc,ff,hh+oh,ii+io+oo,ff-large'] = process.argv.slice(2);
const T = task === 'general' ? 20 : 6;
const count = 1000;
const I = 8;
const def = ninePathwayDefinition;
const obs = new Float32Array(count * T * I);
const rng = Rng.derive(11, 2);
for (let k = 0; k < obs.length; k++) obs[k] = rng.float();
const trials = { count, steps: T, inputs: I, obs, lengths: new Int32Array(count).fill(T) };
const cpu = () => process.cpuUsage().user / 1e6;
const bits = (a) => new BigUint64Array(a.buffer, a.byteOffset, a.length);
const out = {};
for (const name of archList.split(',')) {
  const arch = def.resolve(name, { channels: 2, hidden: 8 });
  const nets = [];
  for (let n = 0; n < Number(networks); n++) {
    const w = def.init(arch, stepSizes(2), Rng.derive(100 + n, 1));
    for (const m of Object.values(w)) for (let k = 0; k < m.length; k++) m[k] *= 3;
    nets.push(jacobianNetwork(def, arch, 2, w, { embed: 'never' }));
  }
  const s = { js: new Float64Array(count * T * T), wasm: new Float64Array(count * T * T) };
  const time = { js: [], wasm: [] };
  for (let r = 0; r < Number(rounds) + 1; r++) {
    for (const engine of r % 2 ? ['wasm', 'js'] : ['js', 'wasm']) {
      const t0 = cpu();
      for (const net of nets) new ProgramJacobian(net.program, T, { engine }).setParameters(net.parameters).run(trials, s[engine]);
      if (r > 0) time[engine].push((cpu() - t0) / nets.length);
    }
    const [a, b] = [bits(s.js), bits(s.wasm)];
    for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) throw new Error(`${name}: entry ${k} differs: ${s.js[k]} vs ${s.wasm[k]}`);
  }
  const median = (x) => [...x].sort((p, q) => p - q)[x.length >> 1];
  out[name] = { jsMs: +(1e3 * median(time.js)).toFixed(2), wasmMs: +(1e3 * median(time.wasm)).toFixed(2), ratio: +(median(time.js) / median(time.wasm)).toFixed(2), sameBits: true };
  console.log(name, JSON.stringify(out[name]));
}
