import { Rng } from '@prnn/env';
import { buildNinePathwayOnnx, initWeights, parseArch, OnnxPolicy, initBackend } from '@prnn/agents';
import { allocateTrials, onnxProgram, onnxExactSensitivity, NinePathwayJacobian, allocateProfile } from '@prnn/analysis';
const T = 6, N = 1000, I = 8;
const arch = parseArch('fc');
const w = initWeights(arch, Rng.derive(1, 1));
for (const m of Object.values(w)) for (let k = 0; k < m.length; k++) m[k] *= 3;
const trials = allocateTrials(N, T, I);
const rng = Rng.derive(2, 2);
for (let n = 0; n < N; n++) { trials.lengths[n] = T; for (let k = 0; k < T * I; k++) trials.obs[n * T * I + k] = rng.float(); }
const bytes = buildNinePathwayOnnx(arch, w);
const r = await onnxExactSensitivity(onnxProgram(bytes).program, 21, trials, {});
const fused = allocateProfile(trials);
new NinePathwayJacobian(w, { inputs: 8, hidden: 8, outputs: 5 }, T).run(trials, fused);
let worst = 0, at = -1;
for (let k = 0; k < fused.s.length; k++) if (fused.s[k] > 0) { const e = Math.abs(r.profile.s[k] - fused.s[k]) / fused.s[k]; if (e > worst) { worst = e; at = k; } }
const n = Math.floor(at / (T*T)), t = Math.floor((at % (T*T)) / T), lag = at % T;
console.log({worst, n, t, lag, fused: fused.s[at], exact: fused.s[at] && r.profile.s[at], s0: fused.s[(n*T+t)*T]});
